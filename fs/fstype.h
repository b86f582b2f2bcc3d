/*
 * Which file systems inotify cannot be trusted on.  inotify reports what
 * passes through this kernel's VFS; a file that another machine writes into
 * an NFS export or a Samba share (or that the server of a FUSE file system
 * changes behind it) makes no event on this side.  Watch mode polls such a
 * folder instead (fs/poller.h).  Known by statfs(2)'s f_type, the magic
 * numbers of linux/magic.h and of the file systems themselves.
 */
#ifndef TIKTOKFS_FSTYPE_H
#define TIKTOKFS_FSTYPE_H

/* The name of the file system type @f_type ("nfs", "cifs", "fuse" ...)
 * when changes made by other machines or by a server process are not
 * reported by inotify on it; NULL for a local file system.  Static. */
const char *fstype_unwatchable(long f_type);

/* fstype_unwatchable() of the file system that holds the open @fd; NULL
 * for a local one or when fstatfs fails (inotify is tried then). */
const char *fstype_unwatchable_fd(int fd);

#endif

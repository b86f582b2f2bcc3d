/*
 * Paths inside a drop folder that untrusted people can write to, reached
 * from the folder's root descriptor one component at a time.
 *
 * The daemon runs as root and the drop folder is shared: anyone who can
 * write into it can plant a symlink, a hard link, a FIFO or a device node
 * where the daemon expects a file or a folder.  A path check followed by
 * open() races with them, and open() of a path follows every link on the
 * way.  So every function here walks from @root_fd with
 * openat(O_NOFOLLOW | O_DIRECTORY) per component, opens the last one with
 * O_NOFOLLOW, and checks what it opened (fstat on the descriptor), never
 * the name.  "." and ".." components are refused (-EINVAL): no caller
 * needs them, and ".." would climb out of the root.
 *
 * Every function returns a descriptor or 0 on success and -errno on
 * failure.  -ELOOP means a symlink was met on the way or at the end,
 * -ENOTDIR a component that is not a directory; the others are those of
 * the system calls.
 */
#ifndef TIKTOKFS_SAFEPATH_H
#define TIKTOKFS_SAFEPATH_H

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Open the root of a drop folder (a path the administrator configured, so
 * trusted as it is).  fd or -errno. */
int sp_open_root(const char *root);

/* The directory @rel below @root_fd ("" or "." is the root itself, dup'ed).
 * fd (O_DIRECTORY, O_CLOEXEC; caller closes) or -errno. */
int sp_open_dir(int root_fd, const char *rel);

/*
 * The directory that holds @rel, walked as sp_open_dir does; *@base is set
 * to the last component of @rel (a pointer into @rel).  fd or -errno.
 */
int sp_open_parent(int root_fd, const char *rel, const char **base);

/*
 * Open the regular file @rel for reading.  Refused, without opening it:
 * a symlink (-ELOOP), anything that is not a regular file, such as a FIFO,
 * a socket or a device node (-EINVAL), a file with more than one name,
 * which can be a hard link to a file outside the drop folder (-EMLINK).
 * *@st (when not NULL) is filled in every case where the name exists, so
 * that the caller can say what was found (sp_describe).  The descriptor
 * is blocking, O_CLOEXEC; caller closes.  fd or -errno.
 */
int sp_open_regular(int root_fd, const char *rel, struct stat *st);

/* Like sp_open_regular() but only looks: 0 when @rel is a regular file with
 * one name, else the same -errno.  For checks that need no content. */
int sp_check_regular(int root_fd, const char *rel, struct stat *st);

/*
 * A sentence for a person about why sp_open_regular() refused @rel, for
 * NAME.error and user.tiktok.error: "it is a symbolic link", "it is a
 * FIFO (named pipe)", "it has 2 hard links" ...  @err is the -errno it
 * returned, @st what it filled in.  Static storage or @buf.
 */
const char *sp_describe(int err, const struct stat *st, char *buf, size_t size);

/*
 * mkdir -p of @rel below @root_fd, one component at a time.  A missing
 * component is created with @mode and, when @uid is not (uid_t)-1, given
 * to @uid:@gid.  An existing component must be a real directory (a link
 * gives -ELOOP).  fd of the last directory (caller closes) or -errno.
 */
int sp_mkdir_p(int root_fd, const char *rel, mode_t mode, uid_t uid, gid_t gid);

/*
 * renameat2(@flags) of @from to @to, both below @root_fd, each parent
 * walked without following links.  The source itself may be anything (it
 * is moved, not opened).  0 or -errno.
 */
int sp_rename(int root_fd, const char *from, const char *to, unsigned int flags);

/* unlinkat of @rel (a file), its parent walked without links.  0 or -errno. */
int sp_unlink(int root_fd, const char *rel);

/* fstatat(AT_SYMLINK_NOFOLLOW) of @rel, its parent walked.  0 or -errno. */
int sp_lstat(int root_fd, const char *rel, struct stat *st);

#endif

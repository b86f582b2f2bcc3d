/*
 * The magic numbers of file systems whose changes can come from elsewhere
 * (see fstype.h).  A table, not linux/magic.h: that header lacks most of
 * them (CIFS, SMB2, Ceph, GPFS are defined in their own sources), and the
 * values are the kernel's ABI, so they do not change.
 */
#include "fs/fstype.h"

#include <stddef.h>
#include <sys/vfs.h>

struct fstype {
	unsigned long magic;
	const char *name;
};

static const struct fstype remote[] = {
	{0x6969, "nfs"},	      /* NFS_SUPER_MAGIC, v2 to v4 */
	{0xFF534D42, "cifs"},	      /* CIFS_SUPER_MAGIC (mount -t cifs) */
	{0xFE534D42, "smb2"},	      /* SMB2_SUPER_MAGIC (mount -t smb3) */
	{0x517B, "smb"},	      /* SMB_SUPER_MAGIC, the old smbfs */
	{0x65735546, "fuse"},	      /* FUSE_SUPER_MAGIC: sshfs, rclone, virtiofs, s3fs */
	{0x01021997, "9p"},	      /* V9FS_MAGIC: 9p, VM shared folders */
	{0x00C36400, "ceph"},	      /* CEPH_SUPER_MAGIC */
	{0x5346414F, "afs"},	      /* AFS_FS_MAGIC */
	{0x6B414653, "afs"},	      /* AFS_SUPER_MAGIC (kAFS) */
	{0x73757245, "coda"},	      /* CODA_SUPER_MAGIC */
	{0x564C, "ncp"},	      /* NCP_SUPER_MAGIC (NetWare) */
	{0x01161970, "gfs2"},	      /* GFS2_MAGIC: other cluster nodes */
	{0x7461636F, "ocfs2"},	      /* OCFS2_SUPER_MAGIC: other cluster nodes */
	{0x0BD00BD0, "lustre"},	      /* LL_SUPER_MAGIC */
	{0x47504653, "gpfs"},	      /* GPFS_SUPER_MAGIC */
	{0x786F4256, "vboxsf"},	      /* VBOXSF_SUPER_MAGIC: VirtualBox shared folders */
};

const char *fstype_unwatchable(long f_type)
{
	/* f_type is a signed long; CIFS's magic has its top bit set on
	 * 32-bit machines, so compare as 32-bit unsigned values */
	unsigned long t = (unsigned long)f_type & 0xFFFFFFFFUL;

	for (size_t i = 0; i < sizeof(remote) / sizeof(remote[0]); i++)
		if (remote[i].magic == t)
			return remote[i].name;
	return NULL;
}

const char *fstype_unwatchable_fd(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return NULL;
	return fstype_unwatchable((long)sf.f_type);
}

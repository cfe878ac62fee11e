/* memfd_create. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "fs/memfd.h"
#include "fs/vfs.h"
#include "sentry/log.h"
#include "sentry/syscalls/table.h"
#include "sentry/task.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#define MFD_ALL_FLAGS (MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB | MFD_NOEXEC_SEAL | MFD_EXEC)
#define MFD_HUGE_BITS (0x3fU << 26) /* MFD_HUGE_MASK << MFD_HUGE_SHIFT */
#define MFD_PREFIX    "memfd:"
#define MFD_NAME_MAX  (255 - 6) /* NAME_MAX less the prefix */

long sys_memfd_create(struct task *t, const uint64_t a[6])
{
	unsigned flags = (unsigned)a[1];
	char name[sizeof(MFD_PREFIX) + MFD_NAME_MAX] = MFD_PREFIX;
	struct file *f;
	/* The page size bits only go with MFD_HUGETLB. */
	if (flags & ~(MFD_ALL_FLAGS | ((flags & MFD_HUGETLB) ? MFD_HUGE_BITS : 0)))
		return -EINVAL;
	if ((flags & MFD_EXEC) && (flags & MFD_NOEXEC_SEAL))
		return -EINVAL;
	long len = copy_string_from_guest(t, name + strlen(MFD_PREFIX), a[0], MFD_NAME_MAX + 1);
	if (len == -ENAMETOOLONG)
		return -EINVAL;
	if (len < 0)
		return len;
	/* No file seals here (F_ADD_SEALS and F_GET_SEALS are EINVAL): a seal that would not be
	 * enforced is refused, as a kernel before 6.3 refuses MFD_NOEXEC_SEAL. */
	if (flags & MFD_NOEXEC_SEAL)
		return -EINVAL;
	if (flags & MFD_HUGETLB) {
		/* What a kernel without hugetlbfs answers. */
		log_info("memfd_create: MFD_HUGETLB is not supported: ENOSYS");
		return -ENOSYS;
	}
	/* Linux's memfds are 0777 whatever the umask, owned by the creator's fs ids. */
	struct vfs_owner who = {t->cred.fsuid, t->cred.fsgid};
	int err = memfd_file_new(name, 0777, &who, &f);
	if (err < 0)
		return err;
	int fd = fd_install(t->fdt, f, 0, flags & MFD_CLOEXEC);
	file_put(f);
	return fd;
}

/*
 * Linux's anonymous inode: the one inode that every epoll, eventfd, timerfd and signalfd file
 * shares (anon_inode_getfile). fstat on any of them gives the same device and inode number,
 * no file type and mode 0600, owned by root. The values match fs/inotify.c's, which models
 * the same inode; guests only compare them.
 */
#ifndef CVISOR_ANON_INODE_H
#define CVISOR_ANON_INODE_H

#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define ANON_INODE_DEV makedev(0, 14)
#define ANON_INODE_INO 1

static inline int anon_inode_fstat(struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = ANON_INODE_DEV;
	st->st_ino = ANON_INODE_INO;
	st->st_mode = S_IRUSR | S_IWUSR;
	st->st_nlink = 1;
	st->st_blksize = 4096;
	return 0;
}

#endif

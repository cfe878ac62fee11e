/*
 * The sandbox's list of mounts, in mount order: what /proc/<pid>/mounts and mountinfo show.
 * The mount tree itself is kept by dentries (mounted_here) and mounts (parent, mountpoint);
 * this list only remembers which mounts exist and gives each a stable id, as Linux's mnt_id.
 */
#define _GNU_SOURCE
#include "fs/vfs.h"

#include <stdlib.h>

#include "sentry/log.h"

/* The root mount is never registered (it is no one's submount): it answers ROOT_ID. */
#define ROOT_ID 1

struct mount_entry {
	struct mount *m;
	int id;
};

static pthread_mutex_t list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mount_entry *entries;
static size_t nentries, capentries;
static int next_id = ROOT_ID + 1;

void mount_list_register(struct mount *m)
{
	pthread_mutex_lock(&list_lock);
	if (nentries == capentries) {
		size_t ncap = capentries ? capentries * 2 : 16;
		struct mount_entry *n = realloc(entries, ncap * sizeof(*n));
		if (!n) {
			/* Only /proc's listing misses it; the mount itself works. */
			pthread_mutex_unlock(&list_lock);
			log_warn("mount list: out of memory, a mount is not listed in /proc");
			return;
		}
		entries = n;
		capentries = ncap;
	}
	entries[nentries++] = (struct mount_entry){m, next_id++};
	pthread_mutex_unlock(&list_lock);
}

void mount_list_unregister(struct mount *m)
{
	pthread_mutex_lock(&list_lock);
	for (size_t i = 0; i < nentries; i++) {
		if (entries[i].m == m) {
			for (size_t j = i + 1; j < nentries; j++)
				entries[j - 1] = entries[j];
			nentries--;
			break;
		}
	}
	if (!nentries) {
		/* The last unmount (a sandbox's end): nothing is left to hold memory for. */
		free(entries);
		entries = NULL;
		capentries = 0;
	}
	pthread_mutex_unlock(&list_lock);
}

/* Caller holds list_lock. */
static int id_locked(const struct mount *m)
{
	for (size_t i = 0; i < nentries; i++)
		if (entries[i].m == m)
			return entries[i].id;
	return ROOT_ID;
}

int mount_list_id(const struct mount *m)
{
	pthread_mutex_lock(&list_lock);
	int id = id_locked(m);
	pthread_mutex_unlock(&list_lock);
	return id;
}

void mount_list_each(void (*fn)(struct mount *m, int id, int parent_id, void *arg), void *arg)
{
	pthread_mutex_lock(&list_lock);
	for (size_t i = 0; i < nentries; i++) {
		struct mount *m = entries[i].m;
		fn(m, entries[i].id, m->parent ? id_locked(m->parent) : entries[i].id, arg);
	}
	pthread_mutex_unlock(&list_lock);
}

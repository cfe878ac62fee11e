/* What fs/namei.c shares with fs/namei_ops.c: the dentry cache, and credential helpers. */
#ifndef CVISOR_NAMEI_INTERNAL_H
#define CVISOR_NAMEI_INTERNAL_H

#include "fs/vfs.h"

#define MAY_EXEC  1
#define MAY_WRITE 2
#define MAY_READ  4

struct task;

/* Looks name up under dir, through the cache; returns a referenced child. */
int dentry_lookup(struct dentry *dir, const char *name, struct dentry **out);
/* Holds the dentry cache still (names and parents), for code that walks up the tree. */
void dcache_read_lock(void);
void dcache_read_unlock(void);
/* Removes d from its parent's cache (after unlink, rmdir, or being replaced by rename). */
void dcache_unhash(struct dentry *d);
/* Moves a cached d under newparent as newname (after rename). */
int dcache_move(struct dentry *d, struct dentry *newparent, const char *newname);
/* Whether anc is d or one of d's ancestors within their filesystem. */
bool dentry_is_ancestor(struct dentry *anc, struct dentry *d);
/* d's parent directory's inode (referenced; NULL for the root of a filesystem) and d's name,
 * read together under the cache lock (a rename changes both); returns d->unhashed. */
bool dentry_parent_name(struct dentry *d, struct inode **dir, char name[256]);
/* If something is mounted on p, moves p to the root of the topmost mount. */
void follow_mounts(struct path *p);
/* Whether gid is the task's fsgid or one of its supplementary groups. */
bool cred_in_group(const struct task *t, gid_t gid);

#endif

/*
 * procfs: the guest's /proc, describing the sandbox (its process table, the guests' fd tables,
 * address spaces and mounts), never the host. Read-only apart from /proc/<pid>/comm.
 */
#ifndef CVISOR_PROCFS_H
#define CVISOR_PROCFS_H

struct sandbox;
struct mount;

/* A new procfs instance for the sandbox sb, as a mount for vfs_mount_at (nosuid, nodev,
 * noexec as Linux mounts it). The sandbox must outlive the mount. */
int procfs_mount(struct sandbox *sb, struct mount **out);

#endif

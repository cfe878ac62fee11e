/*
 * A bundle's config.json (the OCI runtime specification), parsed with jansson into plain C
 * and checked: required fields present, every field of the type the specification gives it,
 * names (capabilities, rlimits, namespaces, mount options) known. Unknown fields are ignored;
 * JSON null counts as absent (Go's encoders write it for empty lists).
 *
 * A refusal is one line naming the field by its JSON path, e.g.
 *   process.args: expected a non-empty array of strings, got a string
 * so that `cvisor: config.json: <that line>` tells the user exactly what to fix.
 */
#ifndef CVISOR_OCI_CONFIG_H
#define CVISOR_OCI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The largest config.json we read: far beyond any real one, small enough to never matter. */
#define OCI_CONFIG_MAX_BYTES (16u << 20)

struct oci_user {
	uid_t uid;
	gid_t gid;
	const gid_t *additional_gids;
	size_t n_additional_gids;
	bool has_umask;
	mode_t umask;
};

/* Capability sets as bit masks (bit n: capability number n, CAP_CHOWN = 0). */
struct oci_caps {
	uint64_t bounding, effective, permitted, inheritable, ambient;
};

struct oci_rlimit {
	int resource; /* RLIMIT_* */
	uint64_t soft, hard;
};

struct oci_process {
	bool terminal;
	unsigned console_height, console_width; /* 0 when absent */
	struct oci_user user;
	const char *const *args; /* NULL-terminated, at least one */
	size_t nargs;
	const char *const *env; /* NULL-terminated, each NAME=VALUE */
	size_t nenv;
	const char *cwd; /* absolute */
	bool has_caps;	 /* absent: the runtime does not change the user's capabilities */
	struct oci_caps caps;
	const struct oci_rlimit *rlimits;
	size_t nrlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
};

/* What a mount's type (and bind options) make of it. */
enum oci_mount_kind {
	OCI_MOUNT_BIND,
	OCI_MOUNT_TMPFS,
	OCI_MOUNT_PROC,
	OCI_MOUNT_SYSFS,
	OCI_MOUNT_DEVPTS,
	OCI_MOUNT_MQUEUE,
	OCI_MOUNT_CGROUP, /* cgroup and cgroup2 */
	OCI_MOUNT_OTHER,  /* a type cvisor has no filesystem for */
};

struct oci_mount {
	const char *destination; /* absolute */
	const char *type;	 /* NULL when absent */
	const char *source; /* NULL when absent; for binds relative to the bundle or absolute */
	enum oci_mount_kind kind;
	unsigned long flags; /* MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, atime flags ... */
	bool recursive;	     /* rbind */
	bool tmpcopyup;	     /* crun's option: the tmpfs starts as a copy of what it covers */
	bool has_size;	     /* size= (bytes, tmpfs) */
	uint64_t size;
	bool has_mode; /* mode= (tmpfs root, devpts nodes) */
	mode_t mode;
	bool has_uid, has_gid; /* uid=, gid= */
	uid_t uid;
	gid_t gid;
	uint64_t nr_inodes; /* nr_inodes= (tmpfs); 0: unlimited */
	bool has_ptmxmode;  /* ptmxmode= (devpts) */
	mode_t ptmxmode;
	unsigned max;		    /* max= (devpts); 0: the default */
	const char *const *options; /* as written, NULL-terminated */
	size_t noptions;
};

enum oci_ns_type {
	OCI_NS_PID,
	OCI_NS_NETWORK,
	OCI_NS_MOUNT,
	OCI_NS_IPC,
	OCI_NS_UTS,
	OCI_NS_USER,
	OCI_NS_CGROUP,
	OCI_NS_TIME,
	OCI_NS_COUNT,
};

struct oci_namespace {
	enum oci_ns_type type;
	const char *path; /* NULL: a new namespace */
};

struct oci_id_mapping {
	uint32_t container_id, host_id, size;
};

struct oci_kv {
	const char *key, *value;
};

enum oci_hook_kind {
	OCI_HOOK_PRESTART,
	OCI_HOOK_CREATE_RUNTIME,
	OCI_HOOK_CREATE_CONTAINER,
	OCI_HOOK_START_CONTAINER,
	OCI_HOOK_POSTSTART,
	OCI_HOOK_POSTSTOP,
	OCI_HOOK_KINDS,
};

struct oci_hook {
	const char *path; /* absolute */
	const char *const *args;
	size_t nargs;
	const char *const *env;
	size_t nenv;
	int timeout; /* seconds; 0: none */
};

struct oci_config {
	const char *oci_version;
	struct oci_process process;
	const char *root_path; /* relative to the bundle or absolute */
	bool root_readonly;
	const char *hostname; /* NULL when absent */
	const char *domainname;
	const struct oci_mount *mounts;
	size_t nmounts;
	const struct oci_namespace *namespaces;
	size_t nnamespaces;
	const struct oci_id_mapping *uid_mappings, *gid_mappings;
	size_t nuid_mappings, ngid_mappings;
	const char *const *masked_paths;
	size_t nmasked_paths;
	const char *const *readonly_paths;
	size_t nreadonly_paths;
	const struct oci_kv *sysctl;
	size_t nsysctl;
	const struct oci_kv *annotations;
	size_t nannotations;
	const struct oci_hook *hooks[OCI_HOOK_KINDS];
	size_t nhooks[OCI_HOOK_KINDS];

	/* Owned: the parsed document (every string above points into it) and the arrays. */
	void *json;
	void **allocs;
	size_t nallocs, cap_allocs;
};

/* Parses len bytes of JSON. 0, or a negative errno with the one-line reason in err (-EINVAL
 * for a config that is wrong, -ENOMEM). On failure *c holds nothing to free. */
int oci_config_parse(const char *text, size_t len, struct oci_config *c, char *err, size_t errlen);

/* Reads and parses the file path (at most OCI_CONFIG_MAX_BYTES). */
int oci_config_load(const char *path, struct oci_config *c, char *err, size_t errlen);

void oci_config_free(struct oci_config *c);

/* The value of NAME in process.env (the last one wins, as in a shell), or NULL. */
const char *oci_config_getenv(const struct oci_config *c, const char *name);

/* Capability number of a name such as "CAP_KILL", or -1. */
int oci_cap_by_name(const char *name);
/* Name of a capability number, or NULL. */
const char *oci_cap_name(int cap);
/* Every capability number cvisor knows is below this. */
#define OCI_CAP_COUNT 41

/* The namespace type's name in config.json ("pid", "network", ...). */
const char *oci_ns_name(enum oci_ns_type t);

/* Whether a container ID is acceptable: what runc accepts (letters, digits, '_', '+', '-',
 * '.'), not "." or "..", at most 1024 bytes. */
bool oci_id_valid(const char *id);

#endif

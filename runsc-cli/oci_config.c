/*
 * config.json, parsed with jansson and checked field by field (see oci_config.h). Every
 * string of the result points into the parsed document, which the config keeps; every array
 * is recorded in c->allocs, so one oci_config_free() releases all of it.
 */
#define _GNU_SOURCE
#include "runsc-cli/oci_config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define JPATH_MAX 512 /* a JSON path in an error message (longer ones are cut) */

struct parser {
	struct oci_config *c;
	char *err;
	size_t errlen;
};

/* ---- errors --------------------------------------------------------------------------- */

/* Control characters (a newline in an annotation's name, or in the text jansson quotes from
 * a broken document) become '?': an error stays one line. */
static void one_line(char *s, size_t len)
{
	for (; len && *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
	}
}

/* Records the one error line "<path>: <message>"; returns -EINVAL. */
static int __attribute__((format(printf, 3, 4)))
fail(struct parser *p, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(p->err, p->errlen, "%s: ", path);
	if (n >= 0 && (size_t)n < p->errlen) {
		va_start(ap, fmt);
		vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	one_line(p->err, p->errlen);
	return -EINVAL;
}

/* s in double quotes for a message, cut after 64 bytes. */
static const char *quoted(const char *s, char *buf, size_t len)
{
	snprintf(buf, len, "\"%.64s%s\"", s, strlen(s) > 64 ? "..." : "");
	return buf;
}

/* What a JSON value is, for "got ..." in an error: numbers and short strings verbatim. */
static const char *describe(const json_t *v, char *buf, size_t len)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return json_array_size(v) ? "an array" : "an empty array";
	case JSON_STRING:
		return quoted(json_string_value(v), buf, len);
	case JSON_INTEGER:
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return buf;
	case JSON_REAL:
		snprintf(buf, len, "%g", json_real_value(v));
		return buf;
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static int wrong(struct parser *p, const char *path, const json_t *v, const char *want)
{
	char buf[80];
	return fail(p, path, "expected %s, got %s", want, describe(v, buf, sizeof(buf)));
}

static int missing(struct parser *p, const char *path, const char *want)
{
	return fail(p, path, "missing (expected %s)", want);
}

/* ---- paths and memory ------------------------------------------------------------------- */

/* A JSON path for a message: parent.key, parent[i]; a path too long for the buffer is
 * cut, which a message can afford. */
static const char *join(char *buf, const char *parent, const char *key)
{
	if (snprintf(buf, JPATH_MAX, "%s%s%s", parent, *parent ? "." : "", key) >= JPATH_MAX)
		buf[JPATH_MAX - 2] = '~';
	return buf;
}

static const char *index_of(char *buf, const char *parent, size_t i)
{
	if (snprintf(buf, JPATH_MAX, "%s[%zu]", parent, i) >= JPATH_MAX)
		buf[JPATH_MAX - 2] = '~';
	return buf;
}

/* A zeroed array of n elements of size sz, owned by the config. */
static void *p_alloc(struct parser *p, size_t n, size_t sz)
{
	struct oci_config *c = p->c;
	if (c->nallocs == c->cap_allocs) {
		size_t cap = c->cap_allocs ? c->cap_allocs * 2 : 16;
		void **a = realloc(c->allocs, cap * sizeof(*a));
		if (!a)
			return NULL;
		c->allocs = a;
		c->cap_allocs = cap;
	}
	void *m = calloc(n ? n : 1, sz);
	if (m)
		c->allocs[c->nallocs++] = m;
	return m;
}

static int no_memory(struct parser *p)
{
	snprintf(p->err, p->errlen, "out of memory");
	return -ENOMEM;
}

/* ---- typed fields ----------------------------------------------------------------------- */

/* The value of obj.key; NULL when absent or null (Go writes null for empty lists). */
static json_t *field(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

/* obj.key when it is a JSON value of type: in *out, or NULL when absent (refused when
 * required); want says what is expected. */
static int get_field(struct parser *p, json_t *obj, const char *parent, const char *key,
		     json_type type, bool required, const char *want, json_t **out)
{
	char path[JPATH_MAX];
	json_t *v = field(obj, key);
	*out = NULL;
	if (!v)
		return required ? missing(p, join(path, parent, key), want) : 0;
	if (json_typeof(v) != type)
		return wrong(p, join(path, parent, key), v, want);
	*out = v;
	return 0;
}

static int get_string(struct parser *p, json_t *obj, const char *parent, const char *key,
		      bool required, const char **out)
{
	json_t *v;
	int e = get_field(p, obj, parent, key, JSON_STRING, required, "a string", &v);
	if (v)
		*out = json_string_value(v);
	return e;
}

static int check_absolute(struct parser *p, const char *path, const char *s)
{
	char buf[80];
	if (s[0] == '/')
		return 0;
	return fail(p, path, "expected an absolute path, got %s", quoted(s, buf, sizeof(buf)));
}

static int get_abs_path(struct parser *p, json_t *obj, const char *parent, const char *key,
			bool required, const char **out)
{
	char path[JPATH_MAX];
	int e = get_string(p, obj, parent, key, required, out);
	if (e == 0 && *out)
		e = check_absolute(p, join(path, parent, key), *out);
	return e;
}

static int get_bool(struct parser *p, json_t *obj, const char *parent, const char *key, bool *out)
{
	char path[JPATH_MAX];
	json_t *v = field(obj, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return wrong(p, join(path, parent, key), v, "true or false");
	*out = json_is_true(v);
	return 0;
}

/* A whole number in [0, max]. jansson reads every number of a document that holds one
 * beyond INT64_MAX (Go writes RLIM_INFINITY as 18446744073709551615) as a real: whole
 * reals count, and 2^64 (what that one rounds to) is UINT64_MAX. */
static int uint_value(struct parser *p, const char *path, const json_t *v, uint64_t max,
		      uint64_t *out)
{
	char want[64];
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    (uint64_t)json_integer_value(v) <= max) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);
		if (d >= 0 && d == floor(d) && d <= (double)max) {
			*out = d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
			if (*out <= max)
				return 0;
		}
	}
	snprintf(want, sizeof(want), "an integer from 0 to %" PRIu64, max);
	return wrong(p, path, v, want);
}

static int get_uint(struct parser *p, json_t *obj, const char *parent, const char *key,
		    bool required, uint64_t max, uint64_t *out, bool *present)
{
	char path[JPATH_MAX];
	json_t *v = field(obj, key);
	if (!v) {
		if (required)
			return missing(p, join(path, parent, key), "an integer");
		return 0;
	}
	if (present)
		*present = true;
	return uint_value(p, join(path, parent, key), v, max, out);
}

static int get_u32(struct parser *p, json_t *obj, const char *parent, const char *key,
		   bool required, uint32_t *out)
{
	uint64_t v = 0;
	int e = get_uint(p, obj, parent, key, required, UINT32_MAX, &v, NULL);
	*out = (uint32_t)v;
	return e;
}

static int get_object(struct parser *p, json_t *obj, const char *parent, const char *key,
		      bool required, json_t **out)
{
	return get_field(p, obj, parent, key, JSON_OBJECT, required, "an object", out);
}

/* An array at obj.key; NULL when absent. */
static int get_array(struct parser *p, json_t *obj, const char *parent, const char *key,
		     const char *want, json_t **out)
{
	return get_field(p, obj, parent, key, JSON_ARRAY, false, want, out);
}

/* An array of strings as a NULL-terminated vector. */
static int get_strings(struct parser *p, json_t *obj, const char *parent, const char *key,
		       bool required_nonempty, const char *const **out, size_t *n)
{
	char path[JPATH_MAX], ipath[JPATH_MAX];
	const char *want =
	    required_nonempty ? "a non-empty array of strings" : "an array of strings";
	json_t *arr, *v;
	size_t i;
	int e = get_array(p, obj, parent, key, want, &arr);
	if (e < 0)
		return e;
	join(path, parent, key);
	if (!arr && required_nonempty)
		return missing(p, path, want);
	if (arr && required_nonempty && json_array_size(arr) == 0)
		return wrong(p, path, arr, want);
	size_t cnt = arr ? json_array_size(arr) : 0;
	const char **vec = p_alloc(p, cnt + 1, sizeof(*vec));
	if (!vec)
		return no_memory(p);
	for (i = 0; i < cnt; i++) {
		v = json_array_get(arr, i);
		if (!json_is_string(v))
			return wrong(p, index_of(ipath, path, i), v, "a string");
		vec[i] = json_string_value(v);
	}
	*out = vec;
	*n = cnt;
	return 0;
}

/* An object whose values are all strings (annotations, sysctl). */
static int get_string_map(struct parser *p, json_t *obj, const char *parent, const char *key,
			  const struct oci_kv **out, size_t *n)
{
	char path[JPATH_MAX], kpath[JPATH_MAX];
	json_t *m, *v;
	const char *k;
	int e = get_object(p, obj, parent, key, false, &m);
	if (e < 0 || !m)
		return e;
	join(path, parent, key);
	struct oci_kv *kv = p_alloc(p, json_object_size(m), sizeof(*kv));
	size_t i = 0;
	if (!kv)
		return no_memory(p);
	for (void *it = json_object_iter(m); it; it = json_object_iter_next(m, it)) {
		k = json_object_iter_key(it);
		v = json_object_iter_value(it);
		if (!json_is_string(v))
			return wrong(p, join(kpath, path, k), v, "a string");
		kv[i].key = k;
		kv[i++].value = json_string_value(v);
	}
	*out = kv;
	*n = i;
	return 0;
}

/* Reads one element of an array of objects into elem. */
typedef int (*element_fn)(struct parser *p, json_t *v, const char *path, void *elem, void *ctx);

/* obj.key, an array of objects, as an array of n elements of sz bytes each filled by fn;
 * none when absent. */
static int get_objects(struct parser *p, json_t *obj, const char *parent, const char *key,
		       size_t sz, element_fn fn, void *ctx, const void **out, size_t *n)
{
	char apath[JPATH_MAX], path[JPATH_MAX];
	json_t *arr;
	int e = get_array(p, obj, parent, key, "an array of objects", &arr);
	if (e < 0 || !arr)
		return e;
	join(apath, parent, key);
	char *elems = p_alloc(p, json_array_size(arr), sz);
	if (!elems)
		return no_memory(p);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *v = json_array_get(arr, i);
		index_of(path, apath, i);
		if (!json_is_object(v))
			return wrong(p, path, v, "an object");
		if ((e = fn(p, v, path, elems + i * sz, ctx)) < 0)
			return e;
	}
	*out = elems;
	*n = json_array_size(arr);
	return 0;
}

/* ---- names ------------------------------------------------------------------------------ */

static const char *const cap_names[OCI_CAP_COUNT] = {
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETPCAP",
    "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN",
    "CAP_NET_RAW",
    "CAP_IPC_LOCK",
    "CAP_IPC_OWNER",
    "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT",
    "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME",
    "CAP_SYS_TTY_CONFIG",
    "CAP_MKNOD",
    "CAP_LEASE",
    "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL",
    "CAP_SETFCAP",
    "CAP_MAC_OVERRIDE",
    "CAP_MAC_ADMIN",
    "CAP_SYSLOG",
    "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND",
    "CAP_AUDIT_READ",
    "CAP_PERFMON",
    "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
};

int oci_cap_by_name(const char *name)
{
	for (int i = 0; i < OCI_CAP_COUNT; i++) {
		if (strcasecmp(name, cap_names[i]) == 0)
			return i;
	}
	return -1;
}

const char *oci_cap_name(int cap)
{
	return cap >= 0 && cap < OCI_CAP_COUNT ? cap_names[cap] : NULL;
}

static const struct {
	const char *name;
	int resource;
} rlimit_names[] = {
    {"RLIMIT_CPU", RLIMIT_CPU},		  {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_DATA", RLIMIT_DATA},	  {"RLIMIT_STACK", RLIMIT_STACK},
    {"RLIMIT_CORE", RLIMIT_CORE},	  {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_NPROC", RLIMIT_NPROC},	  {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},	  {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},	  {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},	  {"RLIMIT_RTTIME", RLIMIT_RTTIME},
};

static const char *const ns_names[OCI_NS_COUNT] = {
    [OCI_NS_PID] = "pid",	[OCI_NS_NETWORK] = "network", [OCI_NS_MOUNT] = "mount",
    [OCI_NS_IPC] = "ipc",	[OCI_NS_UTS] = "uts",	      [OCI_NS_USER] = "user",
    [OCI_NS_CGROUP] = "cgroup", [OCI_NS_TIME] = "time",
};

const char *oci_ns_name(enum oci_ns_type t)
{
	return (unsigned)t < OCI_NS_COUNT ? ns_names[t] : "?";
}

static const char *const hook_names[OCI_HOOK_KINDS] = {
    [OCI_HOOK_PRESTART] = "prestart",
    [OCI_HOOK_CREATE_RUNTIME] = "createRuntime",
    [OCI_HOOK_CREATE_CONTAINER] = "createContainer",
    [OCI_HOOK_START_CONTAINER] = "startContainer",
    [OCI_HOOK_POSTSTART] = "poststart",
    [OCI_HOOK_POSTSTOP] = "poststop",
};

bool oci_id_valid(const char *id)
{
	size_t n = strlen(id);
	if (n == 0 || n > 1024 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)id[i];
		if (!isalnum(ch) && !strchr("_+-.", ch))
			return false;
	}
	return true;
}

/* ---- process ---------------------------------------------------------------------------- */

static int parse_user(struct parser *p, json_t *proc, struct oci_user *u)
{
	const char *up = "process.user";
	char path[JPATH_MAX];
	json_t *user, *groups, *v;
	uint32_t id;
	uint64_t umask;
	size_t i;
	u->umask = 022;
	int e = get_object(p, proc, "process", "user", false, &user);
	if (e < 0 || !user)
		return e;
	if ((e = get_u32(p, user, up, "uid", true, &id)) < 0)
		return e;
	u->uid = id;
	if ((e = get_u32(p, user, up, "gid", true, &id)) < 0)
		return e;
	u->gid = id;
	if ((e = get_uint(p, user, up, "umask", false, 07777, &umask, &u->has_umask)) < 0)
		return e;
	if (u->has_umask)
		u->umask = (mode_t)umask;
	e = get_array(p, user, up, "additionalGids", "an array of group ids", &groups);
	if (e < 0 || !groups)
		return e;
	gid_t *g = p_alloc(p, json_array_size(groups), sizeof(*g));
	if (!g)
		return no_memory(p);
	for (i = 0; i < json_array_size(groups); i++) {
		v = json_array_get(groups, i);
		uint64_t gid = 0;
		e = uint_value(p, index_of(path, "process.user.additionalGids", i), v, UINT32_MAX,
			       &gid);
		if (e < 0)
			return e;
		g[i] = (gid_t)gid;
	}
	u->additional_gids = g;
	u->n_additional_gids = json_array_size(groups);
	return 0;
}

static int parse_cap_set(struct parser *p, json_t *caps, const char *key, uint64_t *set)
{
	char path[JPATH_MAX], ipath[JPATH_MAX];
	const char *const *names;
	size_t n;
	int e = get_strings(p, caps, "process.capabilities", key, false, &names, &n);
	if (e < 0)
		return e;
	join(path, "process.capabilities", key);
	for (size_t i = 0; i < n; i++) {
		int cap = oci_cap_by_name(names[i]);
		if (cap < 0)
			return fail(p, index_of(ipath, path, i), "unknown capability \"%s\"",
				    names[i]);
		*set |= 1ULL << cap;
	}
	return 0;
}

static int parse_caps(struct parser *p, json_t *proc, struct oci_process *pr)
{
	json_t *caps;
	int e = get_object(p, proc, "process", "capabilities", false, &caps);
	if (e < 0 || !caps)
		return e;
	pr->has_caps = true;
	if ((e = parse_cap_set(p, caps, "bounding", &pr->caps.bounding)) < 0 ||
	    (e = parse_cap_set(p, caps, "effective", &pr->caps.effective)) < 0 ||
	    (e = parse_cap_set(p, caps, "permitted", &pr->caps.permitted)) < 0 ||
	    (e = parse_cap_set(p, caps, "inheritable", &pr->caps.inheritable)) < 0)
		return e;
	return parse_cap_set(p, caps, "ambient", &pr->caps.ambient);
}

static int parse_rlimit(struct parser *p, json_t *v, const char *path, void *elem, void *ctx)
{
	struct oci_rlimit *rl = elem;
	uint32_t *seen = ctx;
	char tpath[JPATH_MAX];
	const char *type = NULL;
	size_t k = 0;
	int e = get_string(p, v, path, "type", true, &type);
	if (e < 0)
		return e;
	while (k < sizeof(rlimit_names) / sizeof(rlimit_names[0]) &&
	       strcmp(type, rlimit_names[k].name) != 0)
		k++;
	join(tpath, path, "type");
	if (k == sizeof(rlimit_names) / sizeof(rlimit_names[0]))
		return fail(p, tpath,
			    "unknown resource \"%s\" (expected RLIMIT_CPU, RLIMIT_NOFILE, ...)",
			    type);
	rl->resource = rlimit_names[k].resource;
	if (*seen & (1u << rl->resource))
		return fail(p, tpath, "%s given twice", type);
	*seen |= 1u << rl->resource;
	if ((e = get_uint(p, v, path, "soft", true, UINT64_MAX, &rl->soft, NULL)) < 0 ||
	    (e = get_uint(p, v, path, "hard", true, UINT64_MAX, &rl->hard, NULL)) < 0)
		return e;
	if (rl->soft > rl->hard)
		return fail(p, path, "soft limit %" PRIu64 " is above hard limit %" PRIu64,
			    rl->soft, rl->hard);
	return 0;
}

static int parse_rlimits(struct parser *p, json_t *proc, struct oci_process *pr)
{
	uint32_t seen = 0;
	const void *rl = NULL;
	int e = get_objects(p, proc, "process", "rlimits", sizeof(struct oci_rlimit), parse_rlimit,
			    &seen, &rl, &pr->nrlimits);
	pr->rlimits = rl;
	return e;
}

static int parse_env(struct parser *p, json_t *proc, struct oci_process *pr)
{
	char path[JPATH_MAX];
	int e = get_strings(p, proc, "process", "env", false, &pr->env, &pr->nenv);
	for (size_t i = 0; e == 0 && i < pr->nenv; i++) {
		const char *eq = strchr(pr->env[i], '=');
		if (!eq || eq == pr->env[i]) {
			char buf[80];
			e = fail(p, index_of(path, "process.env", i), "expected NAME=VALUE, got %s",
				 quoted(pr->env[i], buf, sizeof(buf)));
		}
	}
	return e;
}

static int parse_process(struct parser *p, json_t *root)
{
	struct oci_process *pr = &p->c->process;
	const char *pp = "process";
	json_t *proc, *console;
	uint64_t v;
	int e = get_object(p, root, "", "process", true, &proc);
	if (e < 0)
		return e;
	if ((e = get_bool(p, proc, pp, "terminal", &pr->terminal)) < 0 ||
	    (e = get_object(p, proc, pp, "consoleSize", false, &console)) < 0)
		return e;
	if (console) {
		if ((e = get_uint(p, console, "process.consoleSize", "height", true, UINT16_MAX, &v,
				  NULL)) < 0)
			return e;
		pr->console_height = (unsigned)v;
		if ((e = get_uint(p, console, "process.consoleSize", "width", true, UINT16_MAX, &v,
				  NULL)) < 0)
			return e;
		pr->console_width = (unsigned)v;
	}
	if ((e = parse_user(p, proc, &pr->user)) < 0 ||
	    (e = get_strings(p, proc, pp, "args", true, &pr->args, &pr->nargs)) < 0 ||
	    (e = parse_env(p, proc, pr)) < 0 ||
	    (e = get_abs_path(p, proc, pp, "cwd", true, &pr->cwd)) < 0 ||
	    (e = parse_caps(p, proc, pr)) < 0 || (e = parse_rlimits(p, proc, pr)) < 0 ||
	    (e = get_bool(p, proc, pp, "noNewPrivileges", &pr->no_new_privileges)) < 0)
		return e;
	/* The one signed field: a number (whole, see uint_value) from -1000 to 1000. */
	json_t *oom = field(proc, "oomScoreAdj");
	if (oom) {
		double d = json_number_value(oom);
		if (!json_is_number(oom) || d != floor(d) || d < -1000 || d > 1000)
			return wrong(p, "process.oomScoreAdj", oom,
				     "an integer from -1000 to 1000");
		pr->has_oom_score_adj = true;
		pr->oom_score_adj = (int)d;
	}
	return 0;
}

/* ---- mounts ----------------------------------------------------------------------------- */

/* The options that set or clear a per-mount flag, as mount(8) names them. */
static const struct {
	const char *set, *clear;
	unsigned long flag;
} flag_options[] = {
    {"ro", "rw", MS_RDONLY},
    {"nosuid", "suid", MS_NOSUID},
    {"nodev", "dev", MS_NODEV},
    {"noexec", "exec", MS_NOEXEC},
    {"sync", "async", MS_SYNCHRONOUS},
    {"dirsync", NULL, MS_DIRSYNC},
    {"mand", "nomand", MS_MANDLOCK},
    {"noatime", "atime", MS_NOATIME},
    {"nodiratime", "diratime", MS_NODIRATIME},
    {"relatime", "norelatime", MS_RELATIME},
    {"strictatime", "nostrictatime", MS_STRICTATIME},
    {"lazytime", "nolazytime", MS_LAZYTIME},
    {"silent", "loud", MS_SILENT},
};

/* Applies name to *flags if it is a flag option; false if it is not one. */
static bool apply_flag_option(const char *name, unsigned long *flags)
{
	for (size_t i = 0; i < sizeof(flag_options) / sizeof(flag_options[0]); i++) {
		if (strcmp(name, flag_options[i].set) == 0) {
			*flags |= flag_options[i].flag;
			return true;
		}
		if (flag_options[i].clear && strcmp(name, flag_options[i].clear) == 0) {
			*flags &= ~flag_options[i].flag;
			return true;
		}
	}
	return false;
}

/* Options accepted that do nothing: "defaults", and propagation, since the sandbox's mount
 * tree is its own and nothing propagates into or out of it. */
static bool is_noop_option(const char *name)
{
	static const char *const noops[] = {"defaults", "private",    "rprivate",
					    "shared",	"rshared",    "slave",
					    "rslave",	"unbindable", "runbindable"};
	for (size_t i = 0; i < sizeof(noops) / sizeof(noops[0]); i++) {
		if (strcmp(name, noops[i]) == 0)
			return true;
	}
	return false;
}

/* The decimal number s starts with (digits only: no sign, no space); false if there is
 * none or it is too big. */
static bool leading_number(const char *s, unsigned long long *n, char **end)
{
	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	*n = strtoull(s, end, 10);
	return errno == 0;
}

/* "size=": bytes with an optional k, m or g suffix, or a percentage of the machine's
 * memory, as tmpfs reads it. */
static bool parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long n;
	if (!leading_number(s, &n, &end))
		return false;
	unsigned shift = 0;
	switch (*end) {
	case 'k':
	case 'K':
		shift = 10;
		break;
	case 'm':
	case 'M':
		shift = 20;
		break;
	case 'g':
	case 'G':
		shift = 30;
		break;
	case '%': {
		long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
		if (end[1] || pages <= 0 || psz <= 0 || n > 10000)
			return false;
		*out = (uint64_t)pages * (uint64_t)psz / 100 * n;
		return true;
	}
	case 0:
		*out = n;
		return true;
	default:
		return false;
	}
	if (end[1] || n > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)n << shift;
	return true;
}

static bool parse_octal_mode(const char *s, mode_t *out)
{
	char *end;
	if (!*s || strspn(s, "01234567") != strlen(s))
		return false;
	unsigned long m = strtoul(s, &end, 8);
	if (m > 07777)
		return false;
	*out = (mode_t)m;
	return true;
}

static bool parse_u32(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;
	if (!leading_number(s, &v, &end) || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* One option of a mount, into m; path names it for the error. */
static int parse_mount_option(struct parser *p, const char *path, const char *opt,
			      struct oci_mount *m, bool *bind)
{
	const char *val = strchr(opt, '=');
	uint32_t u;
	/* "rro", "rnosuid", ...: the recursive forms of the flags (runtime-spec 1.1); a bind
	 * here has no submounts, so they are the plain ones. */
	if (is_noop_option(opt) || apply_flag_option(opt, &m->flags) ||
	    (opt[0] == 'r' && apply_flag_option(opt + 1, &m->flags)))
		return 0;
	if (strcmp(opt, "bind") == 0 || strcmp(opt, "rbind") == 0) {
		*bind = true;
		m->recursive = opt[0] == 'r';
		return 0;
	}
	if (strcmp(opt, "tmpcopyup") == 0 || strcmp(opt, "notmpcopyup") == 0) {
		m->tmpcopyup = opt[0] == 't';
		return 0;
	}
	if (strcmp(opt, "newinstance") == 0)
		return 0; /* devpts: every devpts mount of the sandbox is a new instance */
	if (!val)
		return fail(p, path, "unknown mount option \"%s\"", opt);
	size_t klen = (size_t)(val - opt);
	val++;
#define KEY(k) (klen == sizeof(k) - 1 && strncmp(opt, k, klen) == 0)
	if (KEY("size")) {
		if (!parse_size(val, &m->size))
			return fail(p, path,
				    "%s: expected a size in bytes with an optional k, m, g "
				    "or %% suffix",
				    opt);
		m->has_size = true;
	} else if (KEY("mode") || KEY("ptmxmode")) {
		mode_t mode;
		if (!parse_octal_mode(val, &mode))
			return fail(p, path, "%s: expected an octal mode up to 7777", opt);
		if (KEY("mode")) {
			m->has_mode = true;
			m->mode = mode;
		} else {
			m->has_ptmxmode = true;
			m->ptmxmode = mode;
		}
	} else if (KEY("uid") || KEY("gid") || KEY("max")) {
		if (!parse_u32(val, &u))
			return fail(p, path, "%s: expected a number", opt);
		if (KEY("uid")) {
			m->has_uid = true;
			m->uid = u;
		} else if (KEY("gid")) {
			m->has_gid = true;
			m->gid = u;
		} else {
			m->max = u;
		}
	} else if (KEY("nr_inodes")) {
		if (!parse_size(val, &m->nr_inodes) || strchr(val, '%'))
			return fail(p, path,
				    "%s: expected a number with an optional k, m or g "
				    "suffix",
				    opt);
	} else {
		return fail(p, path, "unknown mount option \"%s\"", opt);
	}
#undef KEY
	return 0;
}

static enum oci_mount_kind mount_kind(const char *type)
{
	static const struct {
		const char *type;
		enum oci_mount_kind kind;
	} kinds[] = {
	    {"bind", OCI_MOUNT_BIND},	  {"tmpfs", OCI_MOUNT_TMPFS},
	    {"proc", OCI_MOUNT_PROC},	  {"sysfs", OCI_MOUNT_SYSFS},
	    {"devpts", OCI_MOUNT_DEVPTS}, {"mqueue", OCI_MOUNT_MQUEUE},
	    {"cgroup", OCI_MOUNT_CGROUP}, {"cgroup2", OCI_MOUNT_CGROUP},
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(type, kinds[i].type) == 0)
			return kinds[i].kind;
	}
	return OCI_MOUNT_OTHER;
}

static int parse_mount(struct parser *p, json_t *v, const char *path, void *elem, void *ctx)
{
	struct oci_mount *m = elem;
	char opath[JPATH_MAX], ipath[JPATH_MAX];
	bool bind = false;
	int e;
	if ((e = get_abs_path(p, v, path, "destination", true, &m->destination)) < 0 ||
	    (e = get_string(p, v, path, "type", false, &m->type)) < 0 ||
	    (e = get_string(p, v, path, "source", false, &m->source)) < 0 ||
	    (e = get_strings(p, v, path, "options", false, &m->options, &m->noptions)) < 0)
		return e;
	if (field(v, "uidMappings") || field(v, "gidMappings"))
		return fail(
		    p, join(opath, path, field(v, "uidMappings") ? "uidMappings" : "gidMappings"),
		    "id-mapped mounts are not supported");
	join(opath, path, "options");
	for (size_t i = 0; i < m->noptions; i++) {
		e = parse_mount_option(p, index_of(ipath, opath, i), m->options[i], m, &bind);
		if (e < 0)
			return e;
	}
	if (bind || (m->type && strcmp(m->type, "bind") == 0)) {
		m->kind = OCI_MOUNT_BIND;
		if (!m->source || !*m->source)
			return missing(p, join(opath, path, "source"),
				       "the host path a bind mount shows");
		return 0;
	}
	if (!m->type)
		return missing(p, join(opath, path, "type"),
			       "a filesystem type, or the bind option");
	m->kind = mount_kind(m->type);
	return 0;
}

static int parse_mounts(struct parser *p, json_t *root)
{
	const void *m = NULL;
	int e = get_objects(p, root, "", "mounts", sizeof(struct oci_mount), parse_mount, NULL, &m,
			    &p->c->nmounts);
	p->c->mounts = m;
	return e;
}

/* ---- linux ------------------------------------------------------------------------------ */

static int parse_namespace(struct parser *p, json_t *v, const char *path, void *elem, void *ctx)
{
	struct oci_namespace *ns = elem;
	unsigned *seen = ctx;
	char tpath[JPATH_MAX];
	const char *type = NULL;
	int e, t = 0;
	if ((e = get_string(p, v, path, "type", true, &type)) < 0 ||
	    (e = get_abs_path(p, v, path, "path", false, &ns->path)) < 0)
		return e;
	while (t < OCI_NS_COUNT && strcmp(type, ns_names[t]) != 0)
		t++;
	join(tpath, path, "type");
	if (t == OCI_NS_COUNT)
		return fail(
		    p, tpath,
		    "unknown namespace type \"%s\" (expected pid, network, mount, ipc, uts, "
		    "user, cgroup or time)",
		    type);
	if (*seen & (1u << t))
		return fail(p, tpath, "namespace \"%s\" given twice", type);
	*seen |= 1u << t;
	ns->type = (enum oci_ns_type)t;
	return 0;
}

static int parse_mapping(struct parser *p, json_t *v, const char *path, void *elem, void *ctx)
{
	struct oci_id_mapping *map = elem;
	int e;
	if ((e = get_u32(p, v, path, "containerID", true, &map->container_id)) < 0 ||
	    (e = get_u32(p, v, path, "hostID", true, &map->host_id)) < 0)
		return e;
	return get_u32(p, v, path, "size", true, &map->size);
}

static int parse_abs_paths(struct parser *p, json_t *linux_, const char *key,
			   const char *const **out, size_t *n)
{
	char apath[JPATH_MAX], path[JPATH_MAX];
	int e = get_strings(p, linux_, "linux", key, false, out, n);
	join(apath, "linux", key);
	for (size_t i = 0; e == 0 && i < *n; i++)
		e = check_absolute(p, index_of(path, apath, i), (*out)[i]);
	return e;
}

static int parse_linux(struct parser *p, json_t *root)
{
	struct oci_config *c = p->c;
	json_t *linux_;
	const void *ns = NULL, *uids = NULL, *gids = NULL;
	unsigned seen = 0;
	int e = get_object(p, root, "", "linux", false, &linux_);
	if (e < 0 || !linux_)
		return e;
	e = get_objects(p, linux_, "linux", "namespaces", sizeof(struct oci_namespace),
			parse_namespace, &seen, &ns, &c->nnamespaces);
	c->namespaces = ns;
	if (e == 0)
		e = get_objects(p, linux_, "linux", "uidMappings", sizeof(struct oci_id_mapping),
				parse_mapping, NULL, &uids, &c->nuid_mappings);
	c->uid_mappings = uids;
	if (e == 0)
		e = get_objects(p, linux_, "linux", "gidMappings", sizeof(struct oci_id_mapping),
				parse_mapping, NULL, &gids, &c->ngid_mappings);
	c->gid_mappings = gids;
	if (e < 0 ||
	    (e = parse_abs_paths(p, linux_, "maskedPaths", &c->masked_paths, &c->nmasked_paths)) <
		0 ||
	    (e = parse_abs_paths(p, linux_, "readonlyPaths", &c->readonly_paths,
				 &c->nreadonly_paths)) < 0)
		return e;
	return get_string_map(p, linux_, "linux", "sysctl", &c->sysctl, &c->nsysctl);
}

/* ---- hooks ------------------------------------------------------------------------------ */

static int parse_hook(struct parser *p, json_t *v, const char *path, void *elem, void *ctx)
{
	struct oci_hook *h = elem;
	char tpath[JPATH_MAX];
	bool has_timeout = false;
	uint64_t timeout = 0;
	int e;
	if ((e = get_abs_path(p, v, path, "path", true, &h->path)) < 0 ||
	    (e = get_strings(p, v, path, "args", false, &h->args, &h->nargs)) < 0 ||
	    (e = get_strings(p, v, path, "env", false, &h->env, &h->nenv)) < 0 ||
	    (e = get_uint(p, v, path, "timeout", false, INT32_MAX, &timeout, &has_timeout)) < 0)
		return e;
	if (has_timeout && timeout == 0)
		return fail(p, join(tpath, path, "timeout"),
			    "expected a number of seconds above 0, got 0");
	h->timeout = (int)timeout;
	return 0;
}

static int parse_hooks(struct parser *p, json_t *root)
{
	json_t *hooks;
	int e = get_object(p, root, "", "hooks", false, &hooks);
	for (int k = 0; e == 0 && hooks && k < OCI_HOOK_KINDS; k++) {
		const void *list = NULL;
		e = get_objects(p, hooks, "hooks", hook_names[k], sizeof(struct oci_hook),
				parse_hook, NULL, &list, &p->c->nhooks[k]);
		p->c->hooks[k] = list;
	}
	return e;
}

/* ---- the document ----------------------------------------------------------------------- */

static int parse_top(struct parser *p, json_t *root)
{
	struct oci_config *c = p->c;
	json_t *r;
	int e;
	if ((e = get_string(p, root, "", "ociVersion", true, &c->oci_version)) < 0)
		return e;
	/* Every 1.x version is compatible with the 1.0 one; a 2.x would not be. */
	if (strncmp(c->oci_version, "1.", 2) != 0 || !isdigit((unsigned char)c->oci_version[2]))
		return fail(p, "ociVersion",
			    "unsupported version \"%.64s\" (cvisor implements 1.x)",
			    c->oci_version);
	if ((e = get_object(p, root, "", "root", true, &r)) < 0 ||
	    (e = get_string(p, r, "root", "path", true, &c->root_path)) < 0 ||
	    (e = get_bool(p, r, "root", "readonly", &c->root_readonly)) < 0)
		return e;
	if (!c->root_path[0])
		return fail(p, "root.path", "expected a directory, got \"\"");
	if ((e = parse_process(p, root)) < 0 ||
	    (e = get_string(p, root, "", "hostname", false, &c->hostname)) < 0 ||
	    (e = get_string(p, root, "", "domainname", false, &c->domainname)) < 0)
		return e;
	if (c->hostname && strlen(c->hostname) > 64)
		return fail(p, "hostname", "longer than 64 bytes");
	if (c->domainname && strlen(c->domainname) > 64)
		return fail(p, "domainname", "longer than 64 bytes");
	if ((e = parse_mounts(p, root)) < 0 || (e = parse_linux(p, root)) < 0 ||
	    (e = parse_hooks(p, root)) < 0)
		return e;
	return get_string_map(p, root, "", "annotations", &c->annotations, &c->nannotations);
}

int oci_config_parse(const char *text, size_t len, struct oci_config *c, char *err, size_t errlen)
{
	struct parser p = {.c = c, .err = err, .errlen = errlen};
	json_error_t je;
	memset(c, 0, sizeof(*c));
	if (errlen)
		err[0] = 0;
	json_t *root = json_loadb(text, len, 0, &je);
	if (!root && json_error_code(&je) == json_error_numeric_overflow)
		root = json_loadb(text, len, JSON_DECODE_INT_AS_REAL, &je);
	if (!root) {
		snprintf(err, errlen, "invalid JSON at line %d, column %d: %s", je.line, je.column,
			 je.text);
		one_line(err, errlen);
		return -EINVAL;
	}
	c->json = root;
	int e = json_is_object(root) ? parse_top(&p, root)
				     : wrong(&p, "(top level)", root, "an object");
	if (e < 0)
		oci_config_free(c);
	return e;
}

int oci_config_load(const char *path, struct oci_config *c, char *err, size_t errlen)
{
	struct stat st;
	int e = 0;
	memset(c, 0, sizeof(*c));
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		e = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > OCI_CONFIG_MAX_BYTES) {
		snprintf(err, errlen, "%s: %s", path,
			 S_ISREG(st.st_mode) ? "larger than 16 MiB" : "not a regular file");
		e = -EINVAL;
		goto out;
	}
	char *buf = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	if (!buf) {
		e = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0) {
			e = n < 0 ? -errno : 0;
			break;
		}
		got += (size_t)n;
	}
	if (e == 0)
		e = oci_config_parse(buf, got, c, err, errlen);
	else
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(-e));
	free(buf);
out:
	if (fd >= 0)
		close(fd);
	return e;
}

void oci_config_free(struct oci_config *c)
{
	for (size_t i = 0; i < c->nallocs; i++)
		free(c->allocs[i]);
	free(c->allocs);
	json_decref(c->json);
	memset(c, 0, sizeof(*c));
}

const char *oci_config_getenv(const struct oci_config *c, const char *name)
{
	size_t n = strlen(name);
	const char *found = NULL;
	for (size_t i = 0; i < c->process.nenv; i++) {
		const char *e = c->process.env[i];
		if (strncmp(e, name, n) == 0 && e[n] == '=')
			found = e + n + 1;
	}
	return found;
}

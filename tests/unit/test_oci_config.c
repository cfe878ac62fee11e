/* Tests for runsc-cli/oci_config.c: valid configs read right, each kind of mistake refused
 * with its one line. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "runsc-cli/oci_config.h"

#define ROOT	  "\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}"
#define PROC_MIN  "\"args\": [\"sh\"], \"cwd\": \"/\""
#define PROCESS	  "\"process\": {" PROC_MIN "}"
#define WITH(...) "{" ROOT ", " __VA_ARGS__ "}"

static int parse(const char *json, struct oci_config *c, char *err, size_t errlen)
{
	return oci_config_parse(json, strlen(json), c, err, errlen);
}

/* --- valid configs ------------------------------------------------------------------------ */

static void test_minimal(void **state)
{
	struct oci_config c;
	char err[512];
	assert_int_equal(parse(WITH(PROCESS), &c, err, sizeof(err)), 0);
	assert_string_equal(c.oci_version, "1.0.2");
	assert_string_equal(c.root_path, "rootfs");
	assert_false(c.root_readonly);
	assert_int_equal(c.process.nargs, 1);
	assert_string_equal(c.process.args[0], "sh");
	assert_null(c.process.args[1]);
	assert_string_equal(c.process.cwd, "/");
	assert_int_equal(c.process.user.uid, 0);
	assert_int_equal(c.process.user.umask, 022);
	assert_false(c.process.has_caps);
	assert_null(c.hostname);
	assert_int_equal(c.nmounts, 0);
	oci_config_free(&c);
}

static const char full_config[] =
    "{\"ociVersion\": \"1.1.0\", \"unknownField\": {\"x\": [1, 2]},"
    " \"root\": {\"path\": \"/srv/root\", \"readonly\": true},"
    " \"hostname\": \"box\", \"domainname\": \"example\","
    " \"process\": {\"terminal\": true, \"consoleSize\": {\"height\": 24, \"width\": 80},"
    "   \"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 63, \"additionalGids\": [5, 7]},"
    "   \"args\": [\"/bin/echo\", \"hi\"], \"env\": [\"PATH=/bin\", \"A=1\", \"PATH=/usr/bin\"],"
    "   \"cwd\": \"/work\", \"noNewPrivileges\": true, \"oomScoreAdj\": -500,"
    "   \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\"],"
    "     \"effective\": [\"CAP_KILL\"], \"permitted\": [\"CAP_KILL\"], \"ambient\": null},"
    "   \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 512, \"hard\": 1024},"
    "     {\"type\": \"RLIMIT_CORE\", \"soft\": 18446744073709551615,"
    "      \"hard\": 18446744073709551615}]},"
    " \"mounts\": [{\"destination\": \"/data\", \"source\": \"vol\","
    "     \"options\": [\"rbind\", \"ro\", \"nosuid\", \"rprivate\"]},"
    "   {\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
    "     \"options\": [\"size=64k\", \"mode=1770\", \"noexec\", \"uid=5\", \"nr_inodes=1k\"]},"
    "   {\"destination\": \"/dev/pts\", \"type\": \"devpts\","
    "     \"options\": [\"newinstance\", \"ptmxmode=0666\", \"gid=5\", \"max=64\"]},"
    "   {\"destination\": \"/x\", \"type\": \"nfs\"},"
    "   {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup2\", \"options\": [\"rw\"]}],"
    " \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\","
    "     \"path\": \"/var/run/netns/a\"}],"
    "   \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}],"
    "   \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\"],"
    "   \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}, \"resources\": {\"pids\": {}}},"
    " \"hooks\": {\"prestart\": [{\"path\": \"/bin/hook\", \"args\": [\"hook\", \"x\"],"
    "   \"timeout\": 5}], \"poststop\": []},"
    " \"annotations\": {\"org.example\": \"yes\"}}";

static void test_full(void **state)
{
	struct oci_config c;
	char err[512];
	int rc = parse(full_config, &c, err, sizeof(err));
	if (rc)
		fail_msg("%s", err);
	assert_string_equal(c.root_path, "/srv/root");
	assert_true(c.root_readonly);
	assert_string_equal(c.hostname, "box");
	assert_string_equal(c.domainname, "example");

	const struct oci_process *p = &c.process;
	assert_true(p->terminal);
	assert_int_equal(p->console_height, 24);
	assert_int_equal(p->console_width, 80);
	assert_int_equal(p->user.uid, 1000);
	assert_int_equal(p->user.gid, 100);
	assert_true(p->user.has_umask);
	assert_int_equal(p->user.umask, 077);
	assert_int_equal(p->user.n_additional_gids, 2);
	assert_int_equal(p->user.additional_gids[1], 7);
	assert_int_equal(p->nargs, 2);
	assert_string_equal(p->args[1], "hi");
	assert_int_equal(p->nenv, 3);
	assert_string_equal(oci_config_getenv(&c, "PATH"), "/usr/bin");
	assert_string_equal(oci_config_getenv(&c, "A"), "1");
	assert_null(oci_config_getenv(&c, "B"));
	assert_string_equal(p->cwd, "/work");
	assert_true(p->no_new_privileges);
	assert_true(p->has_oom_score_adj);
	assert_int_equal(p->oom_score_adj, -500);
	assert_true(p->has_caps);
	assert_int_equal(p->caps.bounding, (1ULL << 5) | 1ULL);
	assert_int_equal(p->caps.effective, 1ULL << 5);
	assert_int_equal(p->caps.ambient, 0);
	assert_int_equal(p->nrlimits, 2);
	assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
	assert_int_equal(p->rlimits[0].soft, 512);
	assert_int_equal(p->rlimits[1].resource, RLIMIT_CORE);
	assert_true(p->rlimits[1].hard == UINT64_MAX);

	assert_int_equal(c.nmounts, 5);
	const struct oci_mount *m = &c.mounts[0];
	assert_int_equal(m->kind, OCI_MOUNT_BIND);
	assert_true(m->recursive);
	assert_string_equal(m->source, "vol");
	assert_int_equal(m->flags, MS_RDONLY | MS_NOSUID);
	m = &c.mounts[1];
	assert_int_equal(m->kind, OCI_MOUNT_TMPFS);
	assert_true(m->has_size);
	assert_int_equal(m->size, 65536);
	assert_int_equal(m->mode, 01770);
	assert_int_equal(m->uid, 5);
	assert_int_equal(m->nr_inodes, 1024);
	assert_int_equal(m->flags, MS_NOEXEC);
	assert_int_equal(m->noptions, 5);
	m = &c.mounts[2];
	assert_int_equal(m->kind, OCI_MOUNT_DEVPTS);
	assert_int_equal(m->ptmxmode, 0666);
	assert_true(m->has_gid);
	assert_int_equal(m->max, 64);
	assert_int_equal(c.mounts[3].kind, OCI_MOUNT_OTHER);
	assert_int_equal(c.mounts[4].kind, OCI_MOUNT_CGROUP);

	assert_int_equal(c.nnamespaces, 2);
	assert_int_equal(c.namespaces[1].type, OCI_NS_NETWORK);
	assert_string_equal(c.namespaces[1].path, "/var/run/netns/a");
	assert_int_equal(c.nuid_mappings, 1);
	assert_int_equal(c.uid_mappings[0].host_id, 100000);
	assert_int_equal(c.nmasked_paths, 1);
	assert_int_equal(c.nreadonly_paths, 1);
	assert_int_equal(c.nsysctl, 1);
	assert_string_equal(c.sysctl[0].value, "1");
	assert_int_equal(c.nhooks[OCI_HOOK_PRESTART], 1);
	assert_int_equal(c.hooks[OCI_HOOK_PRESTART][0].timeout, 5);
	assert_string_equal(c.hooks[OCI_HOOK_PRESTART][0].args[1], "x");
	assert_int_equal(c.nhooks[OCI_HOOK_POSTSTOP], 0);
	assert_int_equal(c.nannotations, 1);
	assert_string_equal(c.annotations[0].key, "org.example");
	oci_config_free(&c);
}

/* Go's encoders write null for empty lists and absent objects: null is absent. */
static void test_null_is_absent(void **state)
{
	struct oci_config c;
	char err[512];
	int rc = parse(
	    WITH("\"process\": {" PROC_MIN ", \"env\": null, \"user\": null,"
		 " \"rlimits\": null}, \"mounts\": null, \"linux\": null, \"hostname\": null"),
	    &c, err, sizeof(err));
	if (rc)
		fail_msg("%s", err);
	assert_int_equal(c.process.nenv, 0);
	assert_null(c.hostname);
	oci_config_free(&c);
}

static void test_names(void **state)
{
	assert_int_equal(oci_cap_by_name("CAP_CHOWN"), 0);
	assert_int_equal(oci_cap_by_name("CAP_CHECKPOINT_RESTORE"), 40);
	assert_int_equal(oci_cap_by_name("CAP_NOPE"), -1);
	assert_string_equal(oci_cap_name(21), "CAP_SYS_ADMIN");
	assert_null(oci_cap_name(41));
	assert_string_equal(oci_ns_name(OCI_NS_UTS), "uts");
	assert_true(oci_id_valid("my-container_1.2+x"));
	assert_false(oci_id_valid("a/b"));
	assert_false(oci_id_valid(".."));
	assert_false(oci_id_valid(""));
	assert_false(oci_id_valid("sp ace"));
}

/* --- refusals ----------------------------------------------------------------------------- */

struct refusal {
	const char *json;
	const char *err;
};

static const struct refusal refusals[] = {
    {"[1, 2]", "(top level): expected an object, got an array"},
    {"{\"root\": {\"path\": \"r\"}, " PROCESS "}", "ociVersion: missing (expected a string)"},
    {"{\"ociVersion\": \"2.0.0\"}",
     "ociVersion: unsupported version \"2.0.0\" (cvisor implements 1.x)"},
    {"{\"ociVersion\": 1}", "ociVersion: expected a string, got 1"},
    {"{\"ociVersion\": \"1.0.0\", " PROCESS "}", "root: missing (expected an object)"},
    {"{\"ociVersion\": \"1.0.0\", \"root\": {}}", "root.path: missing (expected a string)"},
    {"{\"ociVersion\": \"1.0.0\", \"root\": {\"path\": \"r\", \"readonly\": 1}}",
     "root.readonly: expected true or false, got 1"},
    {WITH("\"hostname\": 5"), "process: missing (expected an object)"},
    {WITH("\"process\": {\"cwd\": \"/\"}"),
     "process.args: missing (expected a non-empty array of strings)"},
    {WITH("\"process\": {\"args\": \"sh\", \"cwd\": \"/\"}"),
     "process.args: expected a non-empty array of strings, got \"sh\""},
    {WITH("\"process\": {\"args\": [], \"cwd\": \"/\"}"),
     "process.args: expected a non-empty array of strings, got an empty array"},
    {WITH("\"process\": {\"args\": [\"sh\", 1], \"cwd\": \"/\"}"),
     "process.args[1]: expected a string, got 1"},
    {WITH("\"process\": {\"args\": [\"sh\"]}"), "process.cwd: missing (expected a string)"},
    {WITH("\"process\": {\"args\": [\"sh\"], \"cwd\": \"tmp\"}"),
     "process.cwd: expected an absolute path, got \"tmp\""},
    {WITH("\"process\": {" PROC_MIN ", \"terminal\": \"yes\"}"),
     "process.terminal: expected true or false, got \"yes\""},
    {WITH("\"process\": {" PROC_MIN ", \"env\": [\"A=1\", \"B\"]}"),
     "process.env[1]: expected NAME=VALUE, got \"B\""},
    {WITH("\"process\": {" PROC_MIN ", \"user\": {\"uid\": -1, \"gid\": 0}}"),
     "process.user.uid: expected an integer from 0 to 4294967295, got -1"},
    {WITH("\"process\": {" PROC_MIN ", \"user\": {\"uid\": 0}}"),
     "process.user.gid: missing (expected an integer)"},
    {WITH("\"process\": {" PROC_MIN ", \"user\": {\"uid\": 0, \"gid\": 0, \"umask\": 1.5}}"),
     "process.user.umask: expected an integer from 0 to 4095, got 1.5"},
    {WITH("\"process\": {" PROC_MIN ", \"user\": {\"uid\": 0, \"gid\": 0, "
	  "\"additionalGids\": [1, \"x\"]}}"),
     "process.user.additionalGids[1]: expected an integer from 0 to 4294967295, got \"x\""},
    {WITH("\"process\": {" PROC_MIN ", \"consoleSize\": {\"height\": 1}}"),
     "process.consoleSize.width: missing (expected an integer)"},
    {WITH("\"process\": {" PROC_MIN
	  ", \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_FLY\"]}}"),
     "process.capabilities.bounding[1]: unknown capability \"CAP_FLY\""},
    {WITH("\"process\": {" PROC_MIN ", \"capabilities\": {\"ambient\": \"CAP_KILL\"}}"),
     "process.capabilities.ambient: expected an array of strings, got \"CAP_KILL\""},
    {WITH("\"process\": {" PROC_MIN ", \"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"soft\": 1, "
	  "\"hard\": 1}]}"),
     "process.rlimits[0].type: unknown resource \"RLIMIT_FOO\" (expected RLIMIT_CPU, "
     "RLIMIT_NOFILE, ...)"},
    {WITH("\"process\": {" PROC_MIN ", \"rlimits\": [{\"type\": \"RLIMIT_CPU\", \"soft\": 1}]}"),
     "process.rlimits[0].hard: missing (expected an integer)"},
    {WITH("\"process\": {" PROC_MIN ", \"rlimits\": [{\"type\": \"RLIMIT_CPU\", \"soft\": 2, "
	  "\"hard\": 1}]}"),
     "process.rlimits[0]: soft limit 2 is above hard limit 1"},
    {WITH("\"process\": {" PROC_MIN ", \"rlimits\": [{\"type\": \"RLIMIT_CPU\", \"soft\": 1, "
	  "\"hard\": 1}, {\"type\": \"RLIMIT_CPU\", \"soft\": 1, \"hard\": 1}]}"),
     "process.rlimits[1].type: RLIMIT_CPU given twice"},
    {WITH("\"process\": {" PROC_MIN ", \"rlimits\": {}}"),
     "process.rlimits: expected an array of objects, got an object"},
    {WITH("\"process\": {" PROC_MIN ", \"oomScoreAdj\": 2000}"),
     "process.oomScoreAdj: expected an integer from -1000 to 1000, got 2000"},
    {WITH(PROCESS ", \"hostname\": [\"a\"]"), "hostname: expected a string, got an array"},
    {WITH(PROCESS ", \"hostname\": "
		  "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\""),
     "hostname: longer than 64 bytes"},
    {WITH(PROCESS ", \"mounts\": {}"), "mounts: expected an array of objects, got an object"},
    {WITH(PROCESS ", \"mounts\": [{\"type\": \"tmpfs\"}]"),
     "mounts[0].destination: missing (expected a string)"},
    {WITH(PROCESS ", \"mounts\": [{\"destination\": \"data\", \"type\": \"tmpfs\"}]"),
     "mounts[0].destination: expected an absolute path, got \"data\""},
    {WITH(PROCESS ", \"mounts\": [{\"destination\": \"/d\", \"type\": \"tmpfs\", "
		  "\"options\": [\"ro\", \"bogus\"]}]"),
     "mounts[0].options[1]: unknown mount option \"bogus\""},
    {WITH(PROCESS ", \"mounts\": [{\"destination\": \"/d\", \"type\": \"tmpfs\", "
		  "\"options\": [\"size=12q\"]}]"),
     "mounts[0].options[0]: size=12q: expected a size in bytes with an optional k, m, g or % "
     "suffix"},
    {WITH(PROCESS ", \"mounts\": [{\"destination\": \"/d\", \"type\": \"tmpfs\", "
		  "\"options\": [\"mode=999\"]}]"),
     "mounts[0].options[0]: mode=999: expected an octal mode up to 7777"},
    {WITH(PROCESS ", \"mounts\": [{\"destination\": \"/d\", \"options\": [\"bind\"]}]"),
     "mounts[0].source: missing (expected the host path a bind mount shows)"},
    {WITH(PROCESS ", \"mounts\": [{\"destination\": \"/d\", \"source\": \"x\"}]"),
     "mounts[0].type: missing (expected a filesystem type, or the bind option)"},
    {WITH(PROCESS ", \"mounts\": [{\"destination\": \"/d\", \"type\": \"tmpfs\", "
		  "\"uidMappings\": []}]"),
     "mounts[0].uidMappings: id-mapped mounts are not supported"},
    {WITH(PROCESS ", \"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"pidd\"}]}"),
     "linux.namespaces[1].type: unknown namespace type \"pidd\" (expected pid, network, mount, "
     "ipc, uts, user, cgroup or time)"},
    {WITH(PROCESS ", \"linux\": {\"namespaces\": [{\"type\": \"uts\"}, {\"type\": \"uts\"}]}"),
     "linux.namespaces[1].type: namespace \"uts\" given twice"},
    {WITH(PROCESS ", \"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"ns\"}]}"),
     "linux.namespaces[0].path: expected an absolute path, got \"ns\""},
    {WITH(PROCESS ", \"linux\": {\"uidMappings\": [{\"containerID\": 0, \"size\": 1}]}"),
     "linux.uidMappings[0].hostID: missing (expected an integer)"},
    {WITH(PROCESS ", \"linux\": {\"maskedPaths\": [\"/a\", \"b\"]}"),
     "linux.maskedPaths[1]: expected an absolute path, got \"b\""},
    {WITH(PROCESS ", \"linux\": {\"sysctl\": {\"kernel.x\": 1}}"),
     "linux.sysctl.kernel.x: expected a string, got 1"},
    {WITH(PROCESS ", \"hooks\": {\"prestart\": [{\"path\": \"hook\"}]}"),
     "hooks.prestart[0].path: expected an absolute path, got \"hook\""},
    {WITH(PROCESS ", \"hooks\": {\"poststop\": [{\"path\": \"/h\", \"timeout\": 0}]}"),
     "hooks.poststop[0].timeout: expected a number of seconds above 0, got 0"},
    {WITH(PROCESS ", \"annotations\": {\"a\\nb\": 1}"),
     "annotations.a?b: expected a string, got 1"},
};

static void test_refusals(void **state)
{
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		struct oci_config c;
		char err[512];
		int rc = parse(refusals[i].json, &c, err, sizeof(err));
		if (rc != -22)
			fail_msg("case %zu accepted (rc %d): %s", i, rc, refusals[i].json);
		if (strcmp(err, refusals[i].err) != 0)
			fail_msg("case %zu:\n  got  '%s'\n  want '%s'", i, err, refusals[i].err);
	}
}

static void test_bad_json(void **state)
{
	struct oci_config c;
	char err[512];
	assert_int_equal(parse("{\"ociVersion\": \"1.0.0\",\n \"root\": }", &c, err, sizeof(err)),
			 -22);
	assert_true(strncmp(err, "invalid JSON at line 2, column", 30) == 0);
	assert_null(strchr(err, '\n'));
	/* jansson quotes the broken text, newline included: still one line. */
	assert_int_equal(parse("{\"a\": \"b\\\n\"}", &c, err, sizeof(err)), -22);
	assert_non_null(strstr(err, "invalid escape"));
	assert_null(strchr(err, '\n'));
	assert_int_equal(oci_config_parse("", 0, &c, err, sizeof(err)), -22);
	assert_true(strncmp(err, "invalid JSON", 12) == 0);
}

/* A short error buffer gets a cut, terminated message. */
static void test_short_err(void **state)
{
	struct oci_config c;
	char err[16];
	assert_int_equal(parse(WITH("\"process\": {\"cwd\": \"/\"}"), &c, err, sizeof(err)), -22);
	assert_string_equal(err, "process.args: m");
}

static void test_load(void **state)
{
	struct oci_config c;
	char err[512], path[] = "/tmp/cvisor-oci-test.XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *json = WITH(PROCESS);
	assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
	close(fd);
	assert_int_equal(oci_config_load(path, &c, err, sizeof(err)), 0);
	assert_string_equal(c.process.args[0], "sh");
	oci_config_free(&c);
	unlink(path);
	assert_int_equal(oci_config_load(path, &c, err, sizeof(err)), -2);
	assert_non_null(strstr(err, "No such file or directory"));
	assert_int_equal(oci_config_load("/tmp", &c, err, sizeof(err)), -22);
	assert_string_equal(err, "/tmp: not a regular file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minimal),	   cmocka_unit_test(test_full),
	    cmocka_unit_test(test_null_is_absent), cmocka_unit_test(test_names),
	    cmocka_unit_test(test_refusals),	   cmocka_unit_test(test_bad_json),
	    cmocka_unit_test(test_short_err),	   cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

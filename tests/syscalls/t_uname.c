/* uname: the fields every Linux x86_64 kernel agrees on. The release and nodename differ
 * between a host and a sandbox, so only their shape is checked. */
#define _GNU_SOURCE
#include "check.h"

#include <ctype.h>
#include <sys/utsname.h>

int main(void)
{
	struct utsname u;
	memset(&u, 0xff, sizeof(u));
	EXPECT_VAL("uname", syscall(SYS_uname, &u), 0);
	printf("sysname: %s\n", u.sysname);
	printf("machine: %s\n", u.machine);
	CHECK(strcmp(u.sysname, "Linux") == 0);
	CHECK(strcmp(u.machine, "x86_64") == 0);
	EXPECT_TRUE("release_starts_with_digit", isdigit((unsigned char)u.release[0]));
	EXPECT_TRUE("release_has_dot", strchr(u.release, '.') != NULL);
	/* Every field is NUL-terminated within its 65 bytes. */
	EXPECT_TRUE("fields_terminated", memchr(u.sysname, 0, 65) && memchr(u.nodename, 0, 65) &&
					     memchr(u.release, 0, 65) && memchr(u.version, 0, 65) &&
					     memchr(u.machine, 0, 65) &&
					     memchr(u.domainname, 0, 65));
	EXPECT_TRUE("version_nonempty", u.version[0] != 0);
	struct utsname u2;
	OK(uname(&u2));
	EXPECT_TRUE("libc_agrees", memcmp(&u, &u2, sizeof(u)) == 0);
	EXPECT_ERR("bad_pointer", syscall(SYS_uname, BADPTR), EFAULT);
	EXPECT_ERR("null_pointer", syscall(SYS_uname, NULL), EFAULT);
	return done();
}

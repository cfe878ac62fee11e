/* sysinfo: plausible, self-consistent values; nothing machine-specific is printed. */
#define _GNU_SOURCE
#include "check.h"

#include <sys/sysinfo.h>

int main(void)
{
	struct sysinfo si;
	memset(&si, 0xff, sizeof(si));
	EXPECT_VAL("sysinfo", syscall(SYS_sysinfo, &si), 0);
	EXPECT_TRUE("mem_unit_positive", si.mem_unit > 0);
	EXPECT_TRUE("totalram_positive", si.totalram > 0);
	EXPECT_TRUE("freeram_le_totalram", si.freeram <= si.totalram);
	EXPECT_TRUE("at_least_16MiB",
		    (unsigned long long)si.totalram * si.mem_unit >= (16ULL << 20));
	EXPECT_TRUE("freeswap_le_totalswap", si.freeswap <= si.totalswap);
	EXPECT_TRUE("procs_positive", si.procs > 0);
	EXPECT_TRUE("uptime_nonnegative", si.uptime >= 0);
	struct sysinfo si2;
	OK(sysinfo(&si2));
	EXPECT_TRUE("libc_agrees", si2.totalram == si.totalram && si2.mem_unit == si.mem_unit);
	EXPECT_TRUE("uptime_nondecreasing", si2.uptime >= si.uptime);
	EXPECT_ERR("bad_pointer", syscall(SYS_sysinfo, BADPTR), EFAULT);
	EXPECT_ERR("null_pointer", syscall(SYS_sysinfo, NULL), EFAULT);
	return done();
}

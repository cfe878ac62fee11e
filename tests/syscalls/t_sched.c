/* Scheduling: sched_setaffinity's checks, nice values through get/setpriority, policies and
 * parameters, priority ranges, sched_rr_get_interval and getcpu. The caller is root, so it
 * may lower its nice value again. */
#define _GNU_SOURCE
#include "check.h"

#include <sched.h>
#include <sys/resource.h>
#include <time.h>

int main(void)
{
	cpu_set_t set, none;
	CPU_ZERO(&none);
	OK(sched_getaffinity(0, sizeof(set), &set));
	EXPECT_VAL("setaffinity_same", syscall(SYS_sched_setaffinity, 0, sizeof(set), &set), 0);
	EXPECT_VAL("setaffinity_self_tid",
		   syscall(SYS_sched_setaffinity, gettid(), sizeof(set), &set), 0);
	EXPECT_ERR("setaffinity_empty", syscall(SYS_sched_setaffinity, 0, sizeof(none), &none),
		   EINVAL);
	EXPECT_ERR("setaffinity_bad_ptr", syscall(SYS_sched_setaffinity, 0, sizeof(set), BADPTR),
		   EFAULT);
	EXPECT_ERR("setaffinity_no_pid", syscall(SYS_sched_setaffinity, 999999, sizeof(set), &set),
		   ESRCH);
	cpu_set_t after;
	OK(sched_getaffinity(0, sizeof(after), &after));
	EXPECT_TRUE("affinity_unchanged", CPU_EQUAL(&set, &after));

	/* The raw syscall returns 20 - nice. */
	long raw = OK(syscall(SYS_getpriority, PRIO_PROCESS, 0));
	int nice0 = 20 - (int)raw;
	EXPECT_TRUE("raw_in_range", raw >= 1 && raw <= 40);
	EXPECT_VAL("setpriority_5", syscall(SYS_setpriority, PRIO_PROCESS, 0, 5), 0);
	printf("nice_after: %ld\n", 20 - syscall(SYS_getpriority, PRIO_PROCESS, 0));
	EXPECT_VAL("getpriority_self_tid", syscall(SYS_getpriority, PRIO_PROCESS, gettid()), 15);
	EXPECT_VAL("setpriority_clamped", syscall(SYS_setpriority, PRIO_PROCESS, 0, 100), 0);
	printf("nice_clamped: %ld\n", 20 - syscall(SYS_getpriority, PRIO_PROCESS, 0));
	/* A process group of its own, so no other process is reniced. */
	if (getpgid(0) != getpid())
		OK(setpgid(0, 0));
	EXPECT_VAL("setpriority_pgrp", syscall(SYS_setpriority, PRIO_PGRP, 0, 7), 0);
	printf("nice_pgrp: %ld\n", 20 - syscall(SYS_getpriority, PRIO_PGRP, 0));
	EXPECT_VAL("setpriority_back", syscall(SYS_setpriority, PRIO_PROCESS, 0, nice0), 0);
	EXPECT_TRUE("nice_restored", 20 - syscall(SYS_getpriority, PRIO_PROCESS, 0) == nice0);
	EXPECT_ERR("getpriority_bad_which", syscall(SYS_getpriority, 3, 0), EINVAL);
	EXPECT_ERR("setpriority_bad_which", syscall(SYS_setpriority, -1, 0, 0), EINVAL);
	EXPECT_ERR("getpriority_no_pid", syscall(SYS_getpriority, PRIO_PROCESS, 999999), ESRCH);
	EXPECT_ERR("setpriority_no_pid", syscall(SYS_setpriority, PRIO_PROCESS, 999999, 0), ESRCH);
	EXPECT_ERR("getpriority_no_pgrp", syscall(SYS_getpriority, PRIO_PGRP, 999999), ESRCH);

	struct sched_param sp = {.sched_priority = 42};
	EXPECT_VAL("getscheduler", syscall(SYS_sched_getscheduler, 0), SCHED_OTHER);
	EXPECT_VAL("getparam", syscall(SYS_sched_getparam, 0, &sp), 0);
	printf("priority: %d\n", sp.sched_priority);
	EXPECT_ERR("getparam_null", syscall(SYS_sched_getparam, 0, NULL), EINVAL);
	EXPECT_ERR("getparam_neg_pid", syscall(SYS_sched_getparam, -1, &sp), EINVAL);
	EXPECT_ERR("getparam_no_pid", syscall(SYS_sched_getparam, 999999, &sp), ESRCH);
	EXPECT_ERR("getparam_bad_ptr", syscall(SYS_sched_getparam, 0, BADPTR), EFAULT);
	EXPECT_ERR("getscheduler_neg", syscall(SYS_sched_getscheduler, -1), EINVAL);
	EXPECT_ERR("getscheduler_no_pid", syscall(SYS_sched_getscheduler, 999999), ESRCH);

	sp.sched_priority = 0;
	EXPECT_VAL("setscheduler_batch", syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &sp), 0);
	EXPECT_VAL("getscheduler_batch", syscall(SYS_sched_getscheduler, 0), SCHED_BATCH);
	EXPECT_VAL("setparam_keeps", syscall(SYS_sched_setparam, 0, &sp), 0);
	EXPECT_VAL("still_batch", syscall(SYS_sched_getscheduler, 0), SCHED_BATCH);
	EXPECT_VAL("setscheduler_other", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &sp), 0);
	EXPECT_VAL("getscheduler_other", syscall(SYS_sched_getscheduler, 0), SCHED_OTHER);
	sp.sched_priority = 1;
	EXPECT_ERR("setparam_other_prio1", syscall(SYS_sched_setparam, 0, &sp), EINVAL);
	sp.sched_priority = 0;
	EXPECT_ERR("setscheduler_fifo_prio0", syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &sp),
		   EINVAL);
	EXPECT_ERR("setscheduler_bad_policy", syscall(SYS_sched_setscheduler, 0, 4, &sp), EINVAL);
	EXPECT_ERR("setscheduler_neg_policy", syscall(SYS_sched_setscheduler, 0, -1, &sp), EINVAL);
	EXPECT_ERR("setscheduler_null", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, NULL),
		   EINVAL);
	EXPECT_ERR("setscheduler_bad_ptr", syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, BADPTR),
		   EFAULT);
	EXPECT_ERR("setscheduler_no_pid", syscall(SYS_sched_setscheduler, 999999, SCHED_OTHER, &sp),
		   ESRCH);

	EXPECT_VAL("max_fifo", syscall(SYS_sched_get_priority_max, SCHED_FIFO), 99);
	EXPECT_VAL("min_fifo", syscall(SYS_sched_get_priority_min, SCHED_FIFO), 1);
	EXPECT_VAL("max_rr", syscall(SYS_sched_get_priority_max, SCHED_RR), 99);
	EXPECT_VAL("max_other", syscall(SYS_sched_get_priority_max, SCHED_OTHER), 0);
	EXPECT_VAL("min_idle", syscall(SYS_sched_get_priority_min, SCHED_IDLE), 0);
	EXPECT_ERR("max_bad", syscall(SYS_sched_get_priority_max, 4), EINVAL);
	EXPECT_ERR("min_bad", syscall(SYS_sched_get_priority_min, -1), EINVAL);

	struct timespec ts = {-1, -1};
	EXPECT_VAL("rr_interval", syscall(SYS_sched_rr_get_interval, 0, &ts), 0);
	EXPECT_TRUE("rr_interval_valid",
		    ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
	EXPECT_ERR("rr_interval_neg", syscall(SYS_sched_rr_get_interval, -1, &ts), EINVAL);
	EXPECT_ERR("rr_interval_no_pid", syscall(SYS_sched_rr_get_interval, 999999, &ts), ESRCH);
	EXPECT_ERR("rr_interval_bad_ptr", syscall(SYS_sched_rr_get_interval, 0, BADPTR), EFAULT);

	unsigned cpu = ~0U, node = ~0U;
	EXPECT_VAL("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL), 0);
	EXPECT_TRUE("cpu_in_range", cpu < CPU_SETSIZE && CPU_ISSET(cpu, &set));
	EXPECT_TRUE("node_set", node != ~0U);
	EXPECT_VAL("getcpu_nulls", syscall(SYS_getcpu, NULL, NULL, NULL), 0);
	EXPECT_ERR("getcpu_bad_ptr", syscall(SYS_getcpu, BADPTR, &node, NULL), EFAULT);
	return done();
}

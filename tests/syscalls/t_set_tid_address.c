/* set_tid_address returns the caller's tid; set_robust_list checks its length. The process is
 * single-threaded, so the clear-child-tid pointer is never used at exit. */
#define _GNU_SOURCE
#include "check.h"

#include <stdint.h>

struct robust_list_head_k {
	void *list;
	long futex_offset;
	void *list_op_pending;
};

int main(void)
{
	static int ctid = 777;
	long tid = OK(syscall(SYS_gettid));
	EXPECT_TRUE("returns_tid", syscall(SYS_set_tid_address, &ctid) == tid);
	EXPECT_TRUE("pointee_untouched", ctid == 777);
	EXPECT_TRUE("null_returns_tid", syscall(SYS_set_tid_address, NULL) == tid);
	/* Any pointer is accepted: it is only written when the thread exits. */
	EXPECT_TRUE("bad_pointer_returns_tid", syscall(SYS_set_tid_address, BADPTR) == tid);
	EXPECT_TRUE("restore_returns_tid", syscall(SYS_set_tid_address, &ctid) == tid);

	/* set_robust_list: the length must be exactly the head's size. */
	static struct robust_list_head_k head;
	head.list = &head.list;
	head.futex_offset = 0;
	head.list_op_pending = NULL;
	EXPECT_ERR("robust_len_0", syscall(SYS_set_robust_list, &head, 0), EINVAL);
	EXPECT_ERR("robust_len_23", syscall(SYS_set_robust_list, &head, sizeof(head) - 1), EINVAL);
	EXPECT_ERR("robust_len_25", syscall(SYS_set_robust_list, &head, sizeof(head) + 1), EINVAL);
	EXPECT_ERR("robust_len_huge", syscall(SYS_set_robust_list, &head, (size_t)-1), EINVAL);
	/* The right length is accepted for any pointer (it is only read at exit). */
	EXPECT_VAL("robust_ok", syscall(SYS_set_robust_list, &head, sizeof(head)), 0);
	printf("robust_head_size: %zu\n", sizeof(head));
	return done();
}

/*
 * Unit tests of the socket layer and AF_UNIX (netstack/) through their operations, without a
 * guest. Outside a task nothing blocks (every wait is EAGAIN) and no SIGPIPE is sent; names
 * are abstract (filesystem names need a task's fs context). Run under ASan, the release and
 * garbage collection tests also show that sockets, queues and files in flight are freed.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "fs/pipe.h"
#include "fs/vfs.h"
#include "netstack/socket.h"

static struct file *new_sock(int type)
{
	struct socket *s;
	assert_int_equal(socket_create(AF_UNIX, type, 0, &s), 0);
	struct file *f = socket_file_new(s, 0);
	assert_non_null(f);
	return f;
}

static void new_pair(int type, struct file **a, struct file **b)
{
	*a = new_sock(type);
	*b = new_sock(type);
	struct socket *sa = file_socket(*a), *sb = file_socket(*b);
	assert_int_equal(sa->ops->socketpair(sa, sb), 0);
}

static long send_msg(struct file *f, const char *data, struct scm_fds *fds)
{
	struct socket *s = file_socket(f);
	struct sock_msg m = {.buf = (void *)data, .len = strlen(data), .fds = fds};
	long r = s->ops->sendmsg(s, &m, 0);
	sock_msg_destroy(&m);
	return r;
}

static long recv_msg(struct file *f, char *buf, size_t len, int flags, struct sock_msg *m)
{
	struct socket *s = file_socket(f);
	memset(m, 0, sizeof(*m));
	m->buf = buf;
	m->len = len;
	return s->ops->recvmsg(s, m, flags);
}

static socklen_t abstract(struct sockaddr_storage *ss, const char *name)
{
	memset(ss, 0, sizeof(*ss));
	ss->ss_family = AF_UNIX;
	size_t n = strlen(name);
	memcpy((char *)ss + offsetof(struct sockaddr_un, sun_path) + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

static void test_create_checks(void **state)
{
	struct socket *s;
	assert_int_equal(socket_create(AF_INET, SOCK_STREAM, 0, &s), -EAFNOSUPPORT);
	assert_int_equal(socket_create(AF_UNIX, 11, 0, &s), -EINVAL);
	assert_int_equal(socket_create(AF_UNIX, SOCK_RDM, 0, &s), -ESOCKTNOSUPPORT);
	assert_int_equal(socket_create(AF_UNIX, SOCK_STREAM, 7, &s), -EPROTONOSUPPORT);
	struct file *f = new_sock(SOCK_STREAM);
	struct stat st;
	assert_int_equal(f->ops->fstat(f, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(f->flags & O_ACCMODE, O_RDWR);
	file_put(f);
}

static void test_stream_pair(void **state)
{
	struct file *a, *b;
	char buf[32];
	new_pair(SOCK_STREAM, &a, &b);
	assert_int_equal(a->ops->write(a, "hello", 5, NULL), 5);
	assert_int_equal(a->ops->write(a, " you", 4, NULL), 4);
	assert_int_equal(b->ops->poll(b, NULL) & (POLLIN | POLLOUT), POLLIN | POLLOUT);
	assert_int_equal(b->ops->read(b, buf, sizeof(buf), NULL), 9);
	assert_memory_equal(buf, "hello you", 9);
	assert_int_equal(b->ops->read(b, buf, sizeof(buf), NULL), -EAGAIN);
	file_put(a);
	assert_int_equal(b->ops->read(b, buf, sizeof(buf), NULL), 0);
	assert_true(b->ops->poll(b, NULL) & POLLHUP);
	assert_int_equal(b->ops->write(b, "x", 1, NULL), -EPIPE);
	file_put(b);
}

static void test_dgram_names(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len = abstract(&ss, "cvisor-unit-dgram");
	struct file *r = new_sock(SOCK_DGRAM), *s = new_sock(SOCK_DGRAM);
	struct socket *rs = file_socket(r), *ss_ = file_socket(s);
	assert_int_equal(rs->ops->bind(rs, &ss, len), 0);
	struct sockaddr_storage again;
	abstract(&again, "cvisor-unit-dgram");
	assert_int_equal(ss_->ops->bind(ss_, &again, len), -EADDRINUSE);
	struct sock_msg m = {.buf = "abc", .len = 3, .name = ss, .namelen = len};
	assert_int_equal(ss_->ops->sendmsg(ss_, &m, 0), 3);
	char buf[2];
	struct sock_msg got;
	assert_int_equal(recv_msg(r, buf, sizeof(buf), MSG_TRUNC, &got), 3);
	assert_true(got.flags & MSG_TRUNC);
	assert_int_equal(got.namelen, 0); /* an unbound sender */
	file_put(r);
	/* The name is free again, and a send to it is refused. */
	m.name = ss;
	assert_int_equal(ss_->ops->sendmsg(ss_, &m, 0), -ECONNREFUSED);
	file_put(s);
}

static void test_rights_and_release(void **state)
{
	struct file *a, *b, *pr, *pw;
	char buf[8];
	new_pair(SOCK_DGRAM, &a, &b);
	assert_int_equal(pipe_create(0, &pr, &pw), 0);
	struct scm_fds *fds = scm_fds_alloc(1);
	file_get(pw);
	fds->files[fds->count++] = pw;
	assert_int_equal(send_msg(a, "f", fds), 1);
	file_put(pw);
	/* Still open: the message holds the write end. */
	assert_int_equal(pr->ops->read(pr, buf, 1, NULL), -EAGAIN);
	struct sock_msg got;
	assert_int_equal(recv_msg(b, buf, sizeof(buf), MSG_PEEK, &got), 1);
	assert_non_null(got.fds);
	sock_msg_destroy(&got);
	/* Dropped with the receiving socket: the pipe sees its writer go. */
	file_put(b);
	assert_int_equal(pr->ops->read(pr, buf, 1, NULL), 0);
	file_put(a);
	file_put(pr);
}

static void test_gc_cycle(void **state)
{
	struct file *a, *b, *pr, *pw;
	char buf[4];
	new_pair(SOCK_STREAM, &a, &b);
	assert_int_equal(pipe_create(0, &pr, &pw), 0);
	struct scm_fds *fds = scm_fds_alloc(3);
	struct file *all[3] = {a, b, pw};
	for (int i = 0; i < 3; i++) {
		file_get(all[i]);
		fds->files[fds->count++] = all[i];
	}
	assert_int_equal(send_msg(a, "g", fds), 1);
	file_put(pw);
	file_put(a);
	file_put(b);
	assert_int_equal(pr->ops->read(pr, buf, 1, NULL), -EAGAIN);
	/* Any release runs the collector. */
	file_put(new_sock(SOCK_STREAM));
	assert_int_equal(pr->ops->read(pr, buf, 1, NULL), 0);
	file_put(pr);
}

static void test_options(void **state)
{
	struct file *f = new_sock(SOCK_STREAM);
	struct socket *s = file_socket(f);
	int v = 1000;
	socklen_t len = sizeof(v);
	assert_int_equal(socket_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)), 0);
	assert_int_equal(socket_getsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, &len), 0);
	assert_int_equal(v, SOCK_MIN_SNDBUF);
	assert_int_equal(socket_setsockopt(s, SOL_SOCKET, SO_TYPE, &v, sizeof(v)), -ENOPROTOOPT);
	assert_int_equal(socket_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &v, 2), -EINVAL);
	assert_int_equal(socket_getsockopt(s, 6, 1, &v, &len), -EOPNOTSUPP);
	len = 2;
	assert_int_equal(socket_getsockopt(s, SOL_SOCKET, SO_TYPE, &v, &len), 0);
	assert_int_equal(len, 2);
	file_put(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_checks), cmocka_unit_test(test_stream_pair),
	    cmocka_unit_test(test_dgram_names),	  cmocka_unit_test(test_rights_and_release),
	    cmocka_unit_test(test_gc_cycle),	  cmocka_unit_test(test_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

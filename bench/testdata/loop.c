/*
 * loop runs one system call pattern N times, for the benchmarks in bench/:
 *
 *   getpid    syscall(SYS_getpid), so that glibc cannot answer from a cache
 *   stat      stat("/etc/passwd")
 *   open      open("/etc/passwd", O_RDONLY) then close(2)
 *   forkwait  fork(2); the child _exit(0)s; the parent waitpid(2)s
 *   forkexec  fork(2); the child execl(3)s /bin/true; the parent waitpid(2)s
 *
 * It prints nothing on success. On any failure it prints one line on stderr
 * and exits 1; a usage error exits 2. N = 0 does nothing past the argument
 * check, which gives the start-up cost the benchmarks subtract.
 *
 *   usage: loop KIND N
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATH "/etc/passwd"

static void fail(const char *what)
{
	fprintf(stderr, "loop: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* reap waits for pid and fails unless it exited with status 0. */
static void reap(pid_t pid)
{
	int status;
	pid_t got;

	do
		got = waitpid(pid, &status, 0);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		fail("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "loop: child %d: wait status %#x\n", (int)pid, status);
		exit(1);
	}
}

static void do_getpid(long n)
{
	for (long i = 0; i < n; i++)
		if (syscall(SYS_getpid) <= 0)
			fail("getpid");
}

static void do_stat(long n)
{
	struct stat st;

	for (long i = 0; i < n; i++)
		if (stat(PATH, &st) != 0)
			fail("stat " PATH);
}

static void do_open(long n)
{
	for (long i = 0; i < n; i++) {
		int fd = open(PATH, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail("open " PATH);
		if (close(fd) != 0)
			fail("close");
	}
}

static void do_forkwait(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0)
			_exit(0);
		reap(pid);
	}
}

static void do_forkexec(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			fail("fork");
		if (pid == 0) {
			execl("/bin/true", "true", (char *)NULL);
			fprintf(stderr, "loop: execl /bin/true: %s\n", strerror(errno));
			_exit(127);
		}
		reap(pid);
	}
}

static const struct {
	const char *name;
	void (*run)(long);
} kinds[] = {
	{"getpid", do_getpid},
	{"stat", do_stat},
	{"open", do_open},
	{"forkwait", do_forkwait},
	{"forkexec", do_forkexec},
};

int main(int argc, char **argv)
{
	char *end;
	long n;

	if (argc != 3)
		goto usage;
	errno = 0;
	n = strtol(argv[2], &end, 10);
	if (errno != 0 || end == argv[2] || *end != '\0' || n < 0)
		goto usage;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strcmp(argv[1], kinds[i].name) == 0) {
			kinds[i].run(n);
			return 0;
		}
	}
usage:
	fprintf(stderr, "usage: loop getpid|stat|open|forkwait|forkexec N\n");
	return 2;
}

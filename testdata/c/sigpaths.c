/* sigpaths: path syscalls in the main loop and in a signal handler that
 * interrupts them. Under a tracer that runs rewritten syscalls from a
 * buffer in the tracee, the handler's own syscalls must not disturb the
 * one they interrupted. Prints "wrong N" for the main loop's reads that
 * did not see their own file (N must be 0) and "handler ok" if the
 * handler's did. Usage: sigpaths FILE_A FILE_B ITERATIONS */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

static const char *file_b;
static volatile sig_atomic_t handler_bad, handler_runs;
static char want_b[256];
static off_t size_b;

static void on_alarm(int sig)
{
	char buf[256];
	struct stat st;
	int fd = open(file_b, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf);
	if (fd >= 0)
		close(fd);
	if (n < 0 || strncmp(buf, want_b, n) != 0)
		handler_bad = 1;
	if (stat(file_b, &st) != 0 || st.st_size != size_b)
		handler_bad = 1;
	handler_runs++;
	(void)sig;
}

static ssize_t slurp(const char *p, char *buf, size_t len)
{
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n >= 0)
		buf[n] = 0;
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: sigpaths FILE_A FILE_B ITERATIONS\n");
		return 2;
	}
	const char *file_a = argv[1];
	file_b = argv[2];
	long iters = atol(argv[3]);
	char want_a[256], buf[256];
	struct stat st;
	if (slurp(file_a, want_a, sizeof want_a) < 0 || slurp(file_b, want_b, sizeof want_b) < 0) {
		perror("read");
		return 1;
	}
	if (stat(file_b, &st) != 0)
		return 1;
	size_b = st.st_size;
	off_t size_a = stat(file_a, &st) == 0 ? st.st_size : -1;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	/* 1 ms: often enough to interrupt many traced syscalls, and longer
	 * than the handler takes under a tracer (two stops per syscall
	 * without seccomp, plus the signal's own): a shorter period can
	 * starve the main loop on a slow machine. */
	struct itimerval it = {{0, 1000}, {0, 1000}};
	setitimer(ITIMER_REAL, &it, NULL);

	long wrong = 0;
	for (long i = 0; i < iters; i++) {
		if (slurp(file_a, buf, sizeof buf) < 0 || strcmp(buf, want_a) != 0)
			wrong++;
		if (stat(file_a, &st) != 0 || st.st_size != size_a)
			wrong++;
	}
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	printf("wrong %ld\n", wrong);
	printf("handler %s\n", handler_bad ? "bad" : handler_runs == 0 ? "never ran" : "ok");
	return 0;
}

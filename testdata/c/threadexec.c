// threadexec: a thread other than the leader calls execve(2) while the
// leader sleeps. The kernel kills the other threads and the exec'ing
// thread takes over the leader's pid (execve(2), "All threads other than
// the calling thread are destroyed"; ptrace(2), "execve(2) under
// ptrace"). The thread runs /bin/echo from-thread, or, given arguments,
// the program argv[1] with arguments argv[1..]. If the exec fails the
// program prints why and exits 1; if the leader wakes up, the exec never
// happened: exit 2.
//
//   usage: threadexec [PROGRAM [ARG]...]
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

static void *run(void *arg)
{
	char **argv = arg;
	if (argv[0] == NULL)
		execl("/bin/echo", "echo", "from-thread", (char *)NULL);
	else
		execv(argv[0], argv);
	fprintf(stderr, "threadexec: exec %s: %s\n", argv[0] ? argv[0] : "/bin/echo", strerror(errno));
	_exit(1);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th;
	(void)argc;
	int err = pthread_create(&th, NULL, run, argv + 1);
	if (err != 0) {
		fprintf(stderr, "threadexec: pthread_create: %s\n", strerror(err));
		return 1;
	}
	sleep(20);
	fprintf(stderr, "threadexec: the leader woke up: no exec happened\n");
	return 2;
}

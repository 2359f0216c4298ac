/*
 * forks forks N children (argv[1], default 200) that each execve(2)
 * /bin/true, keeping up to 8 of them running at once as a shell pipeline
 * would, and reaps them with waitpid(2). At the end no child may be left:
 * waitpid(-1, WNOHANG) must fail with ECHILD, so there are no zombies the
 * tracer forgot to pass on.
 *
 * Prints "ok N" and exits 0 iff every child exited with status 0.
 *
 *   usage: forks [N]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define INFLIGHT 8

/* reap waits for one child and returns 1 if it exited 0, 0 if not, -1 on error. */
static int reap(void)
{
	int status;
	pid_t pid;

	do
		pid = waitpid(-1, &status, 0);
	while (pid < 0 && errno == EINTR);
	if (pid < 0) {
		perror("forks: waitpid");
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 1;
	if (WIFEXITED(status))
		fprintf(stderr, "forks: child exited with %d\n", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		fprintf(stderr, "forks: child killed by signal %d\n", WTERMSIG(status));
	return 0;
}

int main(int argc, char **argv)
{
	long n = 200, started = 0, running = 0, good = 0;
	char *end;

	if (argc > 1) {
		n = strtol(argv[1], &end, 10);
		if (*argv[1] == '\0' || *end != '\0' || n < 0) {
			fprintf(stderr, "usage: forks [N]\n");
			return 2;
		}
	}

	while (started < n || running > 0) {
		if (started < n && running < INFLIGHT) {
			pid_t pid = fork();
			if (pid < 0) {
				perror("forks: fork");
				return 1;
			}
			if (pid == 0) {
				char *args[] = {"true", NULL};
				execv("/bin/true", args);
				_exit(127);
			}
			started++;
			running++;
			continue;
		}
		int r = reap();
		if (r < 0)
			return 1;
		good += r;
		running--;
	}

	if (waitpid(-1, NULL, WNOHANG) != -1 || errno != ECHILD) {
		fprintf(stderr, "forks: children left after reaping all %ld: %s\n", n,
			strerror(errno));
		return 1;
	}
	if (good != n) {
		printf("FAIL %ld of %ld\n", good, n);
		return 1;
	}
	printf("ok %ld\n", n);
	return 0;
}

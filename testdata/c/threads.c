/*
 * threads: 8 POSIX threads each create, write, read back, stat and remove
 * their own files in the directory given as argv[1], using both plain paths
 * (open(2), stat(2), unlink(2)) and paths relative to a directory descriptor
 * (openat(2), fstatat(2), unlinkat(2)).
 *
 * The report on stdout is deterministic: one line per thread in thread
 * order, then a summary line; it holds no pid, address, timestamp or path,
 * so a run under gproot can be diffed against a native run.
 * Exit status: 0 iff every thread succeeded.
 *
 *   usage: threads DIR
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NTHREADS 8
#define NROUNDS 25

static const char *dir;
static int dirfd_;
static pthread_barrier_t start;

struct result {
	int ok;
	long bytes;
	char msg[256];
};

static struct result results[NTHREADS];

/* fail records the first failure of a thread and returns -1. */
static int fail(struct result *r, int round, const char *what)
{
	snprintf(r->msg, sizeof r->msg, "round %d: %s: %s", round, what,
		 strerror(errno));
	return -1;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* one_round does a full create/write/read/stat/remove cycle. Even rounds
 * use absolute-or-cwd paths, odd rounds use *at calls on dirfd_. */
static int one_round(struct result *r, int id, int round)
{
	char name[64], path[4096], want[512], got[600];
	int fd, at = round % 2;
	size_t len = 0;
	ssize_t n;
	struct stat st;

	snprintf(name, sizeof name, "t%d-r%d", id, round);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	for (int i = 0; i <= round % 7; i++)
		len += (size_t)snprintf(want + len, sizeof want - len,
					"thread %d round %d line %d\n", id, round, i);

	fd = at ? openat(dirfd_, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)
		: open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return fail(r, round, "create");
	if (write_all(fd, want, len) < 0) {
		close(fd);
		return fail(r, round, "write");
	}
	if (close(fd) < 0)
		return fail(r, round, "close");

	fd = at ? openat(dirfd_, name, O_RDONLY | O_CLOEXEC) : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(r, round, "reopen");
	n = read(fd, got, sizeof got);
	close(fd);
	if (n < 0)
		return fail(r, round, "read");
	if ((size_t)n != len || memcmp(got, want, len) != 0) {
		errno = EIO;
		return fail(r, round, "read back differs");
	}

	if ((at ? fstatat(dirfd_, name, &st, AT_SYMLINK_NOFOLLOW) : stat(path, &st)) < 0)
		return fail(r, round, "stat");
	if (!S_ISREG(st.st_mode) || st.st_size != (off_t)len) {
		errno = EINVAL;
		return fail(r, round, "stat mode/size");
	}

	if ((at ? unlinkat(dirfd_, name, 0) : unlink(path)) < 0)
		return fail(r, round, "unlink");
	if (stat(path, &st) == 0 || errno != ENOENT) {
		if (errno == 0)
			errno = EEXIST;
		return fail(r, round, "stat after unlink");
	}
	r->bytes += (long)len;
	return 0;
}

static void *worker(void *arg)
{
	int id = (int)(long)arg;
	struct result *r = &results[id];

	pthread_barrier_wait(&start);
	for (int round = 0; round < NROUNDS; round++)
		if (one_round(r, id, round) < 0)
			return NULL;
	r->ok = 1;
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[NTHREADS];
	int failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: threads DIR\n");
		return 2;
	}
	dir = argv[1];
	dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd_ < 0) {
		perror("threads: open DIR");
		return 1;
	}
	pthread_barrier_init(&start, NULL, NTHREADS);
	for (long i = 0; i < NTHREADS; i++) {
		int err = pthread_create(&th[i], NULL, worker, (void *)i);
		if (err != 0) {
			fprintf(stderr, "threads: pthread_create: %s\n", strerror(err));
			return 1;
		}
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);

	for (int i = 0; i < NTHREADS; i++) {
		if (results[i].ok) {
			printf("thread %d: %d rounds, %ld bytes: ok\n", i, NROUNDS,
			       results[i].bytes);
		} else {
			printf("thread %d: FAIL: %s\n", i, results[i].msg);
			failed++;
		}
	}
	printf("%s\n", failed ? "FAIL" : "all ok");
	return failed ? 1 : 0;
}

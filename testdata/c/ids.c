/* ids prints what every identity syscall reports, then changes the
 * identity with setgroups, setresgid and setresuid (and the other set*id
 * calls) and prints it again after each step, so that a faked identity
 * (gproot -0, -i; proot -0) can be compared with the kernel's rules.
 *
 * usage: ids        (the steps below, in order)
 * Each line is "step: call = result"; a failing call prints its errno name.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *ename(int e)
{
	switch (e) {
	case EPERM: return "EPERM";
	case EINVAL: return "EINVAL";
	case EFAULT: return "EFAULT";
	case ENOSYS: return "ENOSYS";
	}
	return strerror(e);
}

static void result(const char *step, const char *call, long r)
{
	if (r < 0)
		printf("%s: %s = -1 %s\n", step, call, ename(errno));
	else
		printf("%s: %s = %ld\n", step, call, r);
}

static void show(const char *step)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	gid_t groups[64];
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];
	int n, i;

	printf("%s: getuid = %u, geteuid = %u, getgid = %u, getegid = %u\n", step,
	       (unsigned)getuid(), (unsigned)geteuid(), (unsigned)getgid(), (unsigned)getegid());
	if (getresuid(&r, &e, &s) == 0)
		printf("%s: getresuid = %u %u %u\n", step, (unsigned)r, (unsigned)e, (unsigned)s);
	else
		result(step, "getresuid", -1);
	if (getresgid(&rg, &eg, &sg) == 0)
		printf("%s: getresgid = %u %u %u\n", step, (unsigned)rg, (unsigned)eg, (unsigned)sg);
	else
		result(step, "getresgid", -1);
	/* setfsuid(-1) changes nothing and returns the current fsuid. */
	printf("%s: fsuid = %d, fsgid = %d\n", step, setfsuid(-1), setfsgid(-1));
	n = getgroups(0, NULL);
	printf("%s: getgroups(0) = %d\n", step, n);
	n = getgroups(64, groups);
	printf("%s: getgroups =", step);
	for (i = 0; i < n; i++)
		printf(" %u", (unsigned)groups[i]);
	printf("\n");
	memset(d, 0, sizeof d);
	if (syscall(SYS_capget, &h, d) == 0)
		printf("%s: capget effective = %08x%08x, permitted = %08x%08x\n", step,
		       d[1].effective, d[0].effective, d[1].permitted, d[0].permitted);
	else
		result(step, "capget", -1);
}

int main(void)
{
	gid_t g[2] = {100, 200};

	setvbuf(stdout, NULL, _IOLBF, 0);
	show("start");
	result("step1", "setgroups(100,200)", setgroups(2, g));
	result("step1", "setresgid(1000,1000,1000)", setresgid(1000, 1000, 1000));
	show("step1");
	result("step2", "setresuid(1000,1000,0)", setresuid(1000, 1000, 0));
	show("step2");
	result("step3", "setuid(0)", setuid(0));
	result("step3", "seteuid(0)", seteuid(0));
	show("step3");
	result("step4", "setreuid(2000,-1)", setreuid(2000, -1));
	show("step4");
	result("step5", "setresuid(3000,3000,3000)", setresuid(3000, 3000, 3000));
	result("step5", "setuid(0)", setuid(0));
	result("step5", "setgroups(100)", setgroups(1, g));
	result("step5", "setgid(0)", setgid(0));
	show("step5");
	return 0;
}

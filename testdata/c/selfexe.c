/*
 * selfexe prints how the running program sees its own executable:
 *
 *   exe=<readlink("/proc/self/exe")>
 *   execfn=<getauxval(AT_EXECFN) as a string>
 *   argv0=<argv[0]>
 *
 * Under gproot all three must be guest paths. The e2e tests build it twice:
 * normally, and with -Wl,--dynamic-linker=/lib/gproot-test-ld.so, a program
 * interpreter that exists only inside the guest (see getauxval(3),
 * proc(5), ld.so(8)).
 */
#define _GNU_SOURCE
#include <limits.h>
#include <stdio.h>
#include <sys/auxv.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	const char *execfn = (const char *)getauxval(AT_EXECFN);

	(void)argc;
	if (n < 0) {
		perror("selfexe: readlink /proc/self/exe");
		return 1;
	}
	exe[n] = '\0';
	printf("exe=%s\n", exe);
	printf("execfn=%s\n", execfn ? execfn : "(none)");
	printf("argv0=%s\n", argv[0] ? argv[0] : "(none)");
	return 0;
}

/* int80: makes i386 syscalls with "int $0x80" from a 64-bit process and
 * prints their results. gproot does not translate the i386 ABI yet, so
 * under gproot each must fail with -ENOSYS (-38) rather than run with
 * untranslated paths. */
#include <stdio.h>

static long int80(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

int main(void)
{
	/* The path must be below 4 GiB for the i386 ABI: a static string of
	 * a non-PIE binary is. */
	static const char path[] = "/etc/debian_version";
	printf("open %ld\n", int80(5, (long)path, 0, 0)); /* __NR_open (i386) */
	printf("getpid %s\n", int80(20, 0, 0, 0) > 0 ? "ok" : "failed");
	return 0;
}

/* oscheck does what glibc before 2.36 did at start-up (dl_discover_osversion,
 * DL_SYSDEP_OSCHECK): it takes the running kernel's version from the
 * vDSO's "Linux" ELF note when there is a vDSO (AT_SYSINFO_EHDR), else from
 * uname(2), and refuses to run on a kernel older than the one it was built
 * for: here MAJOR.MINOR from argv[1].
 *
 * usage: oscheck MAJOR.MINOR   prints "ok VERSION" or fails as glibc did */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/utsname.h>

static unsigned vdso_version(void)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)getauxval(AT_SYSINFO_EHDR);
	if (eh == NULL)
		return 0;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)eh + eh->e_phoff);
	/* The vDSO is mapped as linked: its notes are at their vaddr plus
	 * the load bias, the difference between eh and its first PT_LOAD. */
	long bias = 0;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD) {
			bias = (long)eh - (long)ph[i].p_vaddr;
			break;
		}
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_NOTE)
			continue;
		const char *p = (const char *)(bias + ph[i].p_vaddr), *end = p + ph[i].p_memsz;
		while (p + sizeof(Elf64_Nhdr) <= end) {
			const Elf64_Nhdr *n = (const Elf64_Nhdr *)p;
			const char *name = p + sizeof *n;
			const char *desc = name + ((n->n_namesz + 3) & ~3u);
			if (n->n_namesz == 6 && memcmp(name, "Linux", 6) == 0 && n->n_type == 0 && n->n_descsz >= 4)
				return *(const unsigned *)desc;
			p = desc + ((n->n_descsz + 3) & ~3u);
		}
	}
	return 0;
}

static unsigned uname_version(void)
{
	struct utsname u;
	unsigned a = 0, b = 0, c = 0;
	if (uname(&u) != 0)
		return 0;
	sscanf(u.release, "%u.%u.%u", &a, &b, &c);
	return a << 16 | b << 8 | c;
}

int main(int argc, char **argv)
{
	unsigned want_major = 0, want_minor = 0;
	if (argc != 2 || sscanf(argv[1], "%u.%u", &want_major, &want_minor) != 2) {
		fprintf(stderr, "usage: oscheck MAJOR.MINOR\n");
		return 2;
	}
	unsigned v = vdso_version();
	if (v == 0)
		v = uname_version();
	if (v < (want_major << 16 | want_minor << 8)) {
		fprintf(stderr, "FATAL: kernel too old\n");
		return 127;
	}
	printf("ok %u.%u\n", v >> 16, v >> 8 & 0xff);
	return 0;
}

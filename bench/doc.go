// Package bench measures what tracing costs a guest program: the cost per
// system call (and per fork, per fork+exec) of a small C guest,
// testdata/loop.c, run
//
//   - native: directly on the host;
//   - gproot: under gproot with its seccomp filter (the default);
//   - gproot-noseccomp: under gproot with PROOT_NO_SECCOMP=1, so that every
//     system call stops in the tracer (ptrace only);
//   - proot: under proot(1), when it is installed. Debian's PRoot 5.1
//     (5.1.0-1.3) is built with its seccomp acceleration disabled ("just
//     segfaults with recent kernels", its changelog says), so on Debian this
//     row is ptrace only too: compare it with gproot-noseccomp.
//
// The package holds no code: everything is in the benchmarks. Run them with
//
//	make bench
//
// which builds the Debian rootfs (testdata/mkrootfs.sh), runs the benchmarks
// and prints a Markdown table of them (bench/cmd/table), or by hand with
//
//	GPROOT_ROOTFS=$(testdata/mkrootfs.sh) go test -run '^$' -bench . ./bench | tee bench.txt
//	go run ./bench/cmd/table < bench.txt
//
// The benchmarks are BenchmarkSyscalls/KIND/RUNNER, KIND one of getpid
// (syscall(SYS_getpid), which glibc cannot cache), stat (stat("/etc/passwd")),
// open (open and close "/etc/passwd"), forkwait (fork, child _exit, waitpid)
// and forkexec (fork, child exec /bin/true, waitpid). To pick one runner,
// anchor its name, since "proot" also matches gproot:
//
//	go test -run '^$' -bench 'Syscalls/.*/^proot$' ./bench
//
// Each run of the guest
// does all b.N iterations in one process. The ns/op reported is
// (t(b.N) - t(0)) / b.N, where t(n) is the wall time of the whole command
// with n iterations and t(0) is the median of a few runs with none, so the
// start-up of gproot, proot and the guest's dynamic loader is left out.
//
// The guest is compiled with gcc -O2 as an ordinary dynamic executable; the
// Debian rootfs has the same glibc as a bookworm host. Under gproot and proot
// it runs inside the rootfs, with its directory bound at /bench, so the
// guest's own loader and libc are traced. The gproot and proot runners skip
// unless GPROOT_ROOTFS names the rootfs (make bench sets it); proot skips
// when it is not installed, and everything skips without gcc. gproot is
// built once per run with CGO_ENABLED=0, from ../cmd/gproot. The gproot and
// proot runners drop PROOT_NO_SECCOMP and GPROOT_NO_SECCOMP from the
// environment, so that each runner measures what its name says.
package bench

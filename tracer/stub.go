package tracer

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/arch"
	"github.com/gproot/gproot/syscalls"
)

// stubEnv marks the re-executed gproot that becomes the guest's first
// process; its value is "seccomp" or "ptrace".
const stubEnv = "_GPROOT_STUB"

// syncFd is the pipe on which the tracer says it is attached.
const syncFd = 3

// IsStub says whether this process is the start-up stub. cmd/gproot calls
// it from an init function, where it must lock the main thread so that the
// stub's main goroutine runs on the thread the tracer attached.
func IsStub() bool { return os.Getenv(stubEnv) != "" }

// StubMain is the stub: it waits until the tracer has attached to it, sets
// no_new_privs and loads the seccomp filter (seccomp mode), then executes
// the guest program; that execve is the first syscall the tracer
// translates. os.Args is [stub, guest path, argv0, args...].
func StubMain() {
	mode := os.Getenv(stubEnv)
	os.Unsetenv(stubEnv)
	var b [1]byte
	for {
		_, err := unix.Read(syncFd, b[:])
		if err != unix.EINTR {
			break
		}
	}
	unix.Close(syncFd)
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "gproot: internal error: stub started without a command")
		os.Exit(1)
	}
	if mode == "seccomp" {
		prog, err := Filter(arch.Host, syscalls.X8664)
		if err == nil {
			err = unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
		}
		if err == nil {
			err = loadFilter(prog)
		}
		// On failure the tracer, which sees the seccomp(2) call fail,
		// traces every syscall instead.
		_ = err
	}
	path, argv := os.Args[1], os.Args[2:]
	err := unix.Exec(path, argv, os.Environ())
	code := 126
	if err == unix.ENOENT {
		code = 127
	}
	fmt.Fprintf(os.Stderr, "gproot: cannot execute %s: %v\n", path, err)
	os.Exit(code)
}

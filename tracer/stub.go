package tracer

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/arch"
	"github.com/gproot/gproot/syscalls"
)

// stubEnv marks the re-executed gproot that becomes the guest's first
// process; its value is MODE:FD:FEATURES, MODE one of "seccomp",
// "seccomp-nogate" and "ptrace", FD the pipe on which the tracer says it
// is attached, FEATURES the syscalls.Feature set whose rows are traced.
const stubEnv = "_GPROOT_STUB"

// IsStub says whether this process is the start-up stub. cmd/gproot calls
// it from an init function, where it must lock the main thread so that the
// stub's main goroutine runs on the thread the tracer attached.
func IsStub() bool { return os.Getenv(stubEnv) != "" }

// StubMain is the stub: it waits until the tracer has attached to it, sets
// no_new_privs and loads the seccomp filter (seccomp mode), then executes
// the guest program; that execve is the first syscall the tracer
// translates. os.Args is [stub, guest path, argv0, args...].
func StubMain() {
	mode, rest, _ := strings.Cut(os.Getenv(stubEnv), ":")
	fdText, featText, _ := strings.Cut(rest, ":")
	features, _ := strconv.Atoi(featText)
	os.Unsetenv(stubEnv)
	syncFd, err := strconv.Atoi(fdText)
	if err != nil || len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "gproot: internal error: stub started without its pipe or command")
		os.Exit(1)
	}
	var b [1]byte
	for {
		_, err := unix.Read(syncFd, b[:])
		if err != unix.EINTR {
			break
		}
	}
	unix.Close(syncFd)
	if mode == "seccomp" || mode == "seccomp-nogate" {
		prog, err := Filter(arch.Host, syscalls.X8664, mode == "seccomp", syscalls.Feature(features))
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
	err = unix.Exec(path, argv, os.Environ())
	if err == unix.ENOEXEC {
		// A file without "#!": run it with the shell, as execvp(3) and
		// proot do.
		err = unix.Exec("/bin/sh", append([]string{"/bin/sh", path}, argv[1:]...), os.Environ())
	}
	code := 126
	if err == unix.ENOENT {
		code = 127
	}
	fmt.Fprintf(os.Stderr, "gproot: cannot execute %s: %v\n", path, err)
	os.Exit(code)
}

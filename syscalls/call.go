package syscalls

import (
	"errors"

	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/fakeid"
)

// Call is one system call of one tracee, as a handler sees it: registers,
// tracee memory, and the guest's view of the file system. The tracer
// implements it; all its methods run on the tracer thread.
type Call interface {
	// Pid is the thread id of the tracee.
	Pid() int
	// Sysno is the syscall, as the guest made it.
	Sysno() Sysno
	// Creds are the tracee's faked credentials (-0, -i), nil otherwise.
	Creds() *fakeid.Creds
	// Fake is what this run fakes about files, nil unless -0 or -i.
	Fake() *fakeid.Session
	// Arg returns argument i (0 to 5) as the guest passed it: at exit, the
	// tracer has already put back what SetArg changed.
	Arg(i int) uint64
	// SetArg changes argument i for the kernel; it is restored at exit.
	SetArg(i int, v uint64)
	// SetSysno replaces the call that will run (at entry).
	SetSysno(s Sysno)
	// Result returns the kernel's result (at exit): -errno on failure.
	Result() int64
	// SetResult changes the result the guest sees (at exit).
	SetResult(v int64)
	// Skip does not run the call: the guest sees result (at entry).
	Skip(result int64)
	// NeedExit asks for an exit stop even if no argument was changed.
	NeedExit()

	// ReadString reads a NUL-terminated string of at most PATH_MAX bytes.
	ReadString(addr uint64) (string, error)
	// Read fills b from tracee memory at addr.
	Read(addr uint64, b []byte) error
	// Write copies b into tracee memory at addr.
	Write(addr uint64, b []byte) error
	// Push copies b into the tracee's scratch area (valid until the call
	// returns) and returns its address there.
	Push(b []byte) (uint64, error)
	// PushString pushes s and a NUL.
	PushString(s string) (uint64, error)
	// SP is the tracee's stack pointer.
	SP() uint64

	// Resolve canonicalises a path argument in the guest's view: relative
	// to dirfd (AT_FDCWD: the cwd) and the tracee's root; follow says
	// whether a final symlink is followed.
	Resolve(dirfd int32, path string, follow bool) (guest, host string, err error)
	// Unchanged says whether the path the guest passed, as the kernel
	// would resolve it, is host, the result of the last Resolve: a
	// relative path that met no symlink, "..", binding or rootfs edge.
	// Such a path is left as it is, so the kernel sees and keeps the
	// guest's own (getsockname(2) of a socket bound by a relative path).
	Unchanged(path, host string) bool
	// HostToGuest turns a host path the kernel returned into the guest's,
	// as the tracee sees it (below its root).
	HostToGuest(host string) (string, bool)
	// FdHost returns the host path that the tracee's fd refers to, as
	// /proc/PID/fd/FD says.
	FdHost(fd int32) (string, error)
	// FdPath returns a host path that reaches the file of the tracee's fd
	// (AT_FDCWD: its cwd) even when it has no name: /proc/PID/fd/FD.
	FdPath(fd int32) string

	// Data is per-call state carried from entry to exit, zeroed at entry.
	Data() *Data
	// Proc is the state shared by the tracee's thread group and file-system
	// context that handlers change (exe, root).
	Proc() Proc
}

// Proc is the tracee state that execve, chroot and readlink handlers read
// and change.
type Proc interface {
	// Root is the guest path of the process's root ("/" unless chroot).
	Root() string
	SetRoot(guest string)
	// SetExe records the program that execve is loading.
	SetExe(guest string)
	// Privileged says whether the guest may do what needs root
	// (the tracer runs as root, or fakes it).
	Privileged() bool
	// KernelRelease is the release -k gives, "" for the real one.
	KernelRelease() string
	// ExeOf returns the guest exe of the tracee whose thread-group id is
	// pid, if it is traced.
	ExeOf(pid int) (string, bool)
}

// Data carries what an entry handler found to its exit handler.
type Data struct {
	Guest  string // a guest path found at entry (exe for execve, ...)
	Path   string // the path as the guest passed it (execfn for execve)
	Loaded string // execve: the host path gproot executes
	Addr   uint64 // a tracee address (argv string of the guest path, ...)
	Len    uint64
	Flags  uint32
	Interp bool // execve: the guest's ELF interpreter is run
	// Faked identities: host paths and files an entry handler saw.
	Host, Host2 string
	Key, Key2   fakeid.Key
	Nlink2      uint64
}

// PathMax is PATH_MAX (include/uapi/linux/limits.h).
const PathMax = 4096

// errno helps handlers write guest-visible failures: the errno in err
// (also inside an *os.PathError), EFAULT if there is none.
func errno(err error) error {
	if err == nil {
		return nil
	}
	var e unix.Errno
	if errors.As(err, &e) {
		return e
	}
	return unix.EFAULT
}

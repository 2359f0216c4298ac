package tracer

import (
	"github.com/gproot/gproot/arch"
	"github.com/gproot/gproot/syscalls"
)

// fsState is shared by the tracees that share a file-system context
// (CLONE_FS): the guest root, changed by the emulated chroot(2). The cwd is
// the kernel's, read from /proc/PID/cwd when needed.
type fsState struct {
	root string // guest path, in the view
}

// procState is shared by the threads of a process (CLONE_THREAD) and
// replaced at execve.
type procState struct {
	exe string // guest path of the program, for /proc/PID/exe
}

// Tracee is one traced thread.
type Tracee struct {
	// Private.
	pid       int
	started   bool // its first stop was seen
	inSyscall bool // resumed to stop again at the exit of this syscall
	regs      arch.Regs
	sys       syscalls.Sysno
	row       *syscalls.Row
	orig      [6]uint64 // arguments as the guest passed them
	changed   uint8     // bit i: argument i was changed for the kernel
	sysnoSet  bool      // the syscall number was changed
	needExit  bool
	skipped   bool // the call was not run; its result is set
	execed    bool // PTRACE_EVENT_EXEC seen during this syscall
	data      syscalls.Data
	// watchSeccomp: the stub is in seccomp(2); success switches this
	// tracee to seccomp mode.
	watchSeccomp bool
	// injecting: an mmap(2) for the scratch area runs in place of the
	// syscall in saved, which is restarted afterwards.
	injecting bool
	saved     arch.Regs
	// Scratch area for rewritten arguments: one mapping per thread,
	// inherited by fork (a copy) and by vfork (the parent waits).
	scratch, scratchOff uint64

	// Inherited on clone.
	seccomp bool // stops come from the seccomp filter

	// Shared.
	tgid int
	fs   *fsState   // CLONE_FS
	proc *procState // CLONE_THREAD
}

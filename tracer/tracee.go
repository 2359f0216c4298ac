package tracer

import (
	"github.com/gproot/gproot/arch"
	"github.com/gproot/gproot/fakeid"
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

// mmState is shared by the tracees that share an address space (CLONE_VM)
// and replaced at execve: which gate slots (arch.GateBase) are mapped in
// it and which a thread uses.
type mmState struct {
	mapped map[uint64]bool // slot address -> mapped by gproot (false: taken by the guest)
	used   map[uint64]bool // slot address -> some thread's gate
	noGate bool            // slots cannot be mapped here: rewrite and restore instead
}

// fork returns the state of a copy of the address space, where only the
// slot of the forking thread is in use.
func (m *mmState) fork(slot uint64) *mmState {
	c := &mmState{mapped: make(map[uint64]bool, len(m.mapped)), used: make(map[uint64]bool), noGate: m.noGate}
	for k, v := range m.mapped {
		c.mapped[k] = v
	}
	if slot != 0 {
		c.used[slot] = true
	}
	return c
}

// freeSlot returns a slot to map or reuse for a new gate: the first one
// that no thread uses and the guest did not take.
func (m *mmState) freeSlot() (addr uint64, mapped, ok bool) {
	for i := uint64(0); i < arch.GateSlots; i++ {
		a := arch.GateBase + i*arch.GateSlotSize
		if m.used[a] {
			continue
		}
		if v, seen := m.mapped[a]; seen && !v {
			continue // the guest has something there
		}
		return a, m.mapped[a], true
	}
	return 0, false, false
}

// injectStage is where a tracee is in the syscalls gproot injects.
type injectStage uint8

const (
	injectNone      injectStage = iota
	injectMmap                  // at the exit of the mmap
	injectCommEntry             // at the entry of the prctl
	injectCommExit              // at the exit of the prctl
)

// Tracee is one traced thread.
type Tracee struct {
	// Private.
	pid       int
	started   bool // its first stop was seen
	inSyscall bool // resumed to stop again at the exit of this syscall
	regs      arch.Regs
	sys       syscalls.Sysno
	row       *syscalls.Row
	exitFn    func(syscalls.Call, *syscalls.Row) error // exit work of this call, nil if none
	orig      [6]uint64                                // arguments as the guest passed them
	changed   uint8                                    // bit i: argument i was changed for the kernel
	sysnoSet  bool                                     // the syscall number was changed
	needExit  bool
	skipped   bool // the call was not run; its result is set
	execed    bool // PTRACE_EVENT_EXEC seen during this syscall
	foreign   bool // a syscall of another ABI (i386 int $0x80), without seccomp
	data      syscalls.Data
	// watchSeccomp: the stub is in seccomp(2); success switches this
	// tracee to seccomp mode.
	watchSeccomp bool
	// inject: gproot's own syscalls run in place of the one in saved,
	// which is restarted afterwards: an mmap(2) for the scratch area, then
	// possibly a prctl(PR_SET_NAME) to set comm.
	inject injectStage
	// comm is the name the kernel would have given the program execve
	// started (the basename of the path the guest passed), when the one
	// it got differs: the loader's, or the resolved path's.
	comm  string
	saved arch.Regs
	// Scratch area for rewritten arguments: one mapping per thread,
	// inherited by fork (a copy) and by vfork (the parent waits). With a
	// gate, it is the gate's slot's scratch space.
	scratch, scratchOff, scratchEnd uint64
	// slot is the thread's gate slot, 0 if none; ownsSlot says whether it
	// frees it on exit (a vfork child borrows its parent's).
	slot     uint64
	ownsSlot bool
	// frame is the gate frame used last; sigSinceGate says a signal was
	// delivered since, whose handler may have interrupted that frame.
	frame        int
	sigSinceGate bool
	gateFrame    int // the frame of this syscall, -1 if it does not use the gate
	// mmapAt is the address injectMmap asked for (0: anywhere).
	mmapAt uint64

	// Inherited on clone.
	seccomp bool          // stops come from the seccomp filter
	creds   *fakeid.Creds // faked credentials (-0, -i), copied on clone

	// Shared.
	tgid int
	fs   *fsState   // CLONE_FS
	proc *procState // CLONE_THREAD
	mm   *mmState   // CLONE_VM
}

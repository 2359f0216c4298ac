package tracer

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/arch"
	"github.com/gproot/gproot/syscalls"
)

// errNeedScratch aborts an entry handler of a tracee that has no scratch
// area yet; one is mapped and the syscall restarted.
var errNeedScratch = errors.New("no scratch area")

// enter handles a syscall entry: a seccomp stop, or a syscall-entry stop
// without seccomp.
func (t *Tracer) enter(tr *Tracee) {
	if err := arch.GetRegs(tr.pid, &tr.regs); err != nil {
		t.lost(tr, "PTRACE_GETREGS", err)
		return
	}
	nr := tr.regs.Sysno()
	sys := t.table.Sysno(nr)
	tr.sys, tr.row = sys, syscalls.Rows[sys]
	tr.changed, tr.sysnoSet, tr.needExit, tr.skipped, tr.execed = 0, false, false, false, false
	tr.data = syscalls.Data{}
	tr.scratchOff = 0
	// Without seccomp every syscall has an exit stop anyway.
	tr.inSyscall = !tr.seccomp
	if !tr.seccomp && nr == t.nrSecc && nr >= 0 {
		tr.watchSeccomp = true
	}
	if tr.row == nil {
		if tr.seccomp {
			// Only a syscall of another ABI, which the filter traces
			// whole, reaches here in seccomp mode: gproot cannot
			// translate it, so it must not run.
			tr.regs.SetSysno(-1)
			tr.regs.SetResult(-int64(unix.ENOSYS))
			t.setRegs(tr)
		}
		t.resume(tr, 0)
		return
	}
	if tr.scratch == 0 {
		t.injectMmap(tr)
		return
	}
	c := &t.call
	c.tr = tr
	err := tr.row.DoEnter(c)
	if err == errNeedScratch {
		t.injectMmap(tr)
		return
	}
	if err != nil {
		errno, ok := err.(unix.Errno)
		if !ok {
			errno = unix.EFAULT
			fmt.Fprintf(t.cfg.Log, "gproot: pid %d: %s: %v\n", tr.pid, sys, err)
		}
		t.restoreArgs(tr)
		c.Skip(-int64(errno))
		if t.cfg.Verbose >= 2 {
			fmt.Fprintf(t.cfg.Log, "gproot: [%d] %s: %v\n", tr.pid, sys, errno)
		}
	}
	if tr.skipped {
		// Skipped calls keep the registers the guest passed: nothing to
		// restore at exit. rax holds the result (arch.RegsX8664.SetSysno).
		t.restoreArgs(tr)
		tr.regs.SetSysno(-1)
		t.setRegs(tr)
		t.resume(tr, 0)
		return
	}
	if tr.changed != 0 || tr.sysnoSet {
		t.setRegs(tr)
	}
	if tr.changed != 0 || tr.needExit || tr.sysnoSet {
		tr.inSyscall = true
	}
	t.resume(tr, 0)
}

// exit handles a syscall-exit stop.
func (t *Tracer) exit(tr *Tracee) {
	tr.inSyscall = false
	switch {
	case tr.injecting:
		t.injected(tr)
		return
	case tr.watchSeccomp:
		tr.watchSeccomp = false
		if v, err := arch.PeekUser(tr.pid, tr.regs.ResultOffset()); err == nil && v == 0 {
			tr.seccomp = true
		}
	case tr.row == nil || tr.skipped:
	case tr.row.Exit != nil || tr.execed:
		if err := arch.GetRegs(tr.pid, &tr.regs); err != nil {
			t.lost(tr, "PTRACE_GETREGS", err)
			return
		}
		execOK := tr.execed && tr.regs.Result() == 0
		if !execOK {
			t.restoreArgs(tr)
		}
		if tr.row.Exit != nil {
			c := &t.call
			c.tr = tr
			if err := tr.row.Exit(c, tr.row); err != nil {
				fmt.Fprintf(t.cfg.Log, "gproot: pid %d: %s exit: %v\n", tr.pid, tr.sys, err)
			}
		}
		if !execOK || tr.changed != 0 {
			t.setRegs(tr)
		}
	case tr.changed != 0:
		// Put back the arguments the guest passed: the syscall ABI
		// preserves them, and compiled code relies on it.
		for i := 0; i < 6; i++ {
			if tr.changed&(1<<i) != 0 {
				if err := arch.PokeUser(tr.pid, tr.regs.ArgOffset(i), tr.orig[i]); err != nil {
					t.lost(tr, "PTRACE_POKEUSER", err)
					return
				}
			}
		}
	}
	tr.changed = 0
	t.resume(tr, 0)
}

// restoreArgs puts the guest's arguments back into tr.regs.
func (t *Tracer) restoreArgs(tr *Tracee) {
	for i := 0; i < 6; i++ {
		if tr.changed&(1<<i) != 0 {
			tr.regs.SetArg(i, tr.orig[i])
		}
	}
	tr.changed = 0
}

func (t *Tracer) setRegs(tr *Tracee) {
	if err := arch.SetRegs(tr.pid, &tr.regs); err != nil {
		t.lost(tr, "PTRACE_SETREGS", err)
	}
}

// lost reports a tracer fault on a tracee. ESRCH means it was killed
// meanwhile: wait4 reaps it.
func (t *Tracer) lost(tr *Tracee, req string, err error) {
	if err == unix.ESRCH {
		return
	}
	fmt.Fprintf(t.cfg.Log, "gproot: pid %d: ptrace(%s): %v\n", tr.pid, req, err)
}

// injectMmap makes the tracee map its scratch area before its syscall
// runs: the syscall becomes mmap(2), and at its exit the registers are
// put back with the PC on the syscall instruction, so that the original
// call runs again and stops again, now with a scratch area.
func (t *Tracer) injectMmap(tr *Tracee) {
	tr.saved = tr.regs
	r := &tr.regs
	r.SetSysno(t.nrMmap)
	r.SetArg(0, 0)
	r.SetArg(1, scratchSize)
	r.SetArg(2, unix.PROT_READ|unix.PROT_WRITE)
	r.SetArg(3, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS|unix.MAP_NORESERVE)
	r.SetArg(4, ^uint64(0))
	r.SetArg(5, 0)
	tr.changed = 0
	tr.injecting = true
	tr.inSyscall = true
	t.setRegs(tr)
	t.resume(tr, 0)
}

// injected finishes injectMmap at the mmap's exit stop.
func (t *Tracer) injected(tr *Tracee) {
	tr.injecting = false
	res, err := arch.PeekUser(tr.pid, tr.regs.ResultOffset())
	if err != nil {
		t.lost(tr, "PTRACE_PEEKUSER", err)
		return
	}
	if int64(res) < 0 && int64(res) > -4096 {
		// No memory for it: the call fails with ENOMEM rather than
		// running untranslated.
		tr.regs = tr.saved
		tr.regs.SetResult(-int64(unix.ENOMEM))
		t.setRegs(tr)
		t.resume(tr, 0)
		return
	}
	tr.scratch = res
	tr.regs = tr.saved
	tr.regs.SetPC(tr.regs.PC() - arch.Host.SyscallInsnSize)
	tr.regs.SetResult(int64(tr.regs.Sysno()))
	t.setRegs(tr)
	t.resume(tr, 0)
}

// cloneEvent registers the child of a fork, vfork or clone, with what it
// shares with its parent, and restarts both.
func (t *Tracer) cloneEvent(parent *Tracee, ev int) {
	msg, err := unix.PtraceGetEventMsg(parent.pid)
	if err != nil {
		t.lost(parent, "PTRACE_GETEVENTMSG", err)
		t.resume(parent, 0)
		return
	}
	pid := int(msg)
	var flags uint64
	switch ev {
	case unix.PTRACE_EVENT_VFORK:
		flags = unix.CLONE_VM | unix.CLONE_VFORK
	default:
		flags = t.cloneFlags(parent)
	}
	child := &Tracee{
		pid:     pid,
		tgid:    pid,
		seccomp: parent.seccomp,
		fs:      parent.fs,
		proc:    parent.proc,
		scratch: parent.scratch,
	}
	if flags&unix.CLONE_THREAD != 0 {
		child.tgid = parent.tgid
	} else {
		p := *parent.proc
		child.proc = &p
	}
	if flags&unix.CLONE_FS == 0 {
		f := *parent.fs
		child.fs = &f
	}
	if flags&unix.CLONE_VM != 0 && flags&unix.CLONE_VFORK == 0 {
		// Runs beside its parent in the same memory: needs its own.
		child.scratch = 0
	}
	t.tracees[pid] = child
	if t.early[pid] {
		delete(t.early, pid)
		child.started = true
		t.resume(child, 0)
	}
	t.resume(parent, 0)
}

// cloneFlags reads the flags of the clone(2) or clone3(2) the parent is in.
func (t *Tracer) cloneFlags(parent *Tracee) uint64 {
	var r arch.Regs
	if arch.GetRegs(parent.pid, &r) != nil {
		return 0
	}
	switch r.Sysno() {
	case arch.Nr(syscalls.X8664Native("clone")):
		return r.Arg(0)
	case arch.Nr(syscalls.X8664Native("clone3")):
		var b [8]byte // struct clone_args: flags is its first u64
		if t.readMem(parent.pid, r.Arg(0), b[:]) == nil {
			return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
				uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		}
	}
	return 0
}

// execEvent handles PTRACE_EVENT_EXEC. An exec by a thread other than the
// leader gives the thread the leader's pid (ptrace(2), "execve(2) under
// ptrace"); its state moves there. The new program has a new memory: no
// scratch area.
func (t *Tracer) execEvent(tr *Tracee) {
	if msg, err := unix.PtraceGetEventMsg(tr.pid); err == nil && int(msg) != tr.pid {
		if old := t.tracees[int(msg)]; old != nil {
			delete(t.tracees, int(msg))
			old.pid = tr.pid
			old.tgid = tr.pid
			t.tracees[tr.pid] = old
			tr = old
		}
	}
	tr.scratch = 0
	tr.execed = true
	if t.cfg.Verbose >= 1 {
		fmt.Fprintf(t.cfg.Log, "gproot: [%d] exec %s\n", tr.pid, tr.data.Guest)
	}
	t.resume(tr, 0)
}

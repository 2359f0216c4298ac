package tracer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"path"

	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/arch"
	"github.com/gproot/gproot/syscalls"
)

// errNeedScratch is what Push returns for a tracee with no scratch area:
// enter maps one before any handler runs, so a handler never sees it.
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
	t.stage = t.stage[:0]
	// Without seccomp every syscall has an exit stop anyway.
	tr.inSyscall = !tr.seccomp
	if !tr.seccomp && nr == t.nrSecc && nr >= 0 {
		tr.watchSeccomp = true
	}
	if tr.foreign {
		// gproot does not translate other ABIs yet, and the seccomp
		// filter fails them with ENOSYS: so does the ptrace-only mode.
		tr.row = nil
		tr.regs.SetSysno(-1)
		tr.regs.SetResult(-int64(unix.ENOSYS))
		t.setRegs(tr)
		t.resume(tr, 0)
		return
	}
	if tr.row != nil && tr.row.When&^t.features != 0 {
		tr.row = nil // without seccomp, rows of features off also stop here
	}
	if tr.row == nil {
		t.resume(tr, 0)
		return
	}
	// Faked identities replace some entry handlers, and their exit
	// handlers run only if they ask for an exit stop: the gate frame is
	// chosen as if they would not.
	fake := tr.creds != nil && tr.row.FakeEnter != nil
	tr.exitFn = tr.row.Exit
	if fake {
		tr.exitFn = tr.row.FakeExit
	}
	if tr.scratch == 0 && t.injectMmap(tr) {
		return
	}
	tr.gateFrame = -1
	if tr.slot != 0 {
		k := arch.GateFrames // the region of calls restored at exit
		if (tr.row.Exit == nil || fake) && t.pickFrame(tr) {
			k = tr.frame
			tr.gateFrame = k
		}
		tr.scratch, tr.scratchEnd = arch.GateFrameScratch(tr.slot, k)
	}
	c := &t.call
	c.tr = tr
	var err error
	if fake {
		err = tr.row.FakeEnter(c, tr.row)
	} else {
		err = tr.row.DoEnter(c)
	}
	if err == errNeedScratch {
		panic("tracer: a handler pushed with no scratch area")
	}
	if err != nil {
		errno, ok := err.(unix.Errno)
		if !ok {
			errno = unix.EFAULT
			fmt.Fprintf(t.cfg.Log, "gproot: pid %d: %s: %v\n", tr.pid, sys, err)
		}
		t.restoreArgs(tr)
		c.Skip(-int64(errno))
	}
	switch {
	case tr.skipped:
		// Skipped calls keep the registers the guest passed: nothing to
		// restore at exit. rax holds the result (arch.RegsX8664.SetSysno).
		t.restoreArgs(tr)
		tr.regs.SetSysno(-1)
		t.setRegs(tr)
	case tr.changed == 0 && !tr.sysnoSet:
		if tr.needExit {
			tr.inSyscall = true
		} else {
			tr.exitFn = nil
		}
	case tr.gateFrame >= 0 && !tr.needExit && t.gate(tr):
	default:
		// Rewrite the registers, and restore them at the exit stop.
		if err := t.flushScratch(tr, 0, nil); err != nil {
			// The guest unmapped or protected the scratch area: the call
			// fails rather than run with half-written arguments.
			t.restoreArgs(tr)
			tr.regs.SetSysno(-1)
			tr.regs.SetResult(-int64(unix.EFAULT))
			tr.skipped = true
		} else {
			tr.inSyscall = true
		}
		t.setRegs(tr)
	}
	t.resume(tr, 0)
}

// pickFrame chooses the gate frame of the coming syscall: the last one,
// unless a signal was delivered since, whose handler may have interrupted
// that frame's code before it finished; then one no code is running, by
// their busy bytes. It returns false if every frame is busy.
func (t *Tracer) pickFrame(tr *Tracee) bool {
	if !tr.sigSinceGate {
		return true
	}
	var busy [arch.GateFrames * arch.GateFrameSize]byte
	if err := t.readMem(tr.pid, arch.GateFrameAddr(tr.slot, 0), busy[:]); err != nil {
		return false
	}
	for i := 1; i <= arch.GateFrames; i++ {
		j := (tr.frame + i) % arch.GateFrames
		if busy[j*arch.GateFrameSize+arch.GateFrameBusy] == 0 {
			tr.frame = j
			tr.sigSinceGate = false
			return true
		}
	}
	return false
}

// gate runs the rewritten syscall through the tracee's gate, in one stop:
// it fills the frame pickFrame chose with the syscall, its rewritten
// arguments (pointing into the frame's scratch region), the guest's
// arguments and the return address, skips the syscall and sends the
// tracee to the frame's code (arch.GateCode). It returns false, having
// changed nothing, if it cannot write the frame.
func (t *Tracer) gate(tr *Tracee) bool {
	k := tr.gateFrame
	f := &t.frameBuf
	le := binary.LittleEndian
	le.PutUint64(f[arch.GateFrameNr:], uint64(int64(tr.regs.Sysno())))
	for i := 0; i < 6; i++ {
		le.PutUint64(f[arch.GateFrameNew+8*i:], tr.regs.Arg(i))
	}
	regs := tr.regs
	for i := 0; i < 6; i++ {
		if tr.changed&(1<<i) != 0 {
			regs.SetArg(i, tr.orig[i])
		}
		le.PutUint64(f[arch.GateFrameOrig+8*i:], regs.Arg(i))
	}
	le.PutUint64(f[arch.GateFrameRet:], regs.PC())
	// A successful execve never comes back to clear the busy byte, and a
	// vfork child's execve runs in its parent's slot: leave it clear.
	f[arch.GateFrameBusy] = 1
	if tr.sys == syscalls.SysExecve || tr.sys == syscalls.SysExecveat {
		f[arch.GateFrameBusy] = 0
	}
	if err := t.flushScratch(tr, arch.GateFrameAddr(tr.slot, k), f[:arch.GateFrameBusy+1]); err != nil {
		return false
	}
	tr.changed = 0
	regs.SetSysno(-1)
	regs.SetPC(arch.GateCodeAddr(tr.slot, k))
	tr.regs = regs
	t.setRegs(tr)
	return true
}

// exit handles a syscall-exit stop.
func (t *Tracer) exit(tr *Tracee) {
	tr.inSyscall = false
	switch {
	case tr.watchSeccomp:
		tr.watchSeccomp = false
		if v, err := arch.PeekUser(tr.pid, tr.regs.ResultOffset()); err == nil && v == 0 {
			tr.seccomp = true
		} else if t.cfg.Verbose >= 1 {
			fmt.Fprintf(t.cfg.Log, "gproot: warning: seccomp(2) refused the filter (%v): every syscall stops in the tracer, which is slower\n", unix.Errno(-int64(v)))
		}
	case tr.row == nil || tr.skipped:
	case tr.exitFn != nil || tr.execed:
		if err := arch.GetRegs(tr.pid, &tr.regs); err != nil {
			t.lost(tr, "PTRACE_GETREGS", err)
			return
		}
		execOK := tr.execed && tr.regs.Result() == 0
		if !execOK {
			t.restoreArgs(tr)
		}
		if tr.exitFn != nil {
			c := &t.call
			c.tr = tr
			if err := tr.exitFn(c, tr.row); err != nil {
				fmt.Fprintf(t.cfg.Log, "gproot: pid %d: %s exit: %v\n", tr.pid, tr.sys, err)
			}
		}
		if !execOK {
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
// call runs again and stops again, now with a scratch area. In seccomp
// mode the area is a gate slot, at a fixed place in arch.GateBase's
// region; a slot some thread of the address space mapped before is
// reused without any mmap. It returns false when no injection was needed.
func (t *Tracer) injectMmap(tr *Tracee) bool {
	mm := tr.mm
	tr.mmapAt = 0
	prot := uint64(unix.PROT_READ | unix.PROT_WRITE)
	flags := uint64(unix.MAP_PRIVATE | unix.MAP_ANONYMOUS | unix.MAP_NORESERVE)
	if tr.seccomp && !mm.noGate {
		addr, mapped, ok := mm.freeSlot()
		if !ok {
			mm.noGate = true
		} else if mapped {
			t.useSlot(tr, addr)
			return false
		} else {
			tr.mmapAt = addr
			prot |= unix.PROT_EXEC
			flags |= unix.MAP_FIXED_NOREPLACE
		}
	}
	tr.saved = tr.regs
	r := &tr.regs
	r.SetSysno(t.nrMmap)
	r.SetArg(0, tr.mmapAt)
	r.SetArg(1, arch.GateSlotSize)
	r.SetArg(2, prot)
	r.SetArg(3, flags)
	r.SetArg(4, ^uint64(0))
	r.SetArg(5, 0)
	tr.changed = 0
	tr.inject = injectMmap
	tr.inSyscall = true
	t.setRegs(tr)
	t.resume(tr, 0)
	return true
}

// injected finishes injectMmap at the mmap's exit stop.
func (t *Tracer) injected(tr *Tracee) {
	tr.inject = injectNone
	v, err := arch.PeekUser(tr.pid, tr.regs.ResultOffset())
	if err != nil {
		t.lost(tr, "PTRACE_PEEKUSER", err)
		return
	}
	res := int64(v)
	failed := res < 0 && res > -4096
	switch {
	case tr.mmapAt == 0 && failed:
		// No memory for it: the call fails with ENOMEM rather than
		// running untranslated.
		regs := tr.saved
		regs.SetResult(-int64(unix.ENOMEM))
		tr.regs = regs
		t.setRegs(tr)
		t.resume(tr, 0)
		return
	case tr.mmapAt == 0:
		tr.scratch, tr.scratchEnd = v, v+arch.GateSlotSize
	case failed && unix.Errno(-res) == unix.EEXIST:
		tr.mm.mapped[tr.mmapAt] = false // the guest's: try the next slot
	case failed, v != tr.mmapAt:
		// The kernel cannot map RWX here, or predates
		// MAP_FIXED_NOREPLACE (then v is just somewhere else): no gate
		// in this address space.
		tr.mm.noGate = true
		if !failed {
			tr.scratch, tr.scratchEnd = v, v+arch.GateSlotSize
		}
	default:
		code := make([]byte, arch.GateFrames*arch.GateCodeSize)
		for k := 0; k < arch.GateFrames; k++ {
			copy(code[k*arch.GateCodeSize:], arch.GateCode(k))
		}
		if err := t.writeMem(tr.pid, v, code); err != nil {
			t.lost(tr, "write gate", err)
			return
		}
		tr.mm.mapped[v] = true
		t.useSlot(tr, v)
	}
	if tr.comm != "" && tr.scratch != 0 {
		t.injectComm(tr)
		return
	}
	t.restart(tr, &tr.saved)
}

// injectComm makes the tracee call prctl(PR_SET_NAME, comm) before the
// syscall in saved, which is restarted afterwards: the kernel named the
// process after what gproot executed (the guest's ld.so, or a resolved
// path), not after what the guest asked for, and pgrep, pkill and ps
// read that name.
func (t *Tracer) injectComm(tr *Tracee) {
	addr := tr.scratch
	if tr.slot != 0 {
		addr, _ = arch.GateFrameScratch(tr.slot, arch.GateFrames)
	}
	name := append([]byte(tr.comm), 0)
	tr.comm = ""
	if err := t.writeMem(tr.pid, addr, name); err != nil {
		t.restart(tr, &tr.saved)
		return
	}
	r := tr.saved
	r.SetSysno(t.nrPrctl)
	r.SetArg(0, unix.PR_SET_NAME)
	r.SetArg(1, addr)
	r.SetPC(r.PC() - arch.Host.SyscallInsnSize)
	r.SetResult(int64(t.nrPrctl))
	tr.regs = r
	tr.inject = injectCommEntry
	tr.inSyscall = true
	t.setRegs(tr)
	t.resume(tr, 0)
}

// injectStop handles the syscall stops of gproot's own injected syscalls.
func (t *Tracer) injectStop(tr *Tracee) {
	switch tr.inject {
	case injectMmap:
		t.injected(tr)
	case injectCommEntry:
		tr.inject = injectCommExit
		t.resume(tr, 0)
	default:
		tr.inject = injectNone
		t.restart(tr, &tr.saved)
	}
}

// useSlot gives the tracee the gate slot at addr.
func (t *Tracer) useSlot(tr *Tracee, addr uint64) {
	tr.mm.used[addr] = true
	tr.slot, tr.ownsSlot, tr.frame, tr.sigSinceGate = addr, true, 0, false
	tr.scratch, tr.scratchEnd = addr+arch.GateScratch, addr+arch.GateSlotSize
}

// restart sets the registers to regs with the PC back on the syscall
// instruction and the syscall number where the instruction wants it, so
// that the tracee issues the same syscall again when resumed.
func (t *Tracer) restart(tr *Tracee, regs *arch.Regs) {
	r := *regs
	r.SetPC(r.PC() - arch.Host.SyscallInsnSize)
	r.SetResult(int64(r.Sysno()))
	tr.regs = r
	tr.inSyscall = false
	t.setRegs(tr)
	t.resume(tr, 0)
}

// releaseSlot frees the gate slot of a thread that exits.
func (t *Tracer) releaseSlot(tr *Tracee) {
	if tr.ownsSlot && tr.mm != nil {
		delete(tr.mm.used, tr.slot)
	}
	tr.slot, tr.ownsSlot = 0, false
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
		pid:        pid,
		tgid:       pid,
		seccomp:    parent.seccomp,
		fs:         parent.fs,
		proc:       parent.proc,
		mm:         parent.mm,
		creds:      cloneCreds(parent.creds),
		scratch:    parent.scratch,
		scratchEnd: parent.scratchEnd,
		slot:       parent.slot,
		// A signal handler of the parent may have been in a frame.
		frame:        parent.frame,
		sigSinceGate: true,
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
	switch {
	case flags&unix.CLONE_VM == 0:
		// A copy of the memory: the parent's slot is the child's.
		child.mm = parent.mm.fork(parent.slot)
		child.ownsSlot = parent.slot != 0
	case flags&unix.CLONE_VFORK == 0:
		// Runs beside its parent in the same memory: needs its own.
		child.scratch, child.scratchEnd, child.slot = 0, 0, 0
	}
	// A vfork child borrows its parent's area: the parent waits.
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
	case t.nrClone:
		return r.Arg(0)
	case t.nrClone3:
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
	tr.scratch, tr.scratchEnd, tr.slot, tr.ownsSlot = 0, 0, 0, false
	tr.mm = &mmState{mapped: map[uint64]bool{}, used: map[uint64]bool{}, noGate: t.cfg.NoGate}
	tr.execed = true
	if tr.creds != nil {
		tr.creds.Exec()
	}
	// An exec event without data is the stub's own, when gproot attached
	// to it before its execve was over.
	if tr.data.Guest != "" {
		if t.cfg.Verbose >= 1 {
			fmt.Fprintf(t.cfg.Log, "gproot: [%d] exec %s\n", tr.pid, tr.data.Guest)
		}
		if err := arch.GetRegs(tr.pid, &tr.regs); err != nil {
			t.lost(tr, "PTRACE_GETREGS", err)
			return
		}
		c := &t.call
		c.tr = tr
		syscalls.ExecDone(c)
		// TASK_COMM_LEN is 16 (include/linux/sched.h): 15 bytes and a NUL.
		if want := path.Base(tr.data.Path); want != path.Base(tr.data.Loaded) {
			tr.comm = want[:min(len(want), 15)]
		}
	}
	t.resume(tr, 0)
}

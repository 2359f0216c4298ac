package tracer

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/arch"
	"github.com/gproot/gproot/fakeid"
	"github.com/gproot/gproot/pathfs"
	"github.com/gproot/gproot/syscalls"
)

// Config is what Run needs to start a guest command.
type Config struct {
	View *pathfs.View
	// Cwd is the guest's initial working directory (a guest path).
	Cwd string
	// Path is the guest path of the program; Argv its arguments, Argv[0]
	// included; Env its environment.
	Path string
	Argv []string
	Env  []string
	// Seccomp enables the seccomp acceleration (PROOT_NO_SECCOMP unset).
	Seccomp bool
	// NoGate turns the gate off (GPROOT_NO_GATE): with seccomp, rewritten
	// syscalls then stop at their exit too, to get their arguments back.
	NoGate bool
	// KernelRelease is the release uname(2) reports (-k), "" for the
	// real one.
	KernelRelease string
	// Creds are the credentials the guest starts with (-0, -i), nil to
	// show the real ones; Fake is then what is faked about files.
	Creds *fakeid.Creds
	Fake  *fakeid.Session
	// KillOnExit kills every remaining tracee when the first one exits.
	KillOnExit bool
	// Verbose is proot's -v level; Log receives its messages.
	Verbose int
	Log     io.Writer
}

// Tracer is the state of one run. Its methods run on the tracer thread.
type Tracer struct {
	cfg     *Config
	view    *pathfs.View
	table   *syscalls.Table
	tracees map[int]*Tracee
	// early holds new children that stopped before their parent's
	// fork/clone event was seen.
	early   map[int]bool
	mainPid int
	status  int
	noVM    bool // process_vm_readv/writev unavailable: use PEEK/POKE
	noInfo  bool // PTRACE_GET_SYSCALL_INFO unavailable (Linux < 5.3)
	strBuf  [syscalls.PathMax]byte
	pushBuf []byte
	stage   []byte // scratch bytes Push staged for this stop
	// relBase is the host directory the last relative path was resolved
	// from (the cwd or a dirfd), "" after an absolute one.
	relBase string
	pathBuf []byte
	linkBuf [syscalls.PathMax]byte
	// frameBuf is a gate frame being filled.
	frameBuf [arch.GateFrameSize]byte
	call     call
	links    procLinks
	nrMmap   arch.Nr
	nrSecc   arch.Nr
	nrClone  arch.Nr
	nrClone3 arch.Nr
	nrPrctl  arch.Nr
	// features are the optional rows traced in this run.
	features syscalls.Feature
}

// ptraceOptions are set on the first tracee and inherited by all others.
const ptraceOptions = unix.PTRACE_O_TRACESYSGOOD | unix.PTRACE_O_TRACESECCOMP |
	unix.PTRACE_O_TRACEEXEC | unix.PTRACE_O_TRACECLONE | unix.PTRACE_O_TRACEFORK |
	unix.PTRACE_O_TRACEVFORK | unix.PTRACE_O_EXITKILL

// Run starts the guest command and traces it and all its descendants until
// they have all exited. It returns the exit status of the command as a
// shell reports it (128+N when killed by signal N). Run locks its
// goroutine to its OS thread for good: that thread is the tracer.
func Run(cfg *Config) (int, error) {
	runtime.LockOSThread()
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
	t := &Tracer{
		cfg:     cfg,
		view:    cfg.View,
		table:   syscalls.X8664,
		tracees: make(map[int]*Tracee),
		early:   make(map[int]bool),
		pushBuf: make([]byte, 0, syscalls.PathMax+1),
	}
	t.call.t = t
	t.links.t = t
	t.nrMmap = t.table.Nr(syscalls.SysMmap)
	t.nrSecc = arch.Nr(syscalls.X8664Native("seccomp"))
	t.nrClone = arch.Nr(syscalls.X8664Native("clone"))
	t.nrClone3 = arch.Nr(syscalls.X8664Native("clone3"))
	t.nrPrctl = arch.Nr(syscalls.X8664Native("prctl"))
	if cfg.KernelRelease != "" {
		t.features |= syscalls.FeatKernel
	}
	if cfg.Creds != nil {
		if cfg.Fake == nil {
			return 1, errors.New("tracer: faked credentials without a fakeid.Session")
		}
		t.features |= syscalls.FeatFakeID
	}
	t.view = cfg.View.WithLinks(t.links.hook)

	_, hostCwd, err := t.view.Resolve("/", "/", cfg.Cwd, true)
	if err != nil {
		return 1, fmt.Errorf("working directory %q: %w", cfg.Cwd, err)
	}
	// The start-up pipe's read end is passed at whatever number it got,
	// not moved to fd 3: the guest inherits gproot's own fds unchanged
	// (a make jobserver's, a shell's redirections).
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return 1, fmt.Errorf("start-up pipe: %w", err)
	}
	syncR, syncW := p[0], os.NewFile(uintptr(p[1]), "gproot-sync")
	if _, err := unix.FcntlInt(uintptr(syncR), unix.F_SETFD, 0); err != nil {
		return 1, fmt.Errorf("start-up pipe: %w", err)
	}
	mode := "ptrace"
	switch {
	case cfg.Seccomp && cfg.NoGate:
		mode = "seccomp-nogate"
	case cfg.Seccomp:
		mode = "seccomp"
	}
	cmd := &exec.Cmd{
		Path:        "/proc/self/exe",
		Args:        append([]string{"gproot-stub", cfg.Path}, cfg.Argv...),
		Env:         append(cfg.Env[:len(cfg.Env):len(cfg.Env)], fmt.Sprintf("%s=%s:%d:%d", stubEnv, mode, syncR, t.features)),
		Dir:         hostCwd,
		Stdin:       os.Stdin,
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
		SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	}
	err = cmd.Start()
	unix.Close(syncR)
	if err != nil {
		return 1, fmt.Errorf("start %s: %w", cfg.Path, err)
	}
	pid := cmd.Process.Pid
	defer syncW.Close()
	if err := seize(pid); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return 1, fmt.Errorf("pid %d: %w (is ptrace forbidden here? see /proc/sys/kernel/yama/ptrace_scope)", pid, err)
	}
	// Stop it at once, so that its syscalls are traced from here until
	// its seccomp filter is in place.
	if err := arch.Ptrace(unix.PTRACE_INTERRUPT, pid, 0, 0); err != nil {
		return 1, fmt.Errorf("pid %d: ptrace(PTRACE_INTERRUPT): %w", pid, err)
	}
	t.mainPid = pid
	t.tracees[pid] = &Tracee{
		pid:   pid,
		tgid:  pid,
		fs:    &fsState{root: "/"},
		proc:  &procState{},
		creds: cloneCreds(cfg.Creds),
		mm:    &mmState{mapped: map[uint64]bool{}, used: map[uint64]bool{}, noGate: cfg.NoGate},
	}
	if _, err := syncW.Write([]byte{1}); err != nil {
		return 1, fmt.Errorf("start-up pipe: %w", err)
	}
	syncW.Close()
	t.forwardSignals()
	quietSIGCHLD()
	return t.loop(), nil
}

// quietSIGCHLD gives SIGCHLD back its default action, to be ignored. The
// Go runtime handles every signal, so each tracee stop would otherwise
// interrupt the tracer's wait4 with a SIGCHLD to handle; ignored by
// default, the signal is not even queued. Children still become zombies to
// reap: SIG_DFL is not SIG_IGN (wait(2)).
func quietSIGCHLD() {
	var act struct {
		handler  uintptr
		flags    uint64
		restorer uintptr
		mask     uint64
	} // struct sigaction of rt_sigaction(2); handler SIG_DFL (0)
	unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(unix.SIGCHLD), uintptr(unsafe.Pointer(&act)), 0, 8, 0, 0)
}

func seize(pid int) error {
	if err := arch.Ptrace(unix.PTRACE_SEIZE, pid, 0, ptraceOptions); err != nil {
		return fmt.Errorf("ptrace(PTRACE_SEIZE): %w", err)
	}
	return nil
}

// forwardSignals passes SIGTERM and SIGHUP sent to gproot on to the
// guest's first process. SIGINT and SIGQUIT from a terminal reach the
// guest directly (same process group), so gproot only ignores them.
func (t *Tracer) forwardSignals() {
	signal.Ignore(unix.SIGINT, unix.SIGQUIT)
	ch := make(chan os.Signal, 4)
	signal.Notify(ch, unix.SIGTERM, unix.SIGHUP)
	pid := t.mainPid
	go func() {
		for s := range ch {
			unix.Kill(pid, s.(syscall.Signal))
		}
	}()
}

// loop waits for tracee events until no tracee is left.
func (t *Tracer) loop() int {
	var ws unix.WaitStatus
	for len(t.tracees) > 0 {
		pid, err := unix.Wait4(-1, &ws, unix.WALL, nil)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			if err == unix.ECHILD {
				break
			}
			fmt.Fprintf(t.cfg.Log, "gproot: wait4: %v\n", err)
			break
		}
		t.event(pid, ws)
	}
	return t.status
}

// event handles one wait4 report.
func (t *Tracer) event(pid int, ws unix.WaitStatus) {
	tr := t.tracees[pid]
	if ws.Exited() || ws.Signaled() {
		if tr == nil {
			return
		}
		t.releaseSlot(tr)
		delete(t.tracees, pid)
		if pid == t.mainPid {
			if ws.Exited() {
				t.status = ws.ExitStatus()
			} else {
				t.status = 128 + int(ws.Signal())
			}
			if t.cfg.KillOnExit {
				for p := range t.tracees {
					unix.Kill(p, unix.SIGKILL)
				}
			}
		}
		return
	}
	if !ws.Stopped() {
		return
	}
	if tr == nil {
		// A new child reported before its parent's fork event: keep it
		// stopped until the event says what it shares.
		t.early[pid] = true
		return
	}
	sig := ws.StopSignal()
	ev := int(ws>>16) & 0xff
	switch {
	case sig == unix.SIGTRAP|0x80:
		t.syscallStop(tr)
	case ev == unix.PTRACE_EVENT_SECCOMP:
		t.enter(tr)
	case ev == unix.PTRACE_EVENT_EXEC:
		t.execEvent(tr)
	case ev == unix.PTRACE_EVENT_FORK, ev == unix.PTRACE_EVENT_VFORK, ev == unix.PTRACE_EVENT_CLONE:
		t.cloneEvent(tr, ev)
	case ev == unix.PTRACE_EVENT_STOP:
		if !tr.started {
			tr.started = true
			t.resume(tr, 0)
			return
		}
		switch sig {
		case unix.SIGSTOP, unix.SIGTSTP, unix.SIGTTIN, unix.SIGTTOU:
			// Group-stop: stay stopped, but hear of SIGCONT.
			t.ptrace(unix.PTRACE_LISTEN, tr, 0)
		default:
			t.resume(tr, 0)
		}
	case ev != 0:
		t.resume(tr, 0)
	default:
		// Signal-delivery stop: deliver the signal unchanged. Its handler
		// may interrupt a gate frame.
		tr.sigSinceGate = true
		t.resume(tr, int(sig))
	}
}

// resume restarts a tracee: PTRACE_SYSCALL when its next syscall stop is
// needed, PTRACE_CONT when the seccomp filter will stop it.
func (t *Tracer) resume(tr *Tracee, sig int) {
	req := unix.PTRACE_CONT
	if tr.inSyscall || !tr.seccomp {
		req = unix.PTRACE_SYSCALL
	}
	t.ptrace(req, tr, uintptr(sig))
}

// ptrace sends a restarting request; a tracee that vanished meanwhile
// (ESRCH: killed) is reaped later by wait4.
func (t *Tracer) ptrace(req int, tr *Tracee, data uintptr) {
	if err := arch.Ptrace(req, tr.pid, 0, data); err != nil && err != unix.ESRCH {
		fmt.Fprintf(t.cfg.Log, "gproot: pid %d: ptrace(%d): %v\n", tr.pid, req, err)
	}
}

// syscallStop handles a SIGTRAP|0x80 stop: an exit stop asked for at
// entry, or, without seccomp, any entry or exit.
func (t *Tracer) syscallStop(tr *Tracee) {
	if tr.inject != injectNone {
		t.injectStop(tr)
		return
	}
	if tr.seccomp {
		if tr.inSyscall {
			t.exit(tr)
		} else {
			t.resume(tr, 0)
		}
		return
	}
	entry := !tr.inSyscall
	tr.foreign = false
	if !t.noInfo {
		op, auditArch, err := arch.SyscallInfoOp(tr.pid)
		switch {
		case err == nil:
			entry = op == arch.SyscallInfoEntry
			tr.foreign = entry && auditArch != arch.Host.AuditArch
		case errors.Is(err, unix.EIO), errors.Is(err, unix.EINVAL):
			t.noInfo = true
		}
	}
	if entry {
		tr.inSyscall = false
		t.enter(tr)
	} else {
		t.exit(tr)
	}
}

// cloneCreds copies faked credentials, nil for none.
func cloneCreds(c *fakeid.Creds) *fakeid.Creds {
	if c == nil {
		return nil
	}
	return c.Clone()
}

package tracer

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/fakeid"
	"github.com/gproot/gproot/syscalls"
)

// call implements syscalls.Call and syscalls.Proc for the tracee being
// handled. The tracer has one, reused for every stop.
type call struct {
	t  *Tracer
	tr *Tracee
}

var _ syscalls.Call = (*call)(nil)
var _ syscalls.Proc = (*call)(nil)

func (c *call) Pid() int { return c.tr.pid }

func (c *call) Sysno() syscalls.Sysno { return c.tr.sys }

func (c *call) Creds() *fakeid.Creds { return c.tr.creds }

func (c *call) Fake() *fakeid.Session { return c.t.cfg.Fake }

func (c *call) Arg(i int) uint64 {
	if c.tr.changed&(1<<i) != 0 {
		return c.tr.orig[i]
	}
	return c.tr.regs.Arg(i)
}

func (c *call) SetArg(i int, v uint64) {
	tr := c.tr
	if tr.changed&(1<<i) == 0 {
		tr.orig[i] = tr.regs.Arg(i)
		tr.changed |= 1 << i
	}
	tr.regs.SetArg(i, v)
}

func (c *call) SetSysno(s syscalls.Sysno) {
	c.tr.regs.SetSysno(c.t.table.Nr(s))
	c.tr.sysnoSet = true
}

func (c *call) Result() int64 { return c.tr.regs.Result() }

func (c *call) SetResult(v int64) { c.tr.regs.SetResult(v) }

func (c *call) Skip(result int64) {
	c.tr.skipped = true
	c.tr.regs.SetResult(result)
}

func (c *call) NeedExit() { c.tr.needExit = true }

func (c *call) SP() uint64 { return c.tr.regs.SP() }

func (c *call) ReadString(addr uint64) (string, error) { return c.t.readString(c.tr.pid, addr) }

func (c *call) Read(addr uint64, b []byte) error { return c.t.readMem(c.tr.pid, addr, b) }

func (c *call) Write(addr uint64, b []byte) error { return c.t.writeMem(c.tr.pid, addr, b) }

// Push stages b at the next 16-byte aligned offset of the scratch area;
// flushScratch writes everything staged with one process_vm_writev.
func (c *call) Push(b []byte) (uint64, error) {
	tr, t := c.tr, c.t
	if tr.scratch == 0 {
		return 0, errNeedScratch
	}
	off := (tr.scratchOff + 15) &^ 15
	end := off + uint64(len(b))
	if tr.scratch+end > tr.scratchEnd {
		return 0, unix.E2BIG
	}
	for uint64(len(t.stage)) < off {
		t.stage = append(t.stage, 0)
	}
	t.stage = append(t.stage[:off], b...)
	tr.scratchOff = end
	return tr.scratch + off, nil
}

func (c *call) PushString(s string) (uint64, error) {
	b := append(append(c.t.pushBuf[:0], s...), 0)
	c.t.pushBuf = b[:0]
	return c.Push(b)
}

func (c *call) Resolve(dirfd int32, path string, follow bool) (string, string, error) {
	t, tr := c.t, c.tr
	root := tr.fs.root
	cwd := root
	t.relBase = ""
	if len(path) == 0 || path[0] != '/' {
		var host string
		var err error
		if dirfd == unix.AT_FDCWD {
			host, err = t.procLink(tr.pid, "cwd", -1)
		} else {
			host, err = t.procLink(tr.pid, "fd", int(dirfd))
			if err != nil {
				return "", "", unix.EBADF
			}
			if len(host) == 0 || host[0] != '/' {
				return "", "", unix.ENOTDIR
			}
		}
		if err != nil {
			return "", "", err
		}
		t.relBase = host
		g, ok := t.view.HostToGuest(host)
		if !ok {
			// The directory is outside the guest's view (a cwd inherited
			// from the host): the guest sees it as its root.
			g = root
		}
		cwd = g
	}
	t.links.tr = tr
	guest, host, err := t.view.Resolve(root, cwd, path, follow)
	t.links.tr = nil
	if t.cfg.Verbose >= 2 && tr.proc.exe != "" { // not the stub's own calls
		if err != nil {
			fmt.Fprintf(t.cfg.Log, "gproot: [%d] %s(%q): %v\n", tr.pid, tr.sys, path, err)
		} else {
			fmt.Fprintf(t.cfg.Log, "gproot: [%d] %s(%q) -> %s\n", tr.pid, tr.sys, path, host)
		}
	}
	return guest, host, err
}

func (c *call) Unchanged(path, host string) bool {
	if path == host {
		return true
	}
	base := c.t.relBase
	if base == "" || path == "" || path[0] == '/' {
		return false
	}
	rest, ok := strings.CutPrefix(host, base)
	if ok && base != "/" {
		rest, ok = strings.CutPrefix(rest, "/")
	}
	return ok && rest == path
}

// procLink reads /proc/PID/NAME or, with fd >= 0, /proc/PID/fd/FD.
func (t *Tracer) procLink(pid int, name string, fd int) (string, error) {
	b := append(t.pathBuf[:0], "/proc/"...)
	b = strconv.AppendInt(b, int64(pid), 10)
	b = append(b, '/')
	b = append(b, name...)
	if fd >= 0 {
		b = append(b, '/')
		b = strconv.AppendInt(b, int64(fd), 10)
	}
	t.pathBuf = b
	n, err := unix.Readlink(string(b), t.linkBuf[:])
	if err != nil {
		return "", err
	}
	return string(t.linkBuf[:n]), nil
}

func (c *call) HostToGuest(host string) (string, bool) {
	g, ok := c.t.view.HostToGuest(host)
	if !ok {
		return "", false
	}
	return syscalls.Visible(c.tr.fs.root, g), true
}

func (c *call) FdHost(fd int32) (string, error) {
	h, err := c.t.procLink(c.tr.pid, "fd", int(fd))
	if err != nil {
		return "", unix.EBADF
	}
	return h, nil
}

func (c *call) FdPath(fd int32) string {
	b := append(c.t.pathBuf[:0], "/proc/"...)
	b = strconv.AppendInt(b, int64(c.tr.pid), 10)
	if fd == unix.AT_FDCWD {
		b = append(b, "/cwd"...)
	} else {
		b = append(b, "/fd/"...)
		b = strconv.AppendInt(b, int64(fd), 10)
	}
	c.t.pathBuf = b
	return string(b)
}

func (c *call) Data() *syscalls.Data { return &c.tr.data }

func (c *call) Proc() syscalls.Proc { return c }

func (c *call) Root() string { return c.tr.fs.root }

func (c *call) SetRoot(guest string) { c.tr.fs.root = guest }

func (c *call) SetExe(guest string) { c.tr.proc.exe = guest }

func (c *call) Privileged() bool {
	if c.tr.creds != nil {
		return c.tr.creds.Has(fakeid.CapSysChroot)
	}
	return os.Geteuid() == 0
}

func (c *call) KernelRelease() string { return c.t.cfg.KernelRelease }

func (c *call) ExeOf(pid int) (string, bool) {
	tr := c.t.tracees[pid]
	if tr == nil {
		return "", false
	}
	return tr.proc.exe, true
}

package tracer

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

const pageSize = 4096

// readMem fills b from the tracee's memory at addr with process_vm_readv,
// falling back to PTRACE_PEEKDATA where that is not allowed (tracer
// thread).
func (t *Tracer) readMem(pid int, addr uint64, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if !t.noVM {
		local := unix.Iovec{Base: &b[0], Len: uint64(len(b))}
		remote := unix.RemoteIovec{Base: uintptr(addr), Len: len(b)}
		n, _, e := unix.RawSyscall6(unix.SYS_PROCESS_VM_READV, uintptr(pid),
			uintptr(unsafe.Pointer(&local)), 1, uintptr(unsafe.Pointer(&remote)), 1, 0)
		if e == 0 {
			if int(n) == len(b) {
				return nil
			}
			return unix.EFAULT
		}
		if e != unix.ENOSYS && e != unix.EPERM {
			return e
		}
		t.noVM = true
	}
	var w [8]byte
	for off := 0; off < len(b); off += 8 {
		if _, err := unix.PtracePeekData(pid, uintptr(addr)+uintptr(off), w[:]); err != nil {
			return err
		}
		copy(b[off:], w[:])
	}
	return nil
}

// writeMem copies b into the tracee's memory at addr (tracer thread).
func (t *Tracer) writeMem(pid int, addr uint64, b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if !t.noVM {
		local := unix.Iovec{Base: &b[0], Len: uint64(len(b))}
		remote := unix.RemoteIovec{Base: uintptr(addr), Len: len(b)}
		n, _, e := unix.RawSyscall6(unix.SYS_PROCESS_VM_WRITEV, uintptr(pid),
			uintptr(unsafe.Pointer(&local)), 1, uintptr(unsafe.Pointer(&remote)), 1, 0)
		if e == 0 {
			if int(n) == len(b) {
				return nil
			}
			return unix.EFAULT
		}
		if e != unix.ENOSYS && e != unix.EPERM {
			return e
		}
		t.noVM = true
	}
	// POKEDATA writes whole words: merge the edges with what is there.
	for off := 0; off < len(b); off += 8 {
		var w [8]byte
		n := copy(w[:], b[off:])
		if n < 8 {
			if _, err := unix.PtracePeekData(pid, uintptr(addr)+uintptr(off), w[:]); err != nil {
				return err
			}
			copy(w[:], b[off:])
		}
		if _, err := unix.PtracePokeData(pid, uintptr(addr)+uintptr(off), w[:]); err != nil {
			return err
		}
	}
	return nil
}

// readString reads a NUL-terminated string of at most PATH_MAX bytes, in
// reads that never cross a page boundary: the string may end just before
// an unmapped page (tracer thread).
func (t *Tracer) readString(pid int, addr uint64) (string, error) {
	buf := t.strBuf[:0]
	for len(buf) < len(t.strBuf) {
		n := pageSize - int(addr%pageSize)
		if n > len(t.strBuf)-len(buf) {
			n = len(t.strBuf) - len(buf)
		}
		chunk := t.strBuf[len(buf) : len(buf)+n]
		if err := t.readMem(pid, addr, chunk); err != nil {
			return "", unix.EFAULT
		}
		for i, c := range chunk {
			if c == 0 {
				return string(t.strBuf[:len(buf)+i]), nil
			}
		}
		buf = t.strBuf[:len(buf)+n]
		addr += uint64(n)
	}
	return "", unix.ENAMETOOLONG
}

// flushScratch writes what Push staged into the tracee's scratch area, and
// extra at addr (a gate frame) if not nil, with one process_vm_writev
// (tracer thread).
func (t *Tracer) flushScratch(tr *Tracee, addr uint64, extra []byte) error {
	n := len(t.stage)
	if n == 0 && extra == nil {
		return nil
	}
	if t.noVM {
		if err := t.writeMem(tr.pid, tr.scratch, t.stage); err != nil {
			return err
		}
		return t.writeMem(tr.pid, addr, extra)
	}
	buf := append(t.stage, extra...)
	t.stage = buf[:0]
	var remote [2]unix.RemoteIovec
	cnt := 0
	if n > 0 {
		remote[cnt] = unix.RemoteIovec{Base: uintptr(tr.scratch), Len: n}
		cnt++
	}
	if extra != nil {
		remote[cnt] = unix.RemoteIovec{Base: uintptr(addr), Len: len(extra)}
		cnt++
	}
	local := unix.Iovec{Base: &buf[0], Len: uint64(len(buf))}
	w, _, e := unix.RawSyscall6(unix.SYS_PROCESS_VM_WRITEV, uintptr(tr.pid),
		uintptr(unsafe.Pointer(&local)), 1, uintptr(unsafe.Pointer(&remote[0])), uintptr(cnt), 0)
	if e != 0 {
		if e == unix.ENOSYS || e == unix.EPERM {
			t.noVM = true
			if err := t.writeMem(tr.pid, tr.scratch, buf[:n]); err != nil {
				return err
			}
			return t.writeMem(tr.pid, addr, extra)
		}
		return e
	}
	if int(w) != len(buf) {
		return unix.EFAULT
	}
	return nil
}

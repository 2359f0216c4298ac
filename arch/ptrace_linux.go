package arch

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// ptrace calls ptrace(2) without entering the Go scheduler: these requests
// never block, and the tracer's hot loop makes several per stop.
func ptrace(req int, pid int, addr, data uintptr) error {
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, uintptr(req), uintptr(pid), addr, data, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// PokeUser writes one word of the tracee's user area (a register) with
// PTRACE_POKEUSER. It must run on the tracer thread.
func PokeUser(pid int, off uintptr, v uint64) error {
	return ptrace(unix.PTRACE_POKEUSR, pid, off, uintptr(v))
}

// PeekUser reads one word of the tracee's user area with PTRACE_PEEKUSER.
// It must run on the tracer thread.
func PeekUser(pid int, off uintptr) (uint64, error) {
	var v uint64
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_PEEKUSR, uintptr(pid), off, uintptrOf(&v), 0, 0)
	if e != 0 {
		return 0, e
	}
	return v, nil
}

// Ptrace makes a ptrace(2) request that returns no data. It must run on
// the tracer thread.
func Ptrace(req int, pid int, addr, data uintptr) error { return ptrace(req, pid, addr, data) }

// Ops of struct ptrace_syscall_info (include/uapi/linux/ptrace.h).
const (
	SyscallInfoNone    = 0
	SyscallInfoEntry   = 1
	SyscallInfoExit    = 2
	SyscallInfoSeccomp = 3
)

// SyscallInfoOp returns the op of PTRACE_GET_SYSCALL_INFO (Linux 5.3+),
// whether a syscall stop is an entry or an exit, and the audit
// architecture of the syscall. It must run on the tracer thread.
func SyscallInfoOp(pid int) (op uint8, auditArch uint32, err error) {
	var info [88]byte // struct ptrace_syscall_info: op u8, pad, arch u32, ...
	_, _, e := unix.RawSyscall6(unix.SYS_PTRACE, unix.PTRACE_GET_SYSCALL_INFO, uintptr(pid),
		uintptr(len(info)), uintptr(unsafe.Pointer(&info[0])), 0, 0)
	if e != 0 {
		return 0, 0, e
	}
	return info[0], uint32(info[4]) | uint32(info[5])<<8 | uint32(info[6])<<16 | uint32(info[7])<<24, nil
}

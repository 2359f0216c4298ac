package tracer

import (
	"fmt"
	"sort"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/arch"
	"github.com/gproot/gproot/syscalls"
)

// x32SyscallBit marks the x32 ABI's syscalls on x86_64
// (arch/x86/include/uapi/asm/unistd.h, __X32_SYSCALL_BIT).
const x32SyscallBit = 0x40000000

// Filter returns the BPF program the stub loads (seccomp(2), struct
// seccomp_data: nr at 0, arch at 4, instruction_pointer at 8):
//   - another audit architecture (an i386 "int $0x80" on x86_64) and x32
//     syscalls: ENOSYS, since gproot does not translate them yet, and
//     they must not run untranslated;
//   - a syscall with a row in syscalls.Rows (those of features only if on):
//     TRACE, unless it comes from a
//     gate (arch.GateBase), which runs syscalls the tracer already
//     translated;
//   - every other syscall: ALLOW, decided from the number alone, so the
//     kernel's seccomp action cache (Linux 5.11+) lets them run without
//     even running the filter.
//
// go-seccomp-bpf's Policy cannot test the instruction pointer, so the
// program is written here; its kernel syscall tables still name the calls.
//
// Without gate (GPROOT_NO_GATE), traced syscalls skip the instruction
// pointer test: none is let through.
func Filter(a *arch.Info, t *syscalls.Table, gate bool, on syscalls.Feature) ([]bpf.Instruction, error) {
	var nrs []uint32
	for _, s := range syscalls.TracedWith(on) {
		if nr := t.Nr(s); nr >= 0 {
			nrs = append(nrs, uint32(nr))
		}
	}
	sort.Slice(nrs, func(i, j int) bool { return nrs[i] < nrs[j] })
	n := len(nrs)
	// Layout: 0 ld arch; 1 jeq arch; 2 ld nr; 3 jge x32; 4..4+n-1 jeq nr;
	// 4+n ret ALLOW; checkIP: 5+n ld ip_hi; 6+n jeq gate; trace: 7+n ret
	// TRACE; 8+n ret ALLOW; enosys: 9+n ret ERRNO.
	checkIP, trace, allow, enosys := 5+n, 7+n, 8+n, 9+n
	if enosys > 255 {
		return nil, fmt.Errorf("seccomp filter: %d traced syscalls is too many for its jumps", n)
	}
	skip := func(from, to int) uint8 { return uint8(to - from - 1) }
	traced := checkIP
	if !gate {
		traced = trace
	}
	prog := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: a.AuditArch, SkipFalse: skip(1, enosys)},
		bpf.LoadAbsolute{Off: 0, Size: 4},
		bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: x32SyscallBit, SkipTrue: skip(3, enosys)},
	}
	for i, nr := range nrs {
		prog = append(prog, bpf.JumpIf{Cond: bpf.JumpEqual, Val: nr, SkipTrue: skip(4+i, traced)})
	}
	prog = append(prog,
		bpf.RetConstant{Val: unix.SECCOMP_RET_ALLOW},
		bpf.LoadAbsolute{Off: 12, Size: 4}, // instruction_pointer >> 32 (little endian)
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: uint32(arch.GateBase >> 32), SkipTrue: skip(6+n, allow)},
		bpf.RetConstant{Val: unix.SECCOMP_RET_TRACE},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ALLOW},
		bpf.RetConstant{Val: unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
	)
	return prog, nil
}

// loadFilter installs prog on the calling thread only: no TSYNC, since
// the Go runtime's other threads would be killed by it, and only this
// thread executes the guest. no_new_privs must be set before.
func loadFilter(prog []bpf.Instruction) error {
	raw, err := bpf.Assemble(prog)
	if err != nil {
		return fmt.Errorf("assemble seccomp filter: %w", err)
	}
	filter := make([]unix.SockFilter, len(raw))
	for i, ins := range raw {
		filter[i] = unix.SockFilter{Code: ins.Op, Jt: ins.Jt, Jf: ins.Jf, K: ins.K}
	}
	fprog := unix.SockFprog{Len: uint16(len(filter)), Filter: &filter[0]}
	_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, 0, uintptr(unsafe.Pointer(&fprog)))
	if e != 0 {
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER): %w", e)
	}
	return nil
}

package tracer

import (
	"fmt"
	"unsafe"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/arch"
	"github.com/gproot/gproot/syscalls"
)

// Filter returns the BPF program that the stub loads: SECCOMP_RET_TRACE
// for every syscall that has a row in syscalls.Rows, SECCOMP_RET_ALLOW for
// all others, which then run with no stop at all. A syscall of another
// audit architecture (an i386 "int $0x80" on x86_64) is traced too:
// go-seccomp-bpf would allow it untranslated.
func Filter(a *arch.Info, t *syscalls.Table) ([]bpf.Instruction, error) {
	var names []string
	for _, s := range syscalls.Traced() {
		if t.Nr(s) >= 0 {
			names = append(names, s.String())
		}
	}
	policy := seccomp.Policy{
		DefaultAction: seccomp.ActionAllow,
		Syscalls: []seccomp.SyscallGroup{
			{Names: names, Action: seccomp.ActionTrace},
		},
	}
	prog, err := policy.Assemble()
	if err != nil {
		return nil, fmt.Errorf("assemble seccomp policy: %w", err)
	}
	head := []bpf.Instruction{
		bpf.LoadAbsolute{Off: 4, Size: 4}, // seccomp_data.arch
		bpf.JumpIf{Cond: bpf.JumpEqual, Val: a.AuditArch, SkipTrue: 1},
		bpf.RetConstant{Val: unix.SECCOMP_RET_TRACE},
	}
	return append(head, prog...), nil
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

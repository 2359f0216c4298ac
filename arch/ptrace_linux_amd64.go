package arch

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// Host is the ABI of the architecture gproot was built for.
var Host = X8664

// Regs is the register set of the host architecture.
type Regs = RegsX8664

// GetRegs reads the tracee's registers with PTRACE_GETREGS.
// It must run on the tracer thread.
func GetRegs(pid int, r *Regs) error {
	return ptrace(unix.PTRACE_GETREGS, pid, 0, uintptr(unsafe.Pointer(r)))
}

// SetRegs writes the tracee's registers with PTRACE_SETREGS.
// It must run on the tracer thread.
func SetRegs(pid int, r *Regs) error {
	return ptrace(unix.PTRACE_SETREGS, pid, 0, uintptr(unsafe.Pointer(r)))
}

package arch

// Nr is a native syscall number of one architecture. It is a distinct type
// from syscalls.Sysno, the architecture-neutral number, so that the two are
// never mixed up.
type Nr int

// Info is what the tracer needs to know of one architecture's syscall ABI.
type Info struct {
	Name      string // Linux's name, as in syscall tables: "x86_64", "arm"
	AuditArch uint32 // AUDIT_ARCH_* (include/uapi/linux/audit.h), as seen by seccomp
	// SyscallInsnSize is the length of the syscall instruction, by which
	// the PC is moved back to run a syscall again.
	SyscallInsnSize uint64
	// RedZone is the number of bytes below SP that leaf functions may use
	// without moving SP (System V AMD64 ABI §3.2.2: 128).
	RedZone uint64
}

// X8664 is the x86_64 (amd64) ABI.
var X8664 = &Info{
	Name:            "x86_64",
	AuditArch:       0xc000003e, // AUDIT_ARCH_X86_64
	SyscallInsnSize: 2,          // syscall: 0f 05
	RedZone:         128,
}

package tracer

import (
	"encoding/binary"
	"testing"

	seccomparch "github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/arch"
	"github.com/gproot/gproot/syscalls"
)

// seccompData is struct seccomp_data (include/uapi/linux/seccomp.h).
type seccompData struct {
	Nr                 int32
	Arch               uint32
	InstructionPointer uint64
	Args               [6]uint64
}

// auditArchI386 is AUDIT_ARCH_I386 (include/uapi/linux/audit.h): an
// "int $0x80" syscall of a 32-bit program on x86_64.
const auditArchI386 = 0x40000003

// x32Bit is __X32_SYSCALL_BIT (arch/x86/include/uapi/asm/unistd.h).
const x32Bit = 0x40000000

// encode lays out seccomp_data for x/net/bpf's VM. The kernel fills it in
// native (little-endian) order and its BPF loads 32-bit words in native
// order; the VM loads them big-endian (golang/go#20556). So each 32-bit
// word is written big-endian, and each 64-bit field as two such words,
// low word first, as it lies in the kernel's memory: then every
// LoadAbsolute{Size: 4} of the filter reads the value the kernel's would,
// offset 8 the low and offset 12 the high half of instruction_pointer.
// (go-seccomp-bpf's filter_test.go writes the whole struct big-endian,
// which puts the halves of the 64-bit fields the other way round.)
func encode(d seccompData) []byte {
	b := make([]byte, 0, 64)
	b = binary.BigEndian.AppendUint32(b, uint32(d.Nr))
	b = binary.BigEndian.AppendUint32(b, d.Arch)
	for _, v := range append([]uint64{d.InstructionPointer}, d.Args[:]...) {
		b = binary.BigEndian.AppendUint32(b, uint32(v))
		b = binary.BigEndian.AppendUint32(b, uint32(v>>32))
	}
	return b
}

// runFilter runs the filter in x/net/bpf's VM over d.
func runFilter(t *testing.T, vm *bpf.VM, d seccompData) uint32 {
	t.Helper()
	ret, err := vm.Run(encode(d))
	if err != nil {
		t.Fatalf("bpf VM: %v", err)
	}
	return uint32(ret)
}

func filterVM(t *testing.T) *bpf.VM { return filterVMGate(t, true) }

func filterVMGate(t *testing.T, gate bool) *bpf.VM {
	t.Helper()
	prog, err := Filter(arch.X8664, syscalls.X8664, gate, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) > 4096 { // BPF_MAXINSNS, include/uapi/linux/bpf_common.h
		t.Fatalf("filter has %d instructions, the kernel takes at most 4096", len(prog))
	}
	if _, err := bpf.Assemble(prog); err != nil {
		t.Fatalf("filter does not assemble: %v", err)
	}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatal(err)
	}
	return vm
}

func retName(r uint32) string {
	switch r & unix.SECCOMP_RET_ACTION_FULL {
	case unix.SECCOMP_RET_ALLOW:
		return "ALLOW"
	case unix.SECCOMP_RET_TRACE:
		return "TRACE"
	case unix.SECCOMP_RET_ERRNO:
		return "ERRNO"
	case unix.SECCOMP_RET_KILL_PROCESS:
		return "KILL_PROCESS"
	case unix.SECCOMP_RET_KILL_THREAD:
		return "KILL_THREAD"
	case unix.SECCOMP_RET_TRAP:
		return "TRAP"
	}
	return "?"
}

// TestFilterTracedSyscalls checks that every syscall with a row stops in
// the tracer, whatever its arguments.
func TestFilterTracedSyscalls(t *testing.T) {
	vm := filterVM(t)
	for _, s := range syscalls.Traced() {
		nr := syscalls.X8664.Nr(s)
		if nr < 0 {
			continue
		}
		t.Run(s.String(), func(t *testing.T) {
			for _, args := range [][6]uint64{{}, {^uint64(0), 1, 2, 3, 4, 5}} {
				d := seccompData{Nr: int32(nr), Arch: arch.X8664.AuditArch, InstructionPointer: 0x401000, Args: args}
				if got := runFilter(t, vm, d); got != unix.SECCOMP_RET_TRACE {
					t.Errorf("nr %d args %x: %#x (%s), want SECCOMP_RET_TRACE", nr, args, got, retName(got))
				}
			}
		})
	}
}

// TestFilterAllowed checks that the syscalls gproot does not handle run
// without a stop: a sample by name, then every other x86_64 syscall.
func TestFilterAllowed(t *testing.T) {
	vm := filterVM(t)
	for _, tc := range []struct {
		name string
		nr   int
	}{
		{"getpid", unix.SYS_GETPID},
		{"read", unix.SYS_READ},
		{"write", unix.SYS_WRITE},
		{"mmap", unix.SYS_MMAP},
		{"fstat", unix.SYS_FSTAT},
		{"close", unix.SYS_CLOSE},
		{"clone", unix.SYS_CLONE},
		{"exit_group", unix.SYS_EXIT_GROUP},
		{"unknown number 1000", 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := seccompData{Nr: int32(tc.nr), Arch: arch.X8664.AuditArch}
			if got := runFilter(t, vm, d); got != unix.SECCOMP_RET_ALLOW {
				t.Errorf("nr %d: %#x (%s), want SECCOMP_RET_ALLOW", tc.nr, got, retName(got))
			}
		})
	}
	t.Run("every-untraced-x86_64-syscall", func(t *testing.T) {
		traced := map[int]bool{}
		for _, s := range syscalls.Traced() {
			traced[int(syscalls.X8664.Nr(s))] = true
		}
		n := 0
		for name, nr := range seccomparch.X86_64.SyscallNames {
			if traced[nr] {
				continue
			}
			n++
			d := seccompData{Nr: int32(nr), Arch: arch.X8664.AuditArch}
			if got := runFilter(t, vm, d); got != unix.SECCOMP_RET_ALLOW {
				t.Errorf("%s (%d): %#x (%s), want SECCOMP_RET_ALLOW", name, nr, got, retName(got))
			}
		}
		if n < 200 {
			t.Errorf("only %d untraced syscalls checked: is the x86_64 table complete?", n)
		}
	})
}

// TestFilterOtherABIs checks the syscalls that do not use the x86_64
// ABI: i386 and x32 ones fail with ENOSYS rather than run untranslated.
func TestFilterOtherABIs(t *testing.T) {
	vm := filterVM(t)
	for _, tc := range []struct {
		name string
		d    seccompData
		want uint32
	}{
		{"i386 open", seccompData{Nr: 5, Arch: auditArchI386}, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{"i386 getpid", seccompData{Nr: 20, Arch: auditArchI386}, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{"unknown audit arch", seccompData{Nr: unix.SYS_GETPID, Arch: 0xdeadbeef}, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{"x32 open", seccompData{Nr: x32Bit | 2, Arch: arch.X8664.AuditArch}, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{"x32 execve", seccompData{Nr: x32Bit | 520, Arch: arch.X8664.AuditArch}, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{"x32 getpid", seccompData{Nr: x32Bit | 39, Arch: arch.X8664.AuditArch}, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{"syscall -1", seccompData{Nr: -1, Arch: arch.X8664.AuditArch}, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := runFilter(t, vm, tc.d); got != tc.want {
				t.Errorf("%+v: %#x (%s), want %#x (%s)", tc.d, got, retName(got), tc.want, retName(tc.want))
			}
		})
	}
}

// TestFilterGate checks the instruction-pointer test: a traced syscall
// issued from the gate region (arch.GateBase, arch.GateRegion bytes) has
// already been translated and runs; from anywhere else it stops.
func TestFilterGate(t *testing.T) {
	vm := filterVM(t)
	openat := int32(syscalls.X8664.Nr(syscalls.SysOpenat))
	gateSyscall := arch.GateCodeAddr(arch.GateBase, 0) + arch.GateSyscallOffset + 2 // PC after the syscall insn
	for _, tc := range []struct {
		name string
		d    seccompData
		want uint32
	}{
		{"openat from the gate code", seccompData{Nr: openat, Arch: arch.X8664.AuditArch, InstructionPointer: gateSyscall}, unix.SECCOMP_RET_ALLOW},
		{"openat from the last slot", seccompData{Nr: openat, Arch: arch.X8664.AuditArch, InstructionPointer: arch.GateBase + arch.GateRegion - arch.GateSlotSize + 0x40}, unix.SECCOMP_RET_ALLOW},
		{"openat at the region start", seccompData{Nr: openat, Arch: arch.X8664.AuditArch, InstructionPointer: arch.GateBase}, unix.SECCOMP_RET_ALLOW},
		{"openat at the region's last byte", seccompData{Nr: openat, Arch: arch.X8664.AuditArch, InstructionPointer: arch.GateBase + arch.GateRegion - 1}, unix.SECCOMP_RET_ALLOW},
		{"openat just below the region", seccompData{Nr: openat, Arch: arch.X8664.AuditArch, InstructionPointer: arch.GateBase - 1}, unix.SECCOMP_RET_TRACE},
		{"openat just above the region", seccompData{Nr: openat, Arch: arch.X8664.AuditArch, InstructionPointer: arch.GateBase + arch.GateRegion}, unix.SECCOMP_RET_TRACE},
		{"openat from libc", seccompData{Nr: openat, Arch: arch.X8664.AuditArch, InstructionPointer: 0x7f1234567890}, unix.SECCOMP_RET_TRACE},
		{
			// The gate's high word as the LOW half of the PC: a filter
			// that loaded the wrong half would let this through.
			"openat whose low PC word is the gate's high word",
			seccompData{Nr: openat, Arch: arch.X8664.AuditArch, InstructionPointer: 0x7f00_0000_0000 | arch.GateBase>>32},
			unix.SECCOMP_RET_TRACE,
		},
		{"getpid from the gate", seccompData{Nr: unix.SYS_GETPID, Arch: arch.X8664.AuditArch, InstructionPointer: gateSyscall}, unix.SECCOMP_RET_ALLOW},
		{"i386 from the gate region", seccompData{Nr: 5, Arch: auditArchI386, InstructionPointer: gateSyscall}, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
		{"x32 from the gate region", seccompData{Nr: x32Bit | 257, Arch: arch.X8664.AuditArch, InstructionPointer: gateSyscall}, unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := runFilter(t, vm, tc.d); got != tc.want {
				t.Errorf("nr %d arch %#x ip %#x: %#x (%s), want %#x (%s)",
					tc.d.Nr, tc.d.Arch, tc.d.InstructionPointer, got, retName(got), tc.want, retName(tc.want))
			}
		})
	}
}

// TestEncodeSeccompData checks the test's own encoding: 64 bytes, and
// the 32-bit words where the kernel's struct seccomp_data has them.
func TestEncodeSeccompData(t *testing.T) {
	b := encode(seccompData{Nr: 1, Arch: 2, InstructionPointer: 0x0000000400000003, Args: [6]uint64{0x0000000600000005}})
	if len(b) != 64 {
		t.Fatalf("%d bytes, want 64", len(b))
	}
	for i, want := range []uint32{1, 2, 3, 4, 5, 6} {
		if got := binary.BigEndian.Uint32(b[4*i:]); got != want {
			t.Errorf("word at offset %d = %d, want %d", 4*i, got, want)
		}
	}
}

// TestFilterNoGate checks that without the gate (GPROOT_NO_GATE) no
// instruction pointer lets a traced syscall through.
func TestFilterNoGate(t *testing.T) {
	vm := filterVMGate(t, false)
	openat := int32(syscalls.X8664.Nr(syscalls.SysOpenat))
	for _, ip := range []uint64{arch.GateBase, arch.GateBase + 0x1000, 0xffffffff_00000000, 0x401000} {
		d := seccompData{Nr: openat, Arch: arch.X8664.AuditArch, InstructionPointer: ip}
		if got := runFilter(t, vm, d); got != unix.SECCOMP_RET_TRACE {
			t.Errorf("ip %#x: %#x (%s), want SECCOMP_RET_TRACE", ip, got, retName(got))
		}
	}
}

package arch

// RegsX8664 is struct user_regs_struct of x86_64
// (arch/x86/include/asm/user_64.h), as PTRACE_GETREGS fills it.
type RegsX8664 struct {
	R15, R14, R13, R12, Rbp, Rbx, R11, R10, R9, R8  uint64
	Rax, Rcx, Rdx, Rsi, Rdi, OrigRax, Rip, Cs       uint64
	Eflags, Rsp, Ss, FsBase, GsBase, Ds, Es, Fs, Gs uint64
}

// Word indices in RegsX8664, used as PTRACE_PEEKUSER/POKEUSER offsets
// (index * 8).
const (
	x8664Rax     = 10
	x8664Rdi     = 14
	x8664Rsi     = 13
	x8664Rdx     = 12
	x8664R10     = 7
	x8664R8      = 9
	x8664R9      = 8
	x8664OrigRax = 15
)

// x8664ArgWords lists the argument registers of the x86_64 syscall ABI:
// rdi, rsi, rdx, r10, r8, r9 (syscall(2), "Architecture calling
// conventions").
var x8664ArgWords = [6]int{x8664Rdi, x8664Rsi, x8664Rdx, x8664R10, x8664R8, x8664R9}

// Sysno returns the syscall number. On x86_64 the kernel keeps it in
// orig_rax; rax holds -ENOSYS at the entry stop and the result at exit
// (arch/x86/entry/common.c).
func (r *RegsX8664) Sysno() Nr { return Nr(int64(r.OrigRax)) }

// SetSysno changes the syscall that will run. -1 skips the call and leaves
// rax, the result, as it is (arch/x86/entry/common.c, do_syscall_64).
func (r *RegsX8664) SetSysno(n Nr) { r.OrigRax = uint64(int64(n)) }

// Arg returns argument i (0 to 5).
func (r *RegsX8664) Arg(i int) uint64 { return *r.word(x8664ArgWords[i]) }

// SetArg sets argument i (0 to 5).
func (r *RegsX8664) SetArg(i int, v uint64) { *r.word(x8664ArgWords[i]) = v }

// Result returns the syscall result (rax): -errno on failure.
func (r *RegsX8664) Result() int64 { return int64(r.Rax) }

// SetResult sets the syscall result.
func (r *RegsX8664) SetResult(v int64) { r.Rax = uint64(v) }

// SP returns the stack pointer.
func (r *RegsX8664) SP() uint64 { return r.Rsp }

// PC returns the program counter.
func (r *RegsX8664) PC() uint64 { return r.Rip }

// SetPC sets the program counter.
func (r *RegsX8664) SetPC(v uint64) { r.Rip = v }

func (r *RegsX8664) word(i int) *uint64 {
	switch i {
	case x8664Rax:
		return &r.Rax
	case x8664Rdi:
		return &r.Rdi
	case x8664Rsi:
		return &r.Rsi
	case x8664Rdx:
		return &r.Rdx
	case x8664R10:
		return &r.R10
	case x8664R8:
		return &r.R8
	case x8664R9:
		return &r.R9
	case x8664OrigRax:
		return &r.OrigRax
	}
	panic("arch: no such x86_64 register word")
}

// ArgOffset returns the PTRACE_POKEUSER offset of argument i, so that one
// register can be restored without a GETREGS/SETREGS pair.
func (r *RegsX8664) ArgOffset(i int) uintptr { return uintptr(x8664ArgWords[i] * 8) }

// ResultOffset returns the PTRACE_PEEKUSER/POKEUSER offset of the result.
func (r *RegsX8664) ResultOffset() uintptr { return x8664Rax * 8 }

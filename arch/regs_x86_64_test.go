package arch

import (
	"reflect"
	"testing"
	"unsafe"
)

// fillRegs gives every word of r a distinct value: word i is 0x1000+i.
func fillRegs(r *RegsX8664) {
	v := reflect.ValueOf(r).Elem()
	for i := 0; i < v.NumField(); i++ {
		v.Field(i).SetUint(0x1000 + uint64(i))
	}
}

// changedWords returns the names of the words that differ between a and b.
func changedWords(a, b *RegsX8664) []string {
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	var out []string
	for i := 0; i < va.NumField(); i++ {
		if va.Field(i).Uint() != vb.Field(i).Uint() {
			out = append(out, va.Type().Field(i).Name)
		}
	}
	return out
}

// TestRegsX8664Layout checks that RegsX8664 is struct user_regs_struct
// (arch/x86/include/asm/user_64.h): 27 words in the kernel's order, so
// that PTRACE_GETREGS fills it and word offsets are PTRACE_PEEKUSER
// offsets (struct user starts with regs).
func TestRegsX8664Layout(t *testing.T) {
	var r RegsX8664
	if got := unsafe.Sizeof(r); got != 27*8 {
		t.Fatalf("sizeof(RegsX8664) = %d, want %d", got, 27*8)
	}
	kernelOrder := []string{"R15", "R14", "R13", "R12", "Rbp", "Rbx", "R11", "R10", "R9", "R8",
		"Rax", "Rcx", "Rdx", "Rsi", "Rdi", "OrigRax", "Rip", "Cs",
		"Eflags", "Rsp", "Ss", "FsBase", "GsBase", "Ds", "Es", "Fs", "Gs"}
	typ := reflect.TypeOf(r)
	for i, name := range kernelOrder {
		f, ok := typ.FieldByName(name)
		if !ok {
			t.Errorf("no field %s", name)
			continue
		}
		if f.Offset != uintptr(8*i) {
			t.Errorf("%s at offset %d, want %d", name, f.Offset, 8*i)
		}
	}
}

// TestRegsX8664Args checks the syscall argument registers (syscall(2):
// rdi, rsi, rdx, r10, r8, r9): Arg reads, SetArg writes only that
// register, and ArgOffset is its offset in the struct.
func TestRegsX8664Args(t *testing.T) {
	var z RegsX8664
	for _, tc := range []struct {
		arg  int
		reg  string
		off  uintptr
		word func(r *RegsX8664) *uint64
	}{
		{0, "Rdi", unsafe.Offsetof(z.Rdi), func(r *RegsX8664) *uint64 { return &r.Rdi }},
		{1, "Rsi", unsafe.Offsetof(z.Rsi), func(r *RegsX8664) *uint64 { return &r.Rsi }},
		{2, "Rdx", unsafe.Offsetof(z.Rdx), func(r *RegsX8664) *uint64 { return &r.Rdx }},
		{3, "R10", unsafe.Offsetof(z.R10), func(r *RegsX8664) *uint64 { return &r.R10 }},
		{4, "R8", unsafe.Offsetof(z.R8), func(r *RegsX8664) *uint64 { return &r.R8 }},
		{5, "R9", unsafe.Offsetof(z.R9), func(r *RegsX8664) *uint64 { return &r.R9 }},
	} {
		t.Run(tc.reg, func(t *testing.T) {
			var r RegsX8664
			fillRegs(&r)
			if got, want := r.Arg(tc.arg), *tc.word(&r); got != want {
				t.Errorf("Arg(%d) = %#x, want %s = %#x", tc.arg, got, tc.reg, want)
			}
			before := r
			const v = 0xdead_beef_cafe_f00d
			r.SetArg(tc.arg, v)
			if got := *tc.word(&r); got != v {
				t.Errorf("SetArg(%d) left %s = %#x", tc.arg, tc.reg, got)
			}
			if ch := changedWords(&before, &r); len(ch) != 1 || ch[0] != tc.reg {
				t.Errorf("SetArg(%d) changed %v, want only %s", tc.arg, ch, tc.reg)
			}
			if got := r.Arg(tc.arg); got != v {
				t.Errorf("Arg(%d) after SetArg = %#x", tc.arg, got)
			}
			if got := r.ArgOffset(tc.arg); got != tc.off {
				t.Errorf("ArgOffset(%d) = %d, want offsetof(%s) = %d", tc.arg, got, tc.reg, tc.off)
			}
		})
	}
}

// TestRegsX8664Others checks the syscall number, result, SP and PC.
func TestRegsX8664Others(t *testing.T) {
	var z RegsX8664
	t.Run("Sysno reads orig_rax", func(t *testing.T) {
		var r RegsX8664
		fillRegs(&r)
		r.OrigRax, r.Rax = 257, ^uint64(37) // rax = -ENOSYS at an entry stop
		if got := r.Sysno(); got != 257 {
			t.Errorf("Sysno() = %d, want 257 (orig_rax), not rax", got)
		}
	})
	t.Run("SetSysno writes only orig_rax", func(t *testing.T) {
		var r RegsX8664
		fillRegs(&r)
		before := r
		r.SetSysno(-1)
		if r.OrigRax != ^uint64(0) || r.Sysno() != -1 {
			t.Errorf("SetSysno(-1): orig_rax = %#x, Sysno() = %d", r.OrigRax, r.Sysno())
		}
		if ch := changedWords(&before, &r); len(ch) != 1 || ch[0] != "OrigRax" {
			t.Errorf("SetSysno changed %v, want only OrigRax", ch)
		}
	})
	t.Run("Result is signed rax", func(t *testing.T) {
		var r RegsX8664
		r.Rax = ^uint64(1) // -2, -ENOENT
		if got := r.Result(); got != -2 {
			t.Errorf("Result() = %d, want -2", got)
		}
		r.SetResult(-13)
		if r.Rax != ^uint64(12) || r.Result() != -13 {
			t.Errorf("SetResult(-13): rax = %#x", r.Rax)
		}
	})
	t.Run("ResultOffset is rax", func(t *testing.T) {
		var r RegsX8664
		if got, want := r.ResultOffset(), unsafe.Offsetof(z.Rax); got != want {
			t.Errorf("ResultOffset() = %d, want offsetof(Rax) = %d", got, want)
		}
	})
	t.Run("SP and PC", func(t *testing.T) {
		var r RegsX8664
		fillRegs(&r)
		if r.SP() != r.Rsp || r.PC() != r.Rip {
			t.Errorf("SP() = %#x (rsp %#x), PC() = %#x (rip %#x)", r.SP(), r.Rsp, r.PC(), r.Rip)
		}
		before := r
		r.SetPC(0x401000)
		if r.Rip != 0x401000 {
			t.Errorf("SetPC: rip = %#x", r.Rip)
		}
		if ch := changedWords(&before, &r); len(ch) != 1 || ch[0] != "Rip" {
			t.Errorf("SetPC changed %v, want only Rip", ch)
		}
	})
}

// TestX8664Info checks the constants of the x86_64 ABI.
func TestX8664Info(t *testing.T) {
	if X8664.AuditArch != 0xc000003e {
		t.Errorf("AuditArch = %#x, want AUDIT_ARCH_X86_64 0xc000003e", X8664.AuditArch)
	}
	if X8664.SyscallInsnSize != 2 {
		t.Errorf("SyscallInsnSize = %d, want 2 (0f 05)", X8664.SyscallInsnSize)
	}
	if X8664.Name != "x86_64" {
		t.Errorf("Name = %q", X8664.Name)
	}
}

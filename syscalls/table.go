package syscalls

import (
	seccomparch "github.com/elastic/go-seccomp-bpf/arch"

	"github.com/gproot/gproot/arch"
)

// Table maps one architecture's native syscall numbers to Sysno and back.
type Table struct {
	Arch   *arch.Info
	toSys  []Sysno           // dense, indexed by native number
	toNr   [numSysno]arch.Nr // -1 where the arch lacks the call
	native map[string]int
}

// NewTable builds the table of an architecture from the kernel syscall
// table that go-seccomp-bpf generates from the kernel's syscall.tbl files.
func NewTable(a *arch.Info, native map[string]int) *Table {
	t := &Table{Arch: a, native: native}
	max := 0
	for _, nr := range native {
		if nr > max {
			max = nr
		}
	}
	t.toSys = make([]Sysno, max+1)
	for s := Sysno(1); s < numSysno; s++ {
		nr, ok := native[names[s]]
		if !ok {
			t.toNr[s] = -1
			continue
		}
		t.toNr[s] = arch.Nr(nr)
		t.toSys[nr] = s
	}
	return t
}

// Sysno returns the neutral number of native number nr, SysNone if gproot
// does not handle it.
func (t *Table) Sysno(nr arch.Nr) Sysno {
	if nr >= 0 && uint(nr) < uint(len(t.toSys)) {
		return t.toSys[nr]
	}
	return SysNone
}

// Nr returns the native number of s, -1 if this architecture lacks it.
func (t *Table) Nr(s Sysno) arch.Nr { return t.toNr[s] }

// X8664 is the table of x86_64.
var X8664 = NewTable(arch.X8664, seccomparch.X86_64.SyscallNames)

// X8664Native returns the x86_64 number of a syscall by its kernel name,
// -1 if there is none.
func X8664Native(name string) int {
	if nr, ok := seccomparch.X86_64.SyscallNames[name]; ok {
		return nr
	}
	return -1
}

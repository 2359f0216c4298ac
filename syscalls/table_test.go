package syscalls

import (
	"runtime"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/arch"
)

// absentOnX8664 lists the Sysno names x86_64 has no syscall for. None
// today: x86_64 keeps every legacy path call (open, stat, uselib, ...).
var absentOnX8664 = map[string]bool{}

// TestTableX8664Complete checks that every Sysno exists on x86_64, with
// the number the kernel's table gives it, and maps back to itself.
func TestTableX8664Complete(t *testing.T) {
	for s := Sysno(1); s < numSysno; s++ {
		t.Run(s.String(), func(t *testing.T) {
			nr := X8664.Nr(s)
			if absentOnX8664[s.String()] {
				if nr != -1 {
					t.Errorf("Nr = %d, want -1 (absent on x86_64)", nr)
				}
				return
			}
			if nr < 0 {
				t.Fatalf("Nr = %d: %q is not in the x86_64 syscall table", nr, s.String())
			}
			if got := X8664.Sysno(nr); got != s {
				t.Errorf("Sysno(Nr(%s) = %d) = %s", s, nr, got)
			}
			if got := X8664Native(s.String()); got != int(nr) {
				t.Errorf("X8664Native(%q) = %d, want %d", s.String(), got, nr)
			}
		})
	}
}

// TestTableX8664Numbers compares a sample of the table with the SYS_*
// constants of golang.org/x/sys/unix (which are amd64's on this build).
func TestTableX8664Numbers(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("the unix.SYS_* constants are the build's architecture's, not x86_64's")
	}
	for _, tc := range []struct {
		sys  Sysno
		want int
	}{
		{SysOpen, unix.SYS_OPEN},
		{SysOpenat, unix.SYS_OPENAT},
		{SysExecve, unix.SYS_EXECVE},
		{SysExecveat, unix.SYS_EXECVEAT},
		{SysStatx, unix.SYS_STATX},
		{SysGetcwd, unix.SYS_GETCWD},
		{SysNewfstatat, unix.SYS_NEWFSTATAT},
		{SysReadlinkat, unix.SYS_READLINKAT},
		{SysBind, unix.SYS_BIND},
		{SysRecvmsg, unix.SYS_RECVMSG},
		{SysMmap, unix.SYS_MMAP},
	} {
		t.Run(tc.sys.String(), func(t *testing.T) {
			if got := X8664.Nr(tc.sys); int(got) != tc.want {
				t.Errorf("X8664.Nr(%s) = %d, unix.SYS_* = %d", tc.sys, got, tc.want)
			}
		})
	}
}

// TestSysnoNamesUnique checks that no Sysno has an empty name, shares its
// name or its x86_64 number with another, and that String is the name.
func TestSysnoNamesUnique(t *testing.T) {
	byName := map[string]Sysno{}
	byNr := map[arch.Nr]Sysno{}
	for s := Sysno(1); s < numSysno; s++ {
		name := s.String()
		if name == "" || name == "sysno(?)" {
			t.Errorf("Sysno %d has no name", s)
			continue
		}
		if prev, dup := byName[name]; dup {
			t.Errorf("Sysno %d and %d are both %q", prev, s, name)
		}
		byName[name] = s
		if nr := X8664.Nr(s); nr >= 0 {
			if prev, dup := byNr[nr]; dup {
				t.Errorf("%s and %s both have x86_64 number %d", prev, s, nr)
			}
			byNr[nr] = s
		}
	}
	if got := SysNone.String(); got != "" {
		t.Errorf("SysNone.String() = %q, want \"\"", got)
	}
	if got := numSysno.String(); got != "sysno(?)" {
		t.Errorf("numSysno.String() = %q, want \"sysno(?)\"", got)
	}
}

// TestTableUnknownNumbers checks what is not a handled syscall.
func TestTableUnknownNumbers(t *testing.T) {
	for _, tc := range []struct {
		name string
		nr   arch.Nr
	}{
		{"getpid", arch.Nr(unix.SYS_GETPID)},
		{"read", arch.Nr(unix.SYS_READ)},
		{"negative", -1},
		{"beyond the table", 100000},
		{"x32 bit", 0x40000000 | arch.Nr(unix.SYS_OPEN)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := X8664.Sysno(tc.nr); got != SysNone {
				t.Errorf("Sysno(%d) = %s, want SysNone", tc.nr, got)
			}
		})
	}
}

// TestTraced checks that the seccomp filter's list is exactly the rows.
func TestTraced(t *testing.T) {
	traced := map[Sysno]bool{}
	for _, s := range Traced() {
		if traced[s] {
			t.Errorf("%s listed twice", s)
		}
		traced[s] = true
		if Rows[s] == nil {
			t.Errorf("%s traced without a row", s)
		}
	}
	for s, r := range Rows {
		if r != nil && r.When == 0 && !traced[Sysno(s)] {
			t.Errorf("%s has a row but is not traced", Sysno(s))
		}
		if r != nil && r.When != 0 && traced[Sysno(s)] {
			t.Errorf("%s needs a feature but is always traced", Sysno(s))
		}
	}
	if n := len(TracedWith(FeatKernel)) - len(Traced()); n != 1 {
		t.Errorf("TracedWith(FeatKernel) adds %d syscalls, want 1 (uname)", n)
	}
	// 18 identity and capability calls, fstat, fchown, fchmod,
	// fsetxattr, sethostname, setdomainname.
	if n := len(TracedWith(FeatFakeID)) - len(Traced()); n != 24 {
		t.Errorf("TracedWith(FeatFakeID) adds %d syscalls, want 24", n)
	}
	for s, r := range Rows {
		if r != nil && r.When == FeatFakeID && r.FakeEnter == nil {
			t.Errorf("%s is traced only with faked ids but has no FakeEnter", Sysno(s))
		}
	}
	if traced[SysMmap] {
		t.Error("mmap is traced: it is only known for the scratch-area injection")
	}
	if traced[SysNone] {
		t.Error("SysNone is traced")
	}
}

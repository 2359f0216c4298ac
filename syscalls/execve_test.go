package syscalls

import (
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestParseShebang checks parseShebang against the rules of the kernel's
// binfmt_script (fs/binfmt_script.c, load_script, Linux 5.1 and later).
// The head is what readHead returns: the first BINPRM_BUF_SIZE (256)
// bytes of the file, fewer for a shorter file. Every expectation was
// checked against the kernel by running the script with an interpreter
// that prints its argv.
func TestParseShebang(t *testing.T) {
	// long returns "#!" + s + n x's, cut to binprmBufSize as readHead does.
	long := func(s string, n int) string {
		h := "#!" + s + strings.Repeat("x", n)
		if len(h) > binprmBufSize {
			h = h[:binprmBufSize]
		}
		return h
	}
	for _, tc := range []struct {
		name   string
		head   string
		interp string
		arg    string
		ok     bool
	}{
		{name: "interpreter only", head: "#!/bin/sh\necho hi\n", interp: "/bin/sh", ok: true},
		{name: "blanks around the interpreter", head: "#!  \t/bin/sh \t \n", interp: "/bin/sh", ok: true},
		{name: "one argument", head: "#!/bin/sh -e\n", interp: "/bin/sh", arg: "-e", ok: true},
		{name: "argument keeps its inner blanks", head: "#!/usr/bin/env  a  b   c \n", interp: "/usr/bin/env", arg: "a  b   c", ok: true},
		{name: "tab separates the argument", head: "#!/bin/sh\t-e\tx\n", interp: "/bin/sh", arg: "-e\tx", ok: true},
		{name: "no newline in a short file", head: "#!/bin/sh -x", interp: "/bin/sh", arg: "-x", ok: true},
		{name: "only the first line counts", head: "#!/bin/sh\n-x y\n", interp: "/bin/sh", ok: true},
		{name: "empty interpreter", head: "#!\n", ok: false},
		{name: "blank interpreter", head: "#! \t \n", ok: false},
		{name: "CRLF is not stripped from the interpreter", head: "#!/bin/sh\r\n", interp: "/bin/sh\r", ok: true},
		{name: "CRLF is not stripped from the argument", head: "#!/bin/sh -e\r\n", interp: "/bin/sh", arg: "-e\r", ok: true},
		{name: "not a script: ELF", head: "\x7fELF\x02\x01\x01", ok: false},
		{name: "not a script: one #", head: "# comment\n", ok: false},
		{name: "not a script: #! not at the start", head: " #!/bin/sh\n", ok: false},
		{name: "empty file", head: "", ok: false},
		{
			name: "NUL ends the interpreter", head: "#!/bin/sh\x00 -x\n", interp: "/bin/sh", ok: true,
		},
		{
			name: "NUL ends the argument", head: "#!/bin/sh -x\x00y\n", interp: "/bin/sh", arg: "-x", ok: true,
		},
		{
			// No newline in the 256 bytes: the kernel cuts the line at the
			// last byte of its buffer (it writes the NUL there), so the
			// argument loses one byte.
			name: "argument cut at BINPRM_BUF_SIZE-1", head: long("/bin/sh ", 300),
			interp: "/bin/sh", arg: strings.Repeat("x", binprmBufSize-1-len("#!/bin/sh ")), ok: true,
		},
		{
			name: "argument exactly filling a 256-byte file", head: long("/bin/sh ", binprmBufSize-len("#!/bin/sh ")),
			interp: "/bin/sh", arg: strings.Repeat("x", binprmBufSize-1-len("#!/bin/sh ")), ok: true,
		},
		{
			name: "argument ending before the buffer end", head: long("/bin/sh ", binprmBufSize-1-len("#!/bin/sh ")),
			interp: "/bin/sh", arg: strings.Repeat("x", binprmBufSize-1-len("#!/bin/sh ")), ok: true,
		},
		{
			// The interpreter name does not end within the buffer: the
			// kernel refuses a possibly truncated name (ENOEXEC).
			name: "truncated interpreter", head: long("/bin/", 300), ok: false,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			interp, arg, ok := parseShebang([]byte(tc.head))
			if interp != tc.interp || arg != tc.arg || ok != tc.ok {
				t.Errorf("parseShebang(%q) = (%q, %q, %v), want (%q, %q, %v)", tc.head, interp, arg, ok, tc.interp, tc.arg, tc.ok)
			}
		})
	}
}

// staticBinary builds a static C program with gcc, or skips.
func staticBinary(t *testing.T) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found: cannot build a static ELF program")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "static.c")
	if err := os.WriteFile(src, []byte("int main(void) { return 0; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "static")
	if b, err := exec.Command(gcc, "-static", "-o", out, src).CombinedOutput(); err != nil {
		t.Skipf("gcc -static failed (no static libc?): %v\n%s", err, b)
	}
	return out
}

// elfInterp reads the PT_INTERP of an ELF file with debug/elf.
func elfInterp(t *testing.T, p string) string {
	t.Helper()
	f, err := elf.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, prog := range f.Progs {
		if prog.Type == elf.PT_INTERP {
			b, err := io.ReadAll(prog.Open())
			if err != nil {
				t.Fatal(err)
			}
			return strings.TrimRight(string(b), "\x00")
		}
	}
	return ""
}

// TestReadInterp checks readInterp on real files, against debug/elf.
func TestReadInterp(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "text")
	if err := os.WriteFile(text, []byte("#!/bin/sh\necho this is no ELF file\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	short := filepath.Join(dir, "short-elf")
	if err := os.WriteFile(short, []byte("\x7fELF\x02\x01\x01"), 0o755); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	hostTrue, err := filepath.EvalSymlinks("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	// debug/elf gives the expected interpreter: on glibc x86_64,
	// /lib64/ld-linux-x86-64.so.2.
	trueInterp := elfInterp(t, hostTrue)
	if trueInterp == "" {
		t.Skipf("the host's %s is static: no dynamic program to read", hostTrue)
	}
	if runtime.GOARCH == "amd64" && !strings.Contains(trueInterp, "musl") && trueInterp != "/lib64/ld-linux-x86-64.so.2" {
		t.Errorf("debug/elf reads PT_INTERP %q in %s; a glibc x86_64 host has /lib64/ld-linux-x86-64.so.2", trueInterp, hostTrue)
	}
	testBin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		path    func(t *testing.T) string
		want    string
		wantErr error
	}{
		{name: "dynamic host binary /bin/true", path: func(*testing.T) string { return hostTrue }, want: trueInterp},
		{name: "the test binary", path: func(*testing.T) string { return testBin }, want: elfInterp(t, testBin)},
		{name: "static binary", path: staticBinary, want: ""},
		{name: "text file", path: func(*testing.T) string { return text }, wantErr: unix.ENOEXEC},
		{name: "ELF magic only", path: func(*testing.T) string { return short }, wantErr: unix.ENOEXEC},
		{name: "empty file", path: func(*testing.T) string { return empty }, wantErr: unix.ENOEXEC},
		{
			name: "missing file", path: func(*testing.T) string { return filepath.Join(dir, "missing") }, wantErr: unix.ENOENT,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.path(t)
			got, err := readInterp(p)
			if !errors.Is(err, tc.wantErr) || (err == nil && got != tc.want) {
				t.Errorf("readInterp(%s) = %q, %v; want %q, %v", p, got, err, tc.want, tc.wantErr)
			}
		})
	}
}

// TestVisible checks the path a chrooted process sees for a guest path.
func TestVisible(t *testing.T) {
	for _, tc := range []struct {
		name, root, guest, want string
	}{
		{"root is /", "/", "/usr/bin/env", "/usr/bin/env"},
		{"root is / and path is /", "/", "/", "/"},
		{"the root itself", "/srv/jail", "/srv/jail", "/"},
		{"below the root", "/srv/jail", "/srv/jail/bin/sh", "/bin/sh"},
		{"outside the root", "/srv/jail", "/usr/bin/env", "/usr/bin/env"},
		{"sibling with the root as prefix", "/srv/jail", "/srv/jailbreak/x", "/srv/jailbreak/x"},
		{"parent of the root", "/srv/jail", "/srv", "/srv"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Visible(tc.root, tc.guest); got != tc.want {
				t.Errorf("Visible(%q, %q) = %q, want %q", tc.root, tc.guest, got, tc.want)
			}
		})
	}
}

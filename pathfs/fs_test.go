package pathfs

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestOS(t *testing.T) {
	dir := t.TempDir()
	build(t, dir, []node{{name: "d/"}, {name: "f"}, {name: "l", link: "../some/target"}})
	for _, statx := range []bool{true, false} {
		name := "statx"
		if !statx {
			name = "lstat"
		}
		t.Run(name, func(t *testing.T) {
			saved := noStatx.Load()
			noStatx.Store(!statx)
			t.Cleanup(func() { noStatx.Store(saved) })
			for _, tc := range []struct {
				name string
				p    string
				mode uint32
				err  unix.Errno
			}{
				{name: "dir", p: dir + "/d", mode: unix.S_IFDIR},
				{name: "file", p: dir + "/f", mode: unix.S_IFREG},
				{name: "symlink not followed", p: dir + "/l", mode: unix.S_IFLNK},
				{name: "missing", p: dir + "/nope", err: unix.ENOENT},
				{name: "under a file", p: dir + "/f/x", err: unix.ENOTDIR},
				{name: "too long", p: "/" + strings.Repeat("a", pathMax), err: unix.ENAMETOOLONG},
				{name: "inner NUL", p: dir + "/f\x00x", err: unix.EINVAL},
			} {
				t.Run(tc.name, func(t *testing.T) {
					mode, err := OS{}.Lstat(tc.p)
					if tc.err != 0 {
						if !errors.Is(err, tc.err) {
							t.Fatalf("Lstat = %#o, %v; want %s", mode, errName(err), errName(tc.err))
						}
						return
					}
					if err != nil || mode&unix.S_IFMT != tc.mode {
						t.Fatalf("Lstat = %#o, %v; want type %#o", mode, errName(err), tc.mode)
					}
				})
			}
		})
	}
	for _, tc := range []struct {
		name   string
		p      string
		target string
		err    unix.Errno
	}{
		{name: "symlink", p: dir + "/l", target: "../some/target"},
		{name: "not a symlink", p: dir + "/f", err: unix.EINVAL},
		{name: "missing", p: dir + "/nope", err: unix.ENOENT},
	} {
		t.Run("readlink "+tc.name, func(t *testing.T) {
			target, err := OS{}.Readlink(tc.p)
			if tc.err != 0 {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Readlink = %q, %v; want %s", target, errName(err), errName(tc.err))
				}
				return
			}
			if err != nil || target != tc.target {
				t.Fatalf("Readlink = %q, %v; want %q", target, errName(err), tc.target)
			}
		})
	}
}

// TestResolveAllocs checks that a walk over the real file system,
// symlinks included, allocates only its result.
func TestResolveAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items at random")
	}
	tr := makeTree(t, t.TempDir())
	v := newView(t, tr.root, tr.binds(false))
	for _, p := range []string{"/etc/passwd", "/lib/libc.so", "/mnt/data/sub/inner/x", "/a/up/etc/link", "/lib/../lib/.."} {
		t.Run(p, func(t *testing.T) {
			n := testing.AllocsPerRun(100, func() {
				if _, _, err := v.Resolve("/", "/", p, true); err != nil {
					t.Fatal(err)
				}
			})
			if n > 1 {
				t.Errorf("Resolve(%q) allocates %v times; want 1", p, n)
			}
		})
	}
}

func BenchmarkResolve(b *testing.B) {
	tr := makeTree(b, b.TempDir())
	v := newView(b, tr.root, tr.binds(false))
	for _, p := range []string{"/etc/passwd", "/lib/libc.so", "/mnt/data/sub/inner/x", "/a/b/c/../../../etc/link"} {
		b.Run(filepath.Base(p), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := v.Resolve("/", "/", p, true); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("lstat only", func(b *testing.B) {
		// The syscall floor: one lstat per component of /etc/passwd.
		for b.Loop() {
			for _, p := range []string{tr.root + "/etc", tr.root + "/etc/passwd"} {
				if _, err := os.Lstat(p); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

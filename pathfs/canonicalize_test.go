package pathfs

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// resolveCase is one Resolve call and its expected result. Host paths use
// {root}, {host} and {glue} for the test tree's directories.
type resolveCase struct {
	name      string
	root, cwd string // "" means "/"
	p         string
	follow    bool
	guest     string
	host      string
	err       unix.Errno
}

func runResolve(t *testing.T, tr tree, v *View, cases []resolveCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root, cwd := tc.root, tc.cwd
			if root == "" {
				root = "/"
			}
			if cwd == "" {
				cwd = root
			}
			g, h, err := v.Resolve(root, cwd, tc.p, tc.follow)
			if tc.err != 0 {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Resolve(%q, %q, %q, %v) = %q, %q, %v; want %s",
						root, cwd, tc.p, tc.follow, g, h, errName(err), errName(tc.err))
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%q, %q, %q, %v): %s", root, cwd, tc.p, tc.follow, errName(err))
			}
			if want := tr.expand(v, tc.host); g != tc.guest || h != want {
				t.Errorf("Resolve(%q, %q, %q, %v) = %q, %q; want %q, %q",
					root, cwd, tc.p, tc.follow, g, h, tc.guest, want)
			}
		})
	}
}

func TestResolveRootfs(t *testing.T) {
	tr := makeTree(t, t.TempDir())
	v := newView(t, tr.root, nil)
	runResolve(t, tr, v, []resolveCase{
		{name: "plain file", p: "/etc/passwd", guest: "/etc/passwd", host: "{root}/etc/passwd"},
		{name: "root", p: "/", guest: "/", host: "{root}"},
		{name: "double slashes", p: "//etc///passwd", guest: "/etc/passwd", host: "{root}/etc/passwd"},
		{name: "dotdot at root stays", p: "/../../etc/../..", guest: "/", host: "{root}"},
		{name: "dotdot at root then file", p: "/../../etc/passwd", guest: "/etc/passwd", host: "{root}/etc/passwd"},
		{name: "relative to cwd", cwd: "/etc", p: "passwd", guest: "/etc/passwd", host: "{root}/etc/passwd"},
		{name: "dot is cwd", cwd: "/a/b", p: ".", guest: "/a/b", host: "{root}/a/b"},
		{name: "relative dotdot", cwd: "/a/b/c", p: "../../../etc/./passwd", guest: "/etc/passwd", host: "{root}/etc/passwd"},
		{name: "relative dotdot past root", cwd: "/a/b/c", p: "../../../../../..", guest: "/", host: "{root}"},
		{name: "absolute symlink followed", p: "/etc/link", follow: true, guest: "/etc/passwd", host: "{root}/etc/passwd"},
		{name: "absolute symlink not followed", p: "/etc/link", guest: "/etc/link", host: "{root}/etc/link"},
		{name: "relative symlink followed", p: "/etc/rel", follow: true, guest: "/etc/passwd", host: "{root}/etc/passwd"},
		{name: "intermediate symlink", p: "/lib/libc.so", guest: "/usr/lib/libc.so", host: "{root}/usr/lib/libc.so"},
		{name: "dotdot after symlink is not lexical", p: "/lib/..", guest: "/usr", host: "{root}/usr"},
		{name: "dotdot after symlink then name", p: "/lib/../lib/libc.so", guest: "/usr/lib/libc.so", host: "{root}/usr/lib/libc.so"},
		{name: "symlink to dir then dotdot", p: "/etc/dirlink/../..", guest: "/", host: "{root}"},
		{name: "relative up symlink stays at root", p: "/a/up", follow: true, guest: "/", host: "{root}"},
		{name: "relative up symlink intermediate", p: "/a/up/etc/passwd", guest: "/etc/passwd", host: "{root}/etc/passwd"},
		{name: "dangling final followed", p: "/dangling", follow: true, guest: "/nonexistent", host: "{root}/nonexistent"},
		{name: "dangling final not followed", p: "/dangling", guest: "/dangling", host: "{root}/dangling"},
		{name: "dangling intermediate", p: "/dangling/x", err: unix.ENOENT},
		{name: "missing final", p: "/etc/newfile", follow: true, guest: "/etc/newfile", host: "{root}/etc/newfile"},
		{name: "missing intermediate", p: "/nope/x", err: unix.ENOENT},
		{name: "missing intermediate then dotdot", p: "/nope/..", err: unix.ENOENT},
		{name: "file as intermediate", p: "/etc/passwd/x", err: unix.ENOTDIR},
		{name: "file then dot", p: "/etc/passwd/.", err: unix.ENOTDIR},
		{name: "file then dotdot", p: "/etc/passwd/..", err: unix.ENOTDIR},
		{name: "trailing slash on file kept", p: "/etc/passwd/", guest: "/etc/passwd", host: "{root}/etc/passwd/"},
		{name: "trailing slashes on dir", p: "/etc//", guest: "/etc", host: "{root}/etc/"},
		{name: "trailing slash follows symlink", p: "/etc/dirlink/", guest: "/usr/lib", host: "{root}/usr/lib/"},
		{name: "trailing slash on missing", p: "/etc/newdir/", guest: "/etc/newdir", host: "{root}/etc/newdir/"},
		{name: "trailing slash in symlink target", p: "/etc/slashlink", follow: true, guest: "/etc/passwd", host: "{root}/etc/passwd/"},
		{name: "self loop followed", p: "/loop", follow: true, err: unix.ELOOP},
		{name: "self loop not followed", p: "/loop", guest: "/loop", host: "{root}/loop"},
		{name: "two-link loop intermediate", p: "/loopa/x", err: unix.ELOOP},
		{name: "empty path", p: "", err: unix.ENOENT},
		{name: "empty path follow", p: "", follow: true, err: unix.ENOENT},
		{name: "path of PATH_MAX bytes", p: "/" + strings.Repeat("a", pathMax-1), err: unix.ENAMETOOLONG},
		{name: "inner NUL", p: "/etc\x00/passwd", err: unix.EINVAL},
		{name: "unclean cwd is cleaned", cwd: "/etc/../a//b/", p: "c", guest: "/a/b/c", host: "{root}/a/b/c"},

		{name: "chroot absolute", root: "/jail", p: "/etc/hostname", guest: "/jail/etc/hostname", host: "{root}/jail/etc/hostname"},
		{name: "chroot dotdot stays", root: "/jail", p: "/../../etc", guest: "/jail/etc", host: "{root}/jail/etc"},
		{name: "chroot relative dotdot stays", root: "/jail", cwd: "/jail/etc", p: "../../..", guest: "/jail", host: "{root}/jail"},
		{name: "chroot absolute symlink", root: "/jail", p: "/abs/hostname", guest: "/jail/etc/hostname", host: "{root}/jail/etc/hostname"},
		{name: "chroot up symlink", root: "/jail", p: "/up", follow: true, guest: "/jail", host: "{root}/jail"},
		{name: "chroot up symlink intermediate", root: "/jail", p: "up/etc/hostname", guest: "/jail/etc/hostname", host: "{root}/jail/etc/hostname"},
		{name: "chroot relative symlink", root: "/jail", p: "/rel", follow: true, guest: "/jail/etc/hostname", host: "{root}/jail/etc/hostname"},
		{name: "chroot hides outside", root: "/jail", p: "/etc/passwd", guest: "/jail/etc/passwd", host: "{root}/jail/etc/passwd"},
		{name: "chroot cwd outside root starts at root", root: "/jail", cwd: "/etc", p: "etc/hostname", guest: "/jail/etc/hostname", host: "{root}/jail/etc/hostname"},
	})
}

func TestResolveBindings(t *testing.T) {
	tr := makeTree(t, t.TempDir())
	v := newView(t, tr.root, tr.binds(false))
	runResolve(t, tr, v, []resolveCase{
		{name: "binding dir", p: "/mnt/data", guest: "/mnt/data", host: "{host}/data"},
		{name: "file under binding", p: "/mnt/data/file.txt", guest: "/mnt/data/file.txt", host: "{host}/data/file.txt"},
		{name: "binding hides rootfs", p: "/mnt/data/shadowed", guest: "/mnt/data/shadowed", host: "{host}/data/shadowed"},
		{name: "dotdot leaves binding", p: "/mnt/data/..", guest: "/mnt", host: "{root}/mnt"},
		{name: "dotdot from binding cwd", cwd: "/mnt/data/sub", p: "../../../etc/passwd", guest: "/etc/passwd", host: "{root}/etc/passwd"},
		{name: "nested binding", p: "/mnt/data/sub/inner/x", guest: "/mnt/data/sub/inner/x", host: "{host}/inner/x"},
		{name: "dotdot from nested binding", p: "/mnt/data/sub/inner/..", guest: "/mnt/data/sub", host: "{host}/data/sub"},
		{name: "cwd in nested binding", cwd: "/mnt/data/sub/inner", p: "x", guest: "/mnt/data/sub/inner/x", host: "{host}/inner/x"},
		{name: "file binding", p: "/etc/host.conf", follow: true, guest: "/etc/host.conf", host: "{host}/file.conf"},
		{name: "file binding as intermediate", p: "/etc/host.conf/x", err: unix.ENOTDIR},
		{name: "file binding trailing slash", p: "/etc/host.conf/", guest: "/etc/host.conf", host: "{host}/file.conf/"},
		{name: "rootfs symlink into binding", p: "/etc/datalink/file.txt", guest: "/mnt/data/file.txt", host: "{host}/data/file.txt"},
		{name: "binding symlink resolved in guest", p: "/mnt/data/escape", follow: true, guest: "/etc/passwd", host: "{root}/etc/passwd"},
		{name: "binding symlink up stays at root", p: "/mnt/data/up/etc", guest: "/etc", host: "{root}/etc"},
		{name: "glue dir", p: "/opt/new", guest: "/opt/new", host: "{glue}/opt/new"},
		{name: "glue subdir", p: "/opt/new/dir", guest: "/opt/new/dir", host: "{glue}/opt/new/dir"},
		{name: "through glue", p: "/opt/new/dir/data/file.txt", guest: "/opt/new/dir/data/file.txt", host: "{host}/data/file.txt"},
		{name: "dotdot out of glue", p: "/opt/new/dir/../..", guest: "/opt", host: "{root}/opt"},
		{name: "missing under glue", p: "/opt/new/nope/x", err: unix.ENOENT},
		{name: "resolv.conf followed", p: "/etc/resolv.conf", follow: true, guest: "/run/resolv.conf", host: "{host}/resolv"},
		{name: "resolv.conf not followed", p: "/etc/resolv.conf", guest: "/etc/resolv.conf", host: "{root}/etc/resolv.conf"},
		{name: "chroot into binding", root: "/mnt/data", p: "/../sub/inner/x", guest: "/mnt/data/sub/inner/x", host: "{host}/inner/x"},
		{name: "chroot in binding, absolute symlink stays in", root: "/mnt/data", p: "/escape", follow: true, err: unix.ENOENT},
	})
}

func TestResolveNoDeref(t *testing.T) {
	tr := makeTree(t, t.TempDir())
	v := newView(t, tr.root, tr.binds(true))
	runResolve(t, tr, v, []resolveCase{
		{name: "guest symlink replaced, followed", p: "/etc/resolv.conf", follow: true, guest: "/etc/resolv.conf", host: "{host}/resolv"},
		{name: "guest symlink replaced, not followed", p: "/etc/resolv.conf", guest: "/etc/resolv.conf", host: "{host}/resolv"},
		{name: "target not bound", p: "/run/resolv.conf", guest: "/run/resolv.conf", host: "{root}/run/resolv.conf"},
	})
}

// TestResolveSymlinkLimit checks the 40-symlink limit of
// include/linux/namei.h on chains of links.
func TestResolveSymlinkLimit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		links int
		err   unix.Errno
	}{
		{name: "40 links", links: 40},
		{name: "41 links", links: 41, err: unix.ELOOP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.WriteFile(filepath.Join(root, "target"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			next := "/target"
			for i := tc.links; i > 0; i-- {
				name := fmt.Sprintf("l%d", i)
				if err := os.Symlink(next, filepath.Join(root, name)); err != nil {
					t.Fatal(err)
				}
				next = name // relative, to mix both kinds
			}
			v := newView(t, root, nil)
			g, _, err := v.Resolve("/", "/", "/l1", true)
			if tc.err != 0 {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Resolve = %q, %v; want %s", g, errName(err), errName(tc.err))
				}
				return
			}
			if err != nil || g != "/target" {
				t.Fatalf("Resolve = %q, %v; want /target", g, errName(err))
			}
		})
	}
}

// TestResolveTooLong checks ENAMETOOLONG on results, not only on input:
// symlinks make a short input resolve to a long path.
func TestResolveTooLong(t *testing.T) {
	root := t.TempDir()
	long := strings.Repeat("x", 255)
	eight := strings.TrimSuffix(strings.Repeat(long+"/", 8), "/")
	// root/long^17, built with *at calls since its path exceeds PATH_MAX;
	// /l -> long^8 and long^8/m -> long^8, both relative.
	fd, err := unix.Open(root, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Symlinkat(eight, fd, "l"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 17; i++ {
		if i == 8 {
			if err := unix.Symlinkat(eight, fd, "m"); err != nil {
				t.Fatal(err)
			}
		}
		if err := unix.Mkdirat(fd, long, 0o755); err != nil {
			t.Fatal(err)
		}
		next, err := unix.Openat(fd, long, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		fd = next
	}
	unix.Close(fd)
	v := newView(t, root, nil)
	for _, tc := range []struct {
		name string
		p    string
		n    int // guest path length
		err  unix.Errno
	}{
		{name: "2k result", p: "/l/new", n: 8*256 + 4},
		{name: "4k result", p: "/l/m/new", err: unix.ENAMETOOLONG},
		{name: "long walk, short result", p: "/l/" + strings.Repeat("../", 8) + "l", n: 2},
		// The guest path would be 15*256 bytes, but the host path of
		// the 16th directory, which the walk looks up, is too long.
		{name: "host path too long", p: "/l/m/..", err: unix.ENAMETOOLONG},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, h, err := v.Resolve("/", "/", tc.p, false)
			if tc.err != 0 {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Resolve = %d bytes, %v; want %s", len(g), errName(err), errName(tc.err))
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %s", errName(err))
			}
			if len(g) != tc.n || !strings.HasPrefix(h, root) || len(h) >= pathMax {
				t.Errorf("Resolve = %d bytes, host %d bytes; want %d, under %s", len(g), len(h), tc.n, root)
			}
		})
	}
}

// fakeFS is an in-memory FS: a set of host paths with their st_mode and,
// for symlinks, target; errs makes a path fail.
type fakeFS struct {
	modes   map[string]uint32
	targets map[string]string
	errs    map[string]error
}

func (f fakeFS) Lstat(p string) (uint32, error) {
	if err, ok := f.errs[p]; ok {
		return 0, err
	}
	if m, ok := f.modes[p]; ok {
		return m, nil
	}
	return 0, unix.ENOENT
}

func (f fakeFS) Readlink(p string) (string, error) {
	if err, ok := f.errs[p]; ok {
		return "", err
	}
	t, ok := f.targets[p]
	if !ok {
		return "", unix.EINVAL
	}
	return t, nil
}

// TestResolveFakeFS covers what a real file system cannot produce or
// what root bypasses: empty symlink targets, EACCES, oversized targets.
func TestResolveFakeFS(t *testing.T) {
	root := t.TempDir() // NewView checks the rootfs on the host
	fs := fakeFS{
		modes: map[string]uint32{
			root + "/empty":   unix.S_IFLNK,
			root + "/huge":    unix.S_IFLNK,
			root + "/dir":     unix.S_IFDIR,
			root + "/dir/f":   unix.S_IFREG,
			root + "/dir/abs": unix.S_IFLNK,
		},
		targets: map[string]string{
			root + "/empty":   "",
			root + "/huge":    strings.Repeat("a", pathMax),
			root + "/dir/abs": "/dir/f",
		},
		errs: map[string]error{root + "/locked": unix.EACCES},
	}
	v, err := NewView(root, nil, fs)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for _, tc := range []struct {
		name   string
		p      string
		follow bool
		guest  string
		err    unix.Errno
	}{
		{name: "empty target", p: "/empty", follow: true, err: unix.ENOENT},
		{name: "empty target intermediate", p: "/empty/x", err: unix.ENOENT},
		{name: "target too long", p: "/huge", follow: true, err: unix.ENAMETOOLONG},
		{name: "lstat error", p: "/locked/x", err: unix.EACCES},
		{name: "lstat error on followed final", p: "/locked", follow: true, err: unix.EACCES},
		{name: "final not looked up", p: "/locked", guest: "/locked"},
		{name: "absolute target", p: "/dir/abs", follow: true, guest: "/dir/f"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, _, err := v.Resolve("/", "/", tc.p, tc.follow)
			if tc.err != 0 {
				if !errors.Is(err, tc.err) {
					t.Fatalf("Resolve = %q, %v; want %s", g, errName(err), errName(tc.err))
				}
				return
			}
			if err != nil || g != tc.guest {
				t.Fatalf("Resolve = %q, %v; want %q", g, errName(err), tc.guest)
			}
		})
	}
}

// kernelPaths are resolved both by Resolve and by the kernel.
var kernelPaths = []string{
	"/", "", ".", "..", "/etc/passwd", "/etc/passwd/", "/etc/passwd/.", "/etc/passwd/..",
	"/etc/link", "/etc/link/", "/etc/rel", "/etc/dirlink", "/etc/dirlink/", "/etc/dirlink/..",
	"/etc/slashlink", "/etc/slashlink/", "/lib/..", "/lib/libc.so", "/a/up", "/a/up/", "/a/up/etc",
	"a/b/c/../../up/etc/./passwd", "/dangling", "/dangling/", "/dangling/x", "/nope", "/nope/",
	"/nope/x", "/nope/..", "/loop", "/loop/", "/loopa/x", "/../../etc", "etc//passwd//",
	"/jail/abs", "/jail/abs/hostname", "/jail/up", "/jail/rel", "/mnt/data/shadowed",
}

// TestResolveMatchesKernel compares Resolve over a bare rootfs with the
// kernel's own walk: openat2(2) with RESOLVE_IN_ROOT treats the directory
// as the process root, as a chroot would. Resolve's host path, opened on
// the host, must reach the same file or fail the same way.
func TestResolveMatchesKernel(t *testing.T) {
	tr := makeTree(t, t.TempDir())
	v := newView(t, tr.root, nil)
	for _, root := range []string{"/", "/jail"} {
		rootFd, err := unix.Open(filepath.Join(tr.root, root), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer unix.Close(rootFd)
		for _, p := range kernelPaths {
			for _, follow := range []bool{false, true} {
				t.Run(fmt.Sprintf("root=%s/%q/follow=%v", root, p, follow), func(t *testing.T) {
					compareKernel(t, v, rootFd, root, p, follow)
				})
			}
		}
	}
}

// compareKernel resolves p in v with root as both root and cwd, and checks
// the result against openat2(2) with RESOLVE_IN_ROOT from rootFd.
func compareKernel(t testing.TB, v *View, rootFd int, root, p string, follow bool) {
	t.Helper()
	flags := unix.O_PATH | unix.O_CLOEXEC
	if !follow {
		flags |= unix.O_NOFOLLOW
	}
	want, wantErr := kernelOpen(func() (int, error) {
		return unix.Openat2(rootFd, p, &unix.OpenHow{Flags: uint64(flags), Resolve: unix.RESOLVE_IN_ROOT})
	})
	if errors.Is(wantErr, unix.ENOSYS) {
		t.Skip("openat2(2) needs Linux 5.6")
	}
	g, h, err := v.Resolve(root, root, p, follow)
	if errors.Is(err, unix.ENAMETOOLONG) || errors.Is(wantErr, unix.ENAMETOOLONG) {
		return // the host path is longer than the guest path
	}
	if err != nil {
		if !errors.Is(err, wantErr) {
			t.Fatalf("Resolve(%q, follow=%v) = %s; kernel: %q, %s", p, follow, errName(err), want, errName(wantErr))
		}
		return
	}
	got, gotErr := kernelOpen(func() (int, error) { return unix.Open(h, flags, 0) })
	if got != want || !errors.Is(gotErr, wantErr) {
		t.Fatalf("Resolve(%q, follow=%v) = %q, %q, opens %q, %s; kernel: %q, %s",
			p, follow, g, h, got, errName(gotErr), want, errName(wantErr))
	}
}

// kernelOpen runs open and names the file it opened, through /proc.
func kernelOpen(open func() (int, error)) (string, error) {
	fd, err := open()
	if err != nil {
		return "", err
	}
	defer unix.Close(fd)
	return os.Readlink(fmt.Sprintf("/proc/self/fd/%d", fd))
}

// TestResolveConcurrent shares one view between goroutines, as tracer
// threads may; run it with -race.
func TestResolveConcurrent(t *testing.T) {
	tr := makeTree(t, t.TempDir())
	v := newView(t, tr.root, tr.binds(false))
	want := map[string]string{
		"/etc/link":             tr.root + "/etc/passwd",
		"/mnt/data/sub/inner/x": tr.host + "/inner/x",
		"/a/up/lib/libc.so":     tr.root + "/usr/lib/libc.so",
		"/opt/new/dir/data/up":  tr.root,
	}
	for i := range 8 {
		t.Run(fmt.Sprint("goroutine ", i), func(t *testing.T) {
			t.Parallel()
			for range 200 {
				for p, h := range want {
					if _, got, err := v.Resolve("/", "/", p, true); err != nil || got != h {
						t.Fatalf("Resolve(%q) = %q, %v; want %q", p, got, err, h)
					}
				}
			}
		})
	}
}

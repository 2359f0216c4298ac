//go:build linux

// End-to-end tests of the junest command: they build it, make a JuNest
// image from the Debian test rootfs (testdata/mkrootfs.sh, or
// GPROOT_ROOTFS), install it with `junest setup -i` and run commands in it
// with each backend. When the tests run as root, junest runs as the
// unprivileged uid 65534 through setpriv(1), as a user would, except for
// groot and root, whose point is root.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	nobodyID   = 65534
	cmdTimeout = 3 * time.Minute
	rootCache  = "/var/cache/gproot"
)

var (
	fixOnce sync.Once
	fixDir  string // world-readable: the junest binary, the image
	fixErr  error

	junestPath string
	imagePath  string
	rootfsPath string
	skipWhy    string
	debsPath   string
	debsOnce   sync.Once
	debsErr    error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixDir != "" {
		os.RemoveAll(fixDir)
	}
	os.Exit(code)
}

func isRoot() bool { return os.Geteuid() == 0 }

// cacheEnv is the environment of the rootfs scripts: as root, a cache
// uid 65534 can read.
func cacheEnv() []string {
	env := os.Environ()
	if isRoot() && os.Getenv("GPROOT_CACHE") == "" {
		env = append(env, "GPROOT_CACHE="+rootCache)
	}
	return env
}

// setup builds junest and the image once: a tar.gz of the Debian rootfs
// (its /dev left out, as JuNest's images have it empty).
func setup(t *testing.T) {
	t.Helper()
	fixOnce.Do(func() {
		rootfsPath = os.Getenv("GPROOT_ROOTFS")
		if rootfsPath == "" {
			if !isRoot() {
				skipWhy = "GPROOT_ROOTFS is unset and building the rootfs (debootstrap) needs root: run `make test` as root or set GPROOT_ROOTFS"
				return
			}
			cmd := exec.Command("sh", "../../testdata/mkrootfs.sh")
			cmd.Env, cmd.Stderr = cacheEnv(), os.Stderr
			out, err := cmd.Output()
			if err != nil {
				fixErr = fmt.Errorf("testdata/mkrootfs.sh: %v", err)
				return
			}
			rootfsPath = strings.TrimSpace(string(out))
		}
		if fixDir, fixErr = os.MkdirTemp("", "junest-e2e-"); fixErr != nil {
			return
		}
		if fixErr = os.Chmod(fixDir, 0o755); fixErr != nil {
			return
		}
		junestPath = filepath.Join(fixDir, "junest")
		cmd := exec.Command("go", "build", "-o", junestPath, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			fixErr = fmt.Errorf("go build ./cmd/junest: %v\n%s", err, out)
			return
		}
		imagePath = filepath.Join(fixDir, "junest-x86_64.tar.gz")
		tar := exec.Command("tar", "-C", rootfsPath, "--exclude=./dev/*", "--exclude=./.complete", "-czf", imagePath, ".")
		if out, err := tar.CombinedOutput(); err != nil {
			fixErr = fmt.Errorf("making the image: %v\n%s", err, out)
			return
		}
		fixErr = os.Chmod(imagePath, 0o644)
	})
	if skipWhy != "" {
		t.Skip(skipWhy)
	}
	if fixErr != nil {
		t.Fatal(fixErr)
	}
}

// debs is the directory of .debs testdata/mkdebs.sh makes (hello, ...).
func debs(t *testing.T) string {
	t.Helper()
	debsOnce.Do(func() {
		cmd := exec.Command("sh", "../../testdata/mkdebs.sh")
		cmd.Env, cmd.Stderr = cacheEnv(), os.Stderr
		out, err := cmd.Output()
		debsErr = err
		debsPath = strings.TrimSpace(string(out))
	})
	if debsErr != nil {
		t.Fatalf("testdata/mkdebs.sh: %v", debsErr)
	}
	return debsPath
}

// userDir is a directory the user junest runs as owns, outside any
// t.TempDir (mode 0700, out of uid 65534's reach).
func userDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "junest-user-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { exec.Command("rm", "-rf", d).Run() })
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if isRoot() {
		if err := os.Chown(d, nobodyID, nobodyID); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// session is a user's JuNest: HOME and JUNEST_HOME below a directory of
// theirs.
type session struct {
	t    *testing.T
	dir  string
	home string // JUNEST_HOME
	user string // $HOME
}

func newSession(t *testing.T) *session {
	setup(t)
	d := userDir(t)
	s := &session{t: t, dir: d, home: filepath.Join(d, "junest"), user: filepath.Join(d, "home")}
	if _, errOut, code := s.run(nil, "", "mkdir", s.user); code != 0 {
		t.Fatalf("mkdir: %s", errOut)
	}
	return s
}

// env is the whole environment of a junest run.
func (s *session) env(extra []string) []string {
	return append([]string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LC_ALL=C", "HOME=" + s.user, "JUNEST_HOME=" + s.home,
	}, extra...)
}

// run runs argv as the user (uid 65534 when the tests run as root) in
// dir ("" for the user's home), with stdin closed.
func (s *session) run(extra []string, dir string, argv ...string) (stdout, stderr string, code int) {
	if isRoot() {
		argv = append([]string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}, argv...)
	}
	return runAs(s.t, s.env(extra), dir, argv...)
}

// junest runs junest as the user.
func (s *session) junest(extra []string, args ...string) (stdout, stderr string, code int) {
	return s.run(extra, "", append([]string{junestPath}, args...)...)
}

func runAs(t *testing.T, env []string, dir string, argv ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Dir = dir
	if dir == "" {
		cmd.Dir = "/"
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%q timed out after %v\nstderr:\n%s", argv, cmdTimeout, e.String())
	}
	code = cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	}
	return o.String(), e.String(), code
}

// install runs `junest setup -i IMAGE` and checks it worked.
func (s *session) install() {
	s.t.Helper()
	out, errOut, code := s.junest(nil, "setup", "-i", imagePath)
	if code != 0 || !strings.Contains(errOut, "installed successfully") {
		s.t.Fatalf("junest setup -i: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func expect(t *testing.T, what, out, errOut string, code int, want string) {
	t.Helper()
	if code != 0 || out != want {
		t.Errorf("%s: exit %d, stdout %q, want %q\nstderr:\n%s", what, code, out, want, errOut)
	}
}

// userNS says whether this user may make user namespaces.
func userNS(t *testing.T) {
	t.Helper()
	argv := []string{"unshare", "--user", "--map-root-user", "true"}
	if isRoot() {
		argv = append([]string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}, argv...)
	}
	if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
		t.Skipf("unprivileged user namespaces are not available here (%v: %s)", err, out)
	}
}

// TestSetupProotAndWrappers is JuNest's main flow on the proot backend:
// setup from an image, install a package under fake root, run it, fake
// the kernel release through -b, and run it through its wrapper.
func TestSetupProotAndWrappers(t *testing.T) {
	s := newSession(t)
	s.install()
	release, _ := os.ReadFile(filepath.Join(rootfsPath, "etc/debian_version"))
	out, errOut, code := s.junest(nil, "proot", "--", "cat", "/etc/debian_version")
	expect(t, "junest proot -- cat /etc/debian_version", out, errOut, code, string(release))

	out, errOut, code = s.junest(nil, "proot", "-f", "-b", "-k 3.10", "--", "uname", "-r")
	expect(t, `junest proot -f -b "-k 3.10" -- uname -r`, out, errOut, code, "3.10\n")
	out, errOut, code = s.junest(nil, "p", "-f", "--", "id", "-u")
	expect(t, "junest p -f -- id -u", out, errOut, code, "0\n")
	out, errOut, code = s.junest(nil, "proot", "--", "sh", "-c", "printf '%s|' \"$@\"; echo \"$JUNEST_ENV\"", "sh", "a b", "it's", "$HOME")
	expect(t, "arguments and JUNEST_ENV", out, errOut, code, "a b|it's|$HOME|1\n")
	out, errOut, code = s.junest(nil, "proot", "--", "sh", "-c", "exit 7")
	if code != 7 {
		t.Errorf("junest proot -- sh -c 'exit 7': exit %d\n%s", code, errOut)
	}

	// A package from a .deb in the user's home (bound in the guest).
	matches, _ := filepath.Glob(filepath.Join(debs(t), "hello_*.deb"))
	if len(matches) != 1 {
		t.Fatalf("no hello .deb in %s", debs(t))
	}
	if _, errOut, code := s.run(nil, "", "cp", matches[0], s.user); code != 0 {
		t.Fatal(errOut)
	}
	out, errOut, code = s.run(nil, s.user, junestPath, "proot", "-f", "--", "apt-get", "install", "-y", "./"+filepath.Base(matches[0]))
	if code != 0 {
		t.Fatalf("junest proot -f -- apt-get install -y ./hello.deb: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	out, errOut, code = s.junest(nil, "proot", "--", "hello")
	expect(t, "junest proot -- hello", out, errOut, code, "Hello, world!\n")

	// The session refreshed the wrappers: hello has one now.
	wrapper := filepath.Join(s.home, "usr/bin_wrappers/hello")
	out, errOut, code = s.run([]string{"JUNEST_ARGS=proot"}, "", wrapper)
	expect(t, "the hello wrapper", out, errOut, code, "Hello, world!\n")
	out, errOut, code = s.junest(nil, "create-bin-wrappers", "-f")
	if code != 0 {
		t.Fatalf("junest create-bin-wrappers -f: exit %d\n%s", code, errOut)
	}
	want, errOut, code := s.junest(nil, "proot", "--", "cat", "/etc/os-release", "/etc/debian_version")
	out, errOut2, code2 := s.run([]string{"JUNEST_ARGS=proot"}, "", filepath.Join(s.home, "usr/bin_wrappers/cat"), "/etc/os-release", "/etc/debian_version")
	if code != 0 || code2 != 0 || out != want {
		t.Errorf("the cat wrapper printed %q (exit %d, %s), junest -- cat %q (exit %d, %s)", out, code2, errOut2, want, code, errOut)
	}
}

// TestNamespaces checks the ns backend (the default action): the user
// keeps their uid, or is root with -f, in the image with the host's
// /proc, /tmp and $HOME.
func TestNamespaces(t *testing.T) {
	userNS(t)
	s := newSession(t)
	s.install()
	uid := strconv.Itoa(os.Getuid())
	if isRoot() {
		uid = strconv.Itoa(nobodyID)
	}
	out, errOut, code := s.junest(nil, "--", "id", "-u")
	expect(t, "junest -- id -u", out, errOut, code, uid+"\n")
	out, errOut, code = s.junest(nil, "ns", "-f", "--", "id", "-u")
	expect(t, "junest ns -f -- id -u", out, errOut, code, "0\n")
	release, _ := os.ReadFile(filepath.Join(rootfsPath, "etc/debian_version"))
	out, errOut, code = s.junest(nil, "cat", "/etc/debian_version")
	expect(t, "junest cat /etc/debian_version", out, errOut, code, string(release))
	out, errOut, code = s.run(nil, s.user, junestPath, "n", "--", "sh", "-c", "pwd; test -d /proc/self && echo proc; echo $JUNEST_ENV; exit 3")
	if want := s.user + "\nproc\n1\n"; code != 3 || out != want {
		t.Errorf("junest n -- sh: exit %d, stdout %q, want %q (exit 3)\nstderr:\n%s", code, out, want, errOut)
	}
	// Nested: JUNEST_ENV=1 is refused.
	_, errOut, code = s.junest([]string{"JUNEST_ENV=1"}, "ns", "--", "true")
	if code != 106 || !strings.Contains(errOut, "nested") {
		t.Errorf("junest ns with JUNEST_ENV=1: exit %d, stderr %q", code, errOut)
	}
}

// TestNamespacesDisabled runs junest ns where user namespaces are
// disabled (user.max_user_namespaces = 0, set in a user namespace of the
// test's own): a warning that says how to enable them, then a one-line
// failure that suggests junest proot.
func TestNamespacesDisabled(t *testing.T) {
	if !isRoot() {
		t.Skip("needs root: it makes a user namespace where user namespaces are disabled")
	}
	userNS(t)
	s := newSession(t)
	s.install()
	script := `echo 0 > /proc/sys/user/max_user_namespaces && exec "$@"`
	_, errOut, code := runAs(t, s.env(nil), "/", "unshare", "--user", "--map-root-user", "sh", "-c", script, "sh", junestPath, "ns", "-n", "--", "true")
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if code == 0 || len(lines) != 2 || !strings.Contains(lines[0], "sysctl user.max_user_namespaces") || !strings.Contains(lines[1], "junest proot") {
		t.Errorf("junest ns without user namespaces: exit %d, stderr:\n%s", code, errOut)
	}
}

// TestSetupErrors gives setup bad images: each is one line of error, a
// non-zero exit status, and JUNEST_HOME as it was.
func TestSetupErrors(t *testing.T) {
	s := newSession(t)
	img, err := os.ReadFile(imagePath)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(s.dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name, image, want string
		code              int
	}{
		{"missing", filepath.Join(s.dir, "nothing.tar.gz"), "does not exist", 103},
		{"not-gzip", write("text.tar.gz", []byte("this is not an image\n")), "not a tar archive", 1},
		{"truncated", write("half.tar.gz", img[:len(img)/2]), "truncated", 1},
		{"dotdot", write("evil.tar.gz", evilImage(t)), "outside", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, before := range []string{"absent", "present"} {
				if before == "present" {
					s.run(nil, "", "sh", "-c", `mkdir -p "$1/etc" && echo old > "$1/etc/old"`, "sh", s.home)
				}
				out, errOut, code := s.junest(nil, "setup", "-i", c.image)
				var errLines []string
				for _, l := range strings.Split(strings.TrimSpace(errOut), "\n") {
					if !strings.HasPrefix(l, "junest: installing") {
						errLines = append(errLines, l)
					}
				}
				if before == "present" {
					// An installed JuNest is never overwritten.
					if code == 0 || !strings.Contains(errOut, "setup -d") {
						t.Errorf("%s over an installed JuNest: exit %d, stderr %q", c.name, code, errOut)
					}
					got, err := os.ReadFile(filepath.Join(s.home, "etc/old"))
					if err != nil || string(got) != "old\n" {
						t.Errorf("JUNEST_HOME changed: %q, %v", got, err)
					}
					s.run(nil, "", "rm", "-rf", s.home)
					continue
				}
				if code != c.code || out != "" || len(errLines) != 1 || !strings.Contains(errOut, c.want) {
					t.Errorf("setup -i %s: exit %d (want %d), stdout %q, stderr %q (want one line with %q)", c.image, code, c.code, out, errOut, c.want)
				}
				if _, err := os.Lstat(s.home); err == nil {
					t.Errorf("JUNEST_HOME %s exists after a failed setup", s.home)
				}
				if left, _ := filepath.Glob(filepath.Join(s.dir, ".junest.setup-*")); len(left) > 0 {
					t.Errorf("temporary directories left: %v", left)
				}
			}
		})
	}
}

// evilImage is a tar.gz whose second entry is ../x.
func evilImage(t *testing.T) []byte {
	var b bytes.Buffer
	z := gzip.NewWriter(&b)
	w := tar.NewWriter(z)
	for _, name := range []string{"etc/", "../x"} {
		h := &tar.Header{Name: name, Mode: 0o644, Typeflag: tar.TypeReg, Size: 2}
		if strings.HasSuffix(name, "/") {
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			w.Write([]byte("x\n"))
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	z.Close()
	return b.Bytes()
}

// TestGrootAndRoot checks the root backends: groot's bindings are seen
// inside, nothing stays mounted afterwards, also when the command is
// killed; root is a plain chroot; under sudo the files made in the image
// are given back to the user.
func TestGrootAndRoot(t *testing.T) {
	if !isRoot() {
		t.Skip("needs root: groot and root chroot")
	}
	s := newSession(t)
	s.install()
	env := s.env(nil)
	out, errOut, code := runAs(t, env, "/", junestPath, "groot", "--", "cat", "/proc/self/mountinfo")
	if code != 0 {
		t.Fatalf("junest groot: exit %d\n%s", code, errOut)
	}
	for _, mp := range []string{"/proc", "/sys", "/dev", "/run", "/tmp", s.user} {
		if !strings.Contains(out, " "+mp+" ") {
			t.Errorf("junest groot -- cat /proc/self/mountinfo lacks %s:\n%s", mp, out)
		}
	}
	mounted := func(what string) {
		data, _ := os.ReadFile("/proc/self/mountinfo")
		if strings.Contains(string(data), s.home) {
			t.Errorf("after %s, the host has mounts in %s:\n%s", what, s.home, data)
		}
	}
	mounted("junest groot")
	_, errOut, code = runAs(t, env, "/", junestPath, "groot", "--", "sh", "-c", "kill -9 $$")
	if code != 137 {
		t.Errorf("junest groot -- sh -c 'kill -9 $$': exit %d, want 137\n%s", code, errOut)
	}
	mounted("a killed groot session")

	want, _ := exec.Command("chroot", s.home, "ls", "/").Output()
	out, errOut, code = runAs(t, env, "/", junestPath, "root", "--", "ls", "/")
	expect(t, "junest root -- ls /", out, errOut, code, string(want))

	// sudo: what root made in the image is the user's afterwards.
	sudo := append(env, "SUDO_USER=nobody", "SUDO_UID=65534", "SUDO_GID=65534")
	_, errOut, code = runAs(t, sudo, "/", junestPath, "root", "--", "sh", "-c", "touch /made-by-root && mkdir -p /var/made-dir")
	if code != 0 {
		t.Fatalf("junest root under sudo: exit %d\n%s", code, errOut)
	}
	for _, p := range []string{"made-by-root", "var/made-dir"} {
		st, err := os.Stat(filepath.Join(s.home, p))
		if err != nil || st.Sys().(*syscall.Stat_t).Uid != nobodyID {
			t.Errorf("%s after junest root under sudo: %v, owner %v", p, err, st.Sys())
		}
	}
	// A normal user gets a clear refusal.
	_, errOut, code = s.junest(nil, "groot", "--", "true")
	if code != 105 || !strings.Contains(errOut, "needs root") {
		t.Errorf("junest groot as a user: exit %d, stderr %q", code, errOut)
	}
}

// TestCommandLine checks JuNest's command line: help, version, unknown
// options, a missing image, the default action.
func TestCommandLine(t *testing.T) {
	s := newSession(t)
	for _, c := range []struct {
		args []string
		code int
		out  string // in stdout
		err  string // in stderr
	}{
		{[]string{"--help"}, 0, "create-bin-wrappers", ""},
		{[]string{"-h"}, 0, "Actions and options", ""},
		{[]string{"-V"}, 0, "JuNest ", ""},
		{[]string{"proot", "-x"}, 1, "", "invalid option -x"},
		{[]string{"-z"}, 1, "", "invalid option -z"},
		{[]string{"setup", "extra"}, 1, "", "invalid option extra"},
		{[]string{"proot", "--", "true"}, 1, "", "junest setup"},
		{[]string{"setup", "-a", "sparc"}, 102, "", "unknown architecture"},
	} {
		out, errOut, code := s.junest(nil, c.args...)
		if code != c.code || !strings.Contains(out, c.out) || !strings.Contains(errOut, c.err) {
			t.Errorf("junest %q: exit %d (want %d), stdout %q (want %q in it), stderr %q (want %q in it)", c.args, code, c.code, out, c.out, errOut, c.err)
		}
		if c.code != 0 && strings.Count(strings.TrimSpace(errOut), "\n") != 0 {
			t.Errorf("junest %q: more than one line of error:\n%s", c.args, errOut)
		}
	}
}

// TestBackendCommand runs the proot backend with Debian's proot as
// --backend-command: the same bindings and options reach it.
func TestBackendCommand(t *testing.T) {
	proot, err := exec.LookPath("proot")
	if err != nil {
		t.Skip("Debian's proot is not installed (apt-get install proot)")
	}
	s := newSession(t)
	s.install()
	release, _ := os.ReadFile(filepath.Join(rootfsPath, "etc/debian_version"))
	out, errOut, code := s.junest([]string{"PROOT_NO_SECCOMP=1"}, "proot", "--backend-command", proot, "-f", "--", "sh", "-c", "id -u; cat /etc/debian_version")
	expect(t, "junest proot --backend-command proot -f", out, errOut, code, "0\n"+string(release))
}

// TestBuild builds an image offline from a local pacman repository
// (testdata/mkpkgs.sh: makepkg and repo-add of small packages, pacman
// itself among them), installs it with setup, and uses pacman in it
// under fake root: it lists the packages and installs another one from
// that repository.
func TestBuild(t *testing.T) {
	if !isRoot() {
		t.Skip("needs root: pacstrap mounts /proc, /sys and /dev in the new root (as a user it needs /etc/subuid entries)")
	}
	s := newSession(t)
	cmd := exec.Command("sh", "../../testdata/mkpkgs.sh")
	cmd.Env, cmd.Stderr = cacheEnv(), os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("testdata/mkpkgs.sh: %v", err)
	}
	repo := filepath.Join(s.user, "repo")
	if _, errOut, code := s.run(nil, "", "cp", "-r", strings.TrimSpace(string(out)), repo); code != 0 {
		t.Fatal(errOut)
	}
	conf := filepath.Join(s.dir, "pacman.conf")
	text := "[options]\nArchitecture = auto\nSigLevel = Never\n\n[junest-local]\nServer = file://" + repo + "\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(s.dir, "out")
	if err := os.Mkdir(outDir, 0o755); err != nil {
		t.Fatal(err)
	}

	// A configuration without a repository: one line, no image.
	empty := filepath.Join(s.dir, "empty.conf")
	os.WriteFile(empty, []byte("[options]\nArchitecture = auto\n"), 0o644)
	_, errOut, code := runAs(t, s.env(nil), outDir, junestPath, "build", "--pacman-conf", empty)
	if code == 0 || strings.Count(strings.TrimSpace(errOut), "\n") != 0 || !strings.Contains(errOut, "no repository") {
		t.Errorf("junest build with no repository: exit %d, stderr:\n%s", code, errOut)
	}
	if left, _ := os.ReadDir(outDir); len(left) != 0 {
		t.Errorf("a failed build left %v", left)
	}

	_, errOut, code = runAs(t, s.env(nil), outDir, junestPath, "build", "--pacman-conf", conf, "--packages", "junest-base hello-junest")
	if code != 0 || !strings.Contains(errOut, "the image works") {
		t.Fatalf("junest build: exit %d\n%s", code, errOut)
	}
	image := filepath.Join(outDir, "junest-x86_64.tar.gz")
	out2, errOut, code := s.junest(nil, "setup", "-i", image)
	if code != 0 {
		t.Fatalf("junest setup -i %s: exit %d\n%s%s", image, code, out2, errOut)
	}
	info, _ := os.ReadFile(filepath.Join(s.home, "etc/junest/info"))
	if string(info) != "JUNEST_ARCH=x86_64\n" {
		t.Errorf("etc/junest/info: %q", info)
	}
	got, errOut, code := s.junest(nil, "proot", "-f", "--", "pacman", "-Q")
	expect(t, "junest proot -f -- pacman -Q", got, errOut, code, "hello-junest 1.0-1\njunest-base 1.0-1\n")
	_, errOut, code = s.junest(nil, "proot", "-f", "--", "pacman", "-S", "--noconfirm", "extra-junest")
	if code != 0 {
		t.Fatalf("junest proot -f -- pacman -S extra-junest: exit %d\n%s", code, errOut)
	}
	got, errOut, code = s.junest(nil, "proot", "--", "extra-junest")
	expect(t, "junest proot -- extra-junest", got, errOut, code, "extra from a junest test package\n")
	got, errOut, code = s.junest(nil, "proot", "-f", "--", "pacman", "-Qq")
	expect(t, "pacman -Qq after pacman -S", got, errOut, code, "extra-junest\nhello-junest\njunest-base\n")
}

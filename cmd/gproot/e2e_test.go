//go:build linux

// End-to-end tests: they build gproot, run it on a Debian rootfs made by
// testdata/mkrootfs.sh (or the one named by GPROOT_ROOTFS) and check what
// the guest sees.
//
// When the tests run as root, gproot runs as the unprivileged uid/gid 65534
// through setpriv(1), as a real user would run it: the rootfs is
// world-readable, and anything the guest must write is a directory the test
// chowns to 65534. Every traced case runs twice, as the subtests "seccomp"
// (the default) and "noseccomp" (PROOT_NO_SECCOMP=1).
//
// Each command gets cmdTimeout, so a hang in the tracer fails the test
// instead of blocking CI.

package main

import (
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// cmdTimeout bounds every command a test runs.
	cmdTimeout = 2 * time.Minute
	// nobodyID is the uid and gid gproot runs as when the tests run as root.
	nobodyID = 65534
	// guestBinDir is where the test binaries directory is bound in the guest.
	guestBinDir = "/srv/gproot-bin"
	// guestWorkDir is where a test's writable directory is bound in the guest.
	guestWorkDir = "/srv/gproot-work"
	// defaultRootCache is the rootfs cache used when the tests build the
	// rootfs as root: HOME=/root is mode 0700, so a rootfs under
	// ~/.cache would be out of reach of uid 65534.
	defaultRootCache = "/var/cache/gproot"
)

// modes are the three ways every traced case runs.
var modes = []struct {
	name string
	env  []string
}{
	{"seccomp", nil},
	{"seccomp-nogate", []string{"GPROOT_NO_GATE=1"}},
	{"noseccomp", []string{"PROOT_NO_SECCOMP=1"}},
}

var (
	fixturesOnce sync.Once
	fixturesPath string // world-readable directory for gproot and guest binaries
	fixturesErr  error

	buildOnce  sync.Once
	gprootPath string
	buildErr   error

	rootfsOnce sync.Once
	rootfsPath string
	rootfsSkip string // reason to skip tests that need the rootfs
	rootfsErr  error

	guestsMu sync.Mutex
	guests   = map[string]string{} // fixture name -> built binary
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixturesPath != "" {
		os.RemoveAll(fixturesPath)
	}
	os.Exit(code)
}

// fixtures returns the directory that holds gproot and the compiled guest
// programs. It is outside any t.TempDir (those are mode 0700) and is
// readable and searchable by uid 65534.
func fixtures(t *testing.T) string {
	t.Helper()
	fixturesOnce.Do(func() {
		fixturesPath, fixturesErr = os.MkdirTemp("", "gproot-e2e-")
		if fixturesErr == nil {
			fixturesErr = os.Chmod(fixturesPath, 0o755)
		}
	})
	if fixturesErr != nil {
		t.Fatal(fixturesErr)
	}
	return fixturesPath
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// gprootBin builds gproot (statically, CGO_ENABLED=0) once per test binary
// and returns its path.
func gprootBin(t *testing.T) string {
	t.Helper()
	dir := fixtures(t)
	buildOnce.Do(func() {
		out := filepath.Join(dir, "gproot")
		cmd := exec.Command(goTool(), "build", "-o", out, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/gproot: %v\n%s", err, b)
			return
		}
		buildErr = os.Chmod(out, 0o755)
		gprootPath = out
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return gprootPath
}

// rootfs returns the Debian rootfs: $GPROOT_ROOTFS, or, as root, the one
// testdata/mkrootfs.sh prints (building it the first time).
func rootfs(t *testing.T) string {
	t.Helper()
	rootfsOnce.Do(findRootfs)
	if rootfsSkip != "" {
		t.Skip(rootfsSkip)
	}
	if rootfsErr != nil {
		t.Fatal(rootfsErr)
	}
	return rootfsPath
}

func findRootfs() {
	r := os.Getenv("GPROOT_ROOTFS")
	switch {
	case r != "":
	case os.Geteuid() != 0:
		rootfsSkip = "GPROOT_ROOTFS is unset and building the rootfs (testdata/mkrootfs.sh, debootstrap) needs root: run `make test` as root or set GPROOT_ROOTFS"
		return
	default:
		cmd := exec.Command("sh", "../../testdata/mkrootfs.sh")
		cmd.Env = os.Environ()
		if os.Getenv("GPROOT_CACHE") == "" {
			cmd.Env = append(cmd.Env, "GPROOT_CACHE="+defaultRootCache)
		}
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			rootfsErr = fmt.Errorf("testdata/mkrootfs.sh: %v", err)
			return
		}
		r = strings.TrimSpace(string(out))
	}
	r, err := filepath.Abs(r)
	if err != nil {
		rootfsErr = err
		return
	}
	if _, err := os.Stat(filepath.Join(r, "etc/debian_version")); err != nil {
		rootfsErr = fmt.Errorf("GPROOT_ROOTFS=%s does not look like a Debian rootfs: %v", r, err)
		return
	}
	if os.Geteuid() == 0 {
		// gproot runs as uid 65534, which must reach the rootfs.
		probe := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
			"test", "-r", filepath.Join(r, "etc/debian_version"))
		probe.Dir = "/"
		if err := probe.Run(); err != nil {
			rootfsErr = fmt.Errorf("rootfs %s is not readable by uid %d (%v): is a parent directory, such as /root, mode 0700? "+
				"Build it under a world-searchable cache, e.g. GPROOT_CACHE=%s testdata/mkrootfs.sh", r, nobodyID, err, defaultRootCache)
			return
		}
	}
	rootfsPath = r
}

func isRoot() bool { return os.Geteuid() == 0 }

func requireRoot(t *testing.T, why string) {
	t.Helper()
	if !isRoot() {
		t.Skipf("needs root: %s", why)
	}
}

// asNobody prefixes argv so that it runs as uid/gid 65534 with no
// supplementary groups when the test runs as root.
func asNobody(argv ...string) []string {
	if !isRoot() {
		return argv
	}
	return append([]string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}, argv...)
}

// baseEnv is the whole environment of every command: nothing of the test's
// own environment leaks into the guest (in particular no *_NO_SECCOMP).
func baseEnv() []string {
	return []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"LC_ALL=C",
		"HOME=/nonexistent",
	}
}

func quote(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if a == "" || strings.ContainsAny(a, " \t\n'\"$;&|<>*?()\\`") {
			a = strconv.Quote(a)
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// run runs argv with baseEnv plus env, in "/", with no stdin, and returns its
// output and exit status. A process killed by a signal gets code -1 and a
// note at the end of stderr. A timeout fails the test.
func run(t *testing.T, env []string, argv ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runWith(t, cmdOpts{env: env}, argv...)
}

// cmdOpts are the settings of runWith beyond run's.
type cmdOpts struct {
	env     []string      // added to baseEnv
	stdin   string        // the command's standard input
	dir     string        // working directory; "" is "/"
	timeout time.Duration // 0 is cmdTimeout
}

// runWith is run with a standard input, a working directory and a
// timeout of the caller's.
func runWith(t *testing.T, o cmdOpts, argv ...string) (stdout, stderr string, code int) {
	t.Helper()
	timeout := o.timeout
	if timeout == 0 {
		timeout = cmdTimeout
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(baseEnv(), o.env...)
	cmd.Dir = "/"
	if o.dir != "" {
		cmd.Dir = o.dir
	}
	if o.stdin != "" {
		cmd.Stdin = strings.NewReader(o.stdin)
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		t.Errorf("%s: timed out after %v\nstdout:\n%s\nstderr:\n%s", quote(argv), timeout, &out, &errb)
		code = -1
	case errors.Is(err, exec.ErrWaitDelay):
		t.Errorf("%s: exited but a leftover process kept its output open", quote(argv))
		code = cmd.ProcessState.ExitCode()
	case errors.As(err, &ee):
		code = ee.ExitCode()
		if code < 0 {
			fmt.Fprintf(&errb, "[%s]", ee)
		}
	case err != nil:
		t.Fatalf("%s: %v", quote(argv), err)
	}
	t.Logf("$ %s  (exit %d)", quote(argv), code)
	return out.String(), errb.String(), code
}

// runGproot runs gproot with args as the unprivileged user.
func runGproot(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return run(t, env, asNobody(append([]string{gprootBin(t)}, args...)...)...)
}

// runGprootWith is runGproot with runWith's settings.
func runGprootWith(t *testing.T, o cmdOpts, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return runWith(t, o, asNobody(append([]string{gprootBin(t)}, args...)...)...)
}

// runChroot runs `sh -c shellCmd` as uid/gid 65534 under chroot(8) in the
// rootfs r, with /proc, /dev and /sys bind-mounted into it. The mounts are
// made in a private mount namespace (unshare(1) -m), so the shared rootfs
// is not changed; TestSameOutputAsChroot checks that.
func runChroot(t *testing.T, r, shellCmd string) (stdout, stderr string, code int) {
	t.Helper()
	const script = `mount --bind /proc "$1/proc" && mount --rbind /dev "$1/dev" && mount --bind /sys "$1/sys" && exec chroot --userspec=65534:65534 "$1" sh -c "$2"`
	return run(t, nil, "unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", r, shellCmd)
}

// eachMode runs f as the subtests "seccomp" (with the gate),
// "seccomp-nogate" and "noseccomp", passing the environment to add to
// gproot's.
func eachMode(t *testing.T, f func(t *testing.T, env []string)) {
	t.Helper()
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) { f(t, m.env) })
	}
}

// readableDir returns a new temporary directory that uid 65534 can read.
func readableDir(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	// t.TempDir makes both d and its parent mode 0700.
	for _, p := range []string{filepath.Dir(d), d} {
		if err := os.Chmod(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// writableDir returns a new temporary directory that uid 65534 owns.
func writableDir(t *testing.T) string {
	t.Helper()
	d := readableDir(t)
	if isRoot() {
		if err := os.Chown(d, nobodyID, nobodyID); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func writeFile(t *testing.T, p, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil { // not subject to umask
		t.Fatal(err)
	}
}

// requireHostLacks fails the test if p exists on the host: the case checks
// something that must exist only in the guest.
func requireHostLacks(t *testing.T, p string) {
	t.Helper()
	if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s must not exist on the host for this test (lstat: %v)", p, err)
	}
}

// guest builds a guest program once and returns its path in fixtures().
// name is the output name; build is called with that path.
func guest(t *testing.T, name string, build func(out string) error) string {
	t.Helper()
	guestsMu.Lock()
	defer guestsMu.Unlock()
	if p, ok := guests[name]; ok {
		return p
	}
	out := filepath.Join(fixtures(t), name)
	if err := build(out); err != nil {
		t.Fatalf("building %s: %v", name, err)
	}
	if err := os.Chmod(out, 0o755); err != nil {
		t.Fatal(err)
	}
	guests[name] = out
	return out
}

// cGuest compiles testdata/c/<src> with gcc into fixtures()/<name>.
// Skips the test when there is no gcc.
func cGuest(t *testing.T, name, src string, flags ...string) string {
	t.Helper()
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("gcc not found: the C guest programs in testdata/c cannot be built")
	}
	return guest(t, name, func(out string) error {
		args := append([]string{"-O2", "-Wall", "-o", out, filepath.Join("../../testdata/c", src)}, flags...)
		if b, err := exec.Command(gcc, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("gcc %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		return nil
	})
}

// goGuest builds testdata/guest/<name> as a static Go program.
func goGuest(t *testing.T, name string) string {
	t.Helper()
	return guest(t, "go-"+name, func(out string) error {
		cmd := exec.Command(goTool(), "build", "-o", out, "../../testdata/guest/"+name)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %v\n%s", err, b)
		}
		return nil
	})
}

// resolveIn resolves the guest path p inside the rootfs root, following
// symbolic links as the guest would (absolute targets are relative to
// root), and returns the host path.
func resolveIn(root, p string) (string, error) {
	rest := strings.Split(p, "/")
	cur := "/"
	for hops := 0; len(rest) > 0; {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, c)
		host := filepath.Join(root, next)
		fi, err := os.Lstat(host)
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			cur = next
			continue
		}
		if hops++; hops > 40 {
			return "", fmt.Errorf("%s: too many levels of symbolic links", p)
		}
		target, err := os.Readlink(host)
		if err != nil {
			return "", err
		}
		if path.IsAbs(target) {
			cur = "/"
		}
		rest = append(strings.Split(target, "/"), rest...)
	}
	return filepath.Join(root, cur), nil
}

// guestLoader returns the host path of the guest's program interpreter
// (PT_INTERP of the guest's /bin/true), resolved inside the rootfs.
func guestLoader(t *testing.T, r string) string {
	t.Helper()
	trueBin, err := resolveIn(r, "/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	f, err := elf.Open(trueBin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type != elf.PT_INTERP {
			continue
		}
		b, err := io.ReadAll(p.Open())
		if err != nil {
			t.Fatal(err)
		}
		ld, err := resolveIn(r, strings.TrimRight(string(b), "\x00"))
		if err != nil {
			t.Fatal(err)
		}
		return ld
	}
	t.Fatalf("%s has no PT_INTERP", trueBin)
	return ""
}

// TestSameOutputAsChroot runs shell commands under gproot and under a real
// chroot(8), both as uid 65534 with the host's /proc, /dev and /sys in the
// rootfs, and wants the same stdout and exit status.
//
// What must differ and is normalised:
//   - stderr is not compared (only logged when it differs): gproot may add
//     warnings, and error texts name host paths.
//   - ls -l /proc/self/cwd: the date column is the time the /proc inode was
//     made, which depends on the minute the command ran.
//   - ls -la /: the link count of /proc is the number of processes on the
//     host plus a few; gproot's own process adds one, and the width of the
//     column follows it, so runs of blanks count as one.
//
// gproot gets `-r ROOTFS -b /proc -b /dev -b /sys -w /`, not -R: -R binds
// the host's /etc/passwd, so owner names in `ls -l` would differ.
func TestSameOutputAsChroot(t *testing.T) {
	requireRoot(t, "the reference side uses unshare -m, mount and chroot")
	r := rootfs(t)
	procLinks := regexp.MustCompile(`(?m)^(dr-xr-xr-x +)[0-9]+( .* proc)$`)
	spaces := regexp.MustCompile(` +`)
	lsDate := regexp.MustCompile(`[A-Z][a-z]{2} +[0-9]{1,2} +([0-9]{2}:[0-9]{2}|[0-9]{4})`)
	cases := []struct {
		name, cmd string
		norm      func(string) string
	}{
		{"ls-la-root", "ls -la /", func(s string) string {
			return spaces.ReplaceAllString(procLinks.ReplaceAllString(s, "${1}N${2}"), " ")
		}},
		{"debian-version", "cat /etc/debian_version", nil},
		{"find-usr-count", "find /usr -type f | wc -l", nil},
		{"dpkg-l-count", "dpkg -l | wc -l", nil},
		{"cd-pwd", "sh -c 'cd /usr/share/doc && pwd'", nil},
		{"readlink-proc-self-exe", "readlink /proc/self/exe", nil},
		{"tar-etc-count", "tar -cf - /etc | tar -tf - | wc -l", nil},
		{"perl", "perl -e 'print 42'", nil},
		{"apt-cache-policy", "apt-cache policy bash", nil},
		{"bash-cd-dotdot", "bash -c 'cd / && cd .. && pwd'", nil},
		{"ls-l-proc-self-cwd", "ls -l /proc/self/cwd", func(s string) string { return lsDate.ReplaceAllString(s, "DATE") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			norm := c.norm
			if norm == nil {
				norm = func(s string) string { return s }
			}
			want, wantErr, wantCode := runChroot(t, r, c.cmd)
			if wantCode != 0 || want == "" {
				t.Fatalf("reference run under chroot failed (exit %d):\nstdout:\n%s\nstderr:\n%s", wantCode, want, wantErr)
			}
			eachMode(t, func(t *testing.T, env []string) {
				got, gotErr, code := runGproot(t, env, "-r", r, "-b", "/proc", "-b", "/dev", "-b", "/sys", "-w", "/", "sh", "-c", c.cmd)
				if code != wantCode {
					t.Errorf("exit status %d, chroot gives %d\nstderr:\n%s", code, wantCode, gotErr)
				}
				if g, w := norm(got), norm(want); g != w {
					t.Errorf("stdout differs from chroot's\n--- gproot:\n%s\n--- chroot:\n%s", g, w)
				}
				if gotErr != wantErr {
					t.Logf("stderr differs (not compared)\n--- gproot:\n%s\n--- chroot:\n%s", gotErr, wantErr)
				}
			})
		})
	}

	// The chroot mounts were made in a private mount namespace: none may be
	// visible here, in the shared rootfs.
	mi, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(mi)) {
		f := strings.Fields(line)
		if len(f) > 4 && (f[4] == r || strings.HasPrefix(f[4], r+"/")) {
			t.Errorf("a mount leaked into the host's namespace inside the rootfs: %s", line)
		}
	}
}

// TestBindings checks -b HOST:GUEST: listing and writing through a binding,
// and an absolute symlink in a bound directory, which must resolve in the
// guest, not on the host.
func TestBindings(t *testing.T) {
	r := rootfs(t)

	t.Run("list-bound-dir", func(t *testing.T) {
		host := readableDir(t)
		for _, f := range []string{"alpha", "beta"} {
			writeFile(t, filepath.Join(host, f), f+"\n", 0o644)
		}
		if err := os.Mkdir(filepath.Join(host, "gamma"), 0o755); err != nil {
			t.Fatal(err)
		}
		eachMode(t, func(t *testing.T, env []string) {
			out, errOut, code := runGproot(t, env, "-r", r, "-b", host+":/mnt", "ls", "/mnt")
			if code != 0 || out != "alpha\nbeta\ngamma\n" {
				t.Errorf("ls /mnt: exit %d, stdout %q, want alpha beta gamma\nstderr:\n%s", code, out, errOut)
			}
		})
	})

	t.Run("write-through-binding", func(t *testing.T) {
		eachMode(t, func(t *testing.T, env []string) {
			host := writableDir(t)
			_, errOut, code := runGproot(t, env, "-r", r, "-b", host+":/mnt", "sh", "-c", "echo hi > /mnt/new")
			if code != 0 {
				t.Errorf("exit %d\nstderr:\n%s", code, errOut)
			}
			b, err := os.ReadFile(filepath.Join(host, "new"))
			if err != nil || string(b) != "hi\n" {
				t.Errorf("host file: %q, %v; want \"hi\\n\"", b, err)
			}
		})
	})

	t.Run("absolute-symlink-resolves-in-guest", func(t *testing.T) {
		// A directory that holds only symlinks, bound onto a guest path
		// that does not exist in the rootfs. Each link's absolute target
		// must be read from the rootfs. Targets whose content is the same
		// on the host prove nothing, so they are left out.
		const guestDir = "/srv/gproot-links"
		host := readableDir(t)
		var targets []string
		for _, target := range []string{"/etc/passwd", "/var/lib/dpkg/status"} {
			inGuest, err := os.ReadFile(filepath.Join(r, target))
			if err != nil {
				t.Fatal(err)
			}
			onHost, _ := os.ReadFile(target)
			if bytes.Equal(inGuest, onHost) {
				t.Logf("%s is the same on the host and in the rootfs; not checked", target)
				continue
			}
			if err := os.Symlink(target, filepath.Join(host, path.Base(target))); err != nil {
				t.Fatal(err)
			}
			targets = append(targets, target)
		}
		if len(targets) == 0 {
			t.Skip("every candidate target is identical on the host and in the rootfs")
		}
		eachMode(t, func(t *testing.T, env []string) {
			for _, target := range targets {
				want, _ := os.ReadFile(filepath.Join(r, target))
				link := path.Join(guestDir, path.Base(target))
				out, errOut, code := runGproot(t, env, "-r", r, "-b", host+":"+guestDir, "cat", link)
				if code != 0 || out != string(want) {
					t.Errorf("cat %s (-> %s): exit %d, stdout differs from the rootfs's %s (equals the host's: %v)\nstdout:\n%s\nstderr:\n%s",
						link, target, code, target, bytes.Equal([]byte(out), mustRead(target)), out, errOut)
				}
			}
		})
	})
}

func mustRead(p string) []byte {
	b, _ := os.ReadFile(p)
	return b
}

// TestProgramLoading checks execve of programs whose pieces exist only in
// the guest: an ELF program interpreter reached through a binding, and a
// nested shebang, and that the program sees its guest path in
// /proc/self/exe, AT_EXECFN and argv[0].
func TestProgramLoading(t *testing.T) {
	r := rootfs(t)
	// Both selfexe builds are dynamic: they were linked against the host's
	// glibc and run with the rootfs's (both Debian bookworm).
	selfexe := cGuest(t, "selfexe", "selfexe.c")
	cGuest(t, "selfexe-ld", "selfexe.c", "-Wl,--dynamic-linker=/lib/gproot-test-ld.so")
	bins := filepath.Dir(selfexe)
	const ldso = "/lib/gproot-test-ld.so"
	requireHostLacks(t, ldso)
	requireHostLacks(t, guestBinDir)
	ld := guestLoader(t, r)

	// Sanity check of the program itself, natively.
	out, _, code := run(t, nil, asNobody(selfexe)...)
	if want := fmt.Sprintf("exe=%s\nexecfn=%[1]s\nargv0=%[1]s\n", selfexe); code != 0 || out != want {
		t.Fatalf("native selfexe: exit %d, stdout %q, want %q", code, out, want)
	}

	cases := []struct {
		name string
		args []string // after -r R
		want string
	}{
		{
			name: "guest-path-of-program",
			args: []string{"-b", bins + ":" + guestBinDir, guestBinDir + "/selfexe"},
			want: "exe=/srv/gproot-bin/selfexe\nexecfn=/srv/gproot-bin/selfexe\nargv0=/srv/gproot-bin/selfexe\n",
		},
		{
			name: "relative-path-of-program",
			args: []string{"-b", bins + ":" + guestBinDir, "-w", guestBinDir, "./selfexe"},
			want: "exe=/srv/gproot-bin/selfexe\nexecfn=./selfexe\nargv0=./selfexe\n",
		},
		{
			name: "interpreter-only-in-guest",
			args: []string{"-b", ld + ":" + ldso, "-b", bins + ":" + guestBinDir, guestBinDir + "/selfexe-ld"},
			want: "exe=/srv/gproot-bin/selfexe-ld\nexecfn=/srv/gproot-bin/selfexe-ld\nargv0=/srv/gproot-bin/selfexe-ld\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			eachMode(t, func(t *testing.T, env []string) {
				out, errOut, code := runGproot(t, env, append([]string{"-r", r, "-b", "/proc"}, c.args...)...)
				if code != 0 || out != c.want {
					t.Errorf("exit %d\n--- stdout:\n%s\n--- want:\n%s\n--- stderr:\n%s", code, out, c.want, errOut)
				}
			})
		})
	}

	t.Run("nested-shebang-only-in-guest", func(t *testing.T) {
		// run-me's interpreter is myinterp, itself a script for /bin/sh;
		// the kernel runs: /bin/sh /srv/gproot-sh/myinterp /srv/gproot-sh/run-me x y
		const dir = "/srv/gproot-sh"
		requireHostLacks(t, dir)
		host := readableDir(t)
		writeFile(t, filepath.Join(host, "myinterp"), "#!/bin/sh\necho \"interp=$0 script=$1 args=$2 $3\"\n", 0o755)
		writeFile(t, filepath.Join(host, "run-me"), "#!"+dir+"/myinterp\nthis line is read by myinterp only\n", 0o755)
		want := "interp=/srv/gproot-sh/myinterp script=/srv/gproot-sh/run-me args=x y\n"
		eachMode(t, func(t *testing.T, env []string) {
			out, errOut, code := runGproot(t, env, "-r", r, "-b", host+":"+dir, dir+"/run-me", "x", "y")
			if code != 0 || out != want {
				t.Errorf("exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
			}
		})
	})
}

// TestTmpNoexec runs gproot -R with a noexec /tmp (and TMPDIR=/tmp): gproot
// must not need to execute anything it puts in /tmp.
func TestTmpNoexec(t *testing.T) {
	requireRoot(t, "mounting a noexec tmpfs on /tmp needs unshare -m and mount")
	r := rootfs(t)
	if strings.HasPrefix(r, "/tmp/") {
		t.Skipf("the rootfs %s is under /tmp, which the noexec tmpfs hides", r)
	}
	bin := gprootBin(t)
	// gproot itself lives in a directory under the old /tmp: bind that
	// directory onto /srv first (in the private namespace only) so it stays
	// reachable, then hide /tmp.
	if fi, err := os.Stat("/srv"); err != nil || !fi.IsDir() {
		t.Skip("no /srv directory on the host to bind gproot's directory onto")
	}
	const script = `set -e
mount --bind "$1" /srv
mount -t tmpfs -o noexec,mode=1777 tmpfs /tmp
exec setpriv --reuid=65534 --regid=65534 --clear-groups /srv/gproot -R "$2" sh -c 'echo ok'`
	eachMode(t, func(t *testing.T, env []string) {
		env = append([]string{"TMPDIR=/tmp", "HOME=/tmp"}, env...)
		out, errOut, code := run(t, env, "unshare", "--mount", "--propagation", "private",
			"sh", "-c", script, "sh", filepath.Dir(bin), r)
		if code != 0 || out != "ok\n" {
			t.Errorf("exit %d, stdout %q, want \"ok\\n\"\nstderr:\n%s", code, out, errOut)
		}
	})
}

// TestExitStatus checks gproot's exit status: the command's status, 128+N
// when it is killed by signal N, 127 when the command does not exist in the
// guest, and 1 with a one-line message for gproot's own errors.
func TestExitStatus(t *testing.T) {
	r := rootfs(t)
	traced := []struct {
		name string
		args []string
		want int
	}{
		{"exit-7", []string{"sh", "-c", "exit 7"}, 7},
		{"killed-by-sigkill", []string{"sh", "-c", "kill -9 $$"}, 128 + 9},
		{"command-not-found", []string{"gproot-no-such-command"}, 127},
	}
	for _, c := range traced {
		t.Run(c.name, func(t *testing.T) {
			eachMode(t, func(t *testing.T, env []string) {
				_, errOut, code := runGproot(t, env, append([]string{"-r", r}, c.args...)...)
				if code != c.want {
					t.Errorf("exit status %d, want %d\nstderr:\n%s", code, c.want, errOut)
				}
			})
		})
	}

	t.Run("missing-rootfs", func(t *testing.T) {
		missing := filepath.Join(readableDir(t), "no-such-rootfs")
		_, errOut, code := runGproot(t, nil, "-r", missing, "sh", "-c", "true")
		if code != 1 {
			t.Errorf("exit status %d, want 1", code)
		}
		if msg := strings.TrimSuffix(errOut, "\n"); msg == "" || strings.Contains(msg, "\n") {
			t.Errorf("want a one-line message on stderr, got %q", errOut)
		}
	})

	t.Run("unknown-option", func(t *testing.T) {
		_, errOut, code := runGproot(t, nil, "--gproot-no-such-option", "-r", r, "true")
		if code != 1 {
			t.Errorf("exit status %d, want 1\nstderr:\n%s", code, errOut)
		}
		if errOut == "" {
			t.Error("nothing on stderr")
		}
	})
}

// TestGuestPrograms runs test programs natively and under gproot and wants
// the same report: 8 threads doing file I/O (testdata/c/threads.c), a
// static Go program (testdata/guest/fileops), and 200 fork+execs
// (testdata/c/forks.c).
func TestGuestPrograms(t *testing.T) {
	r := rootfs(t)

	// sameAsNative runs bin natively on one writable directory and under
	// gproot on another, bound at guestWorkDir.
	sameAsNative := func(t *testing.T, bin string) {
		t.Helper()
		want, wantErr, wantCode := run(t, nil, asNobody(bin, writableDir(t))...)
		if wantCode != 0 {
			t.Fatalf("native run: exit %d\nstdout:\n%s\nstderr:\n%s", wantCode, want, wantErr)
		}
		eachMode(t, func(t *testing.T, env []string) {
			got, errOut, code := runGproot(t, env, "-r", r,
				"-b", filepath.Dir(bin)+":"+guestBinDir,
				"-b", writableDir(t)+":"+guestWorkDir,
				guestBinDir+"/"+filepath.Base(bin), guestWorkDir)
			if code != 0 || got != want {
				t.Errorf("exit %d\n--- gproot:\n%s\n--- native:\n%s\n--- stderr:\n%s", code, got, want, errOut)
			}
		})
	}

	t.Run("c-threads", func(t *testing.T) {
		sameAsNative(t, cGuest(t, "threads", "threads.c", "-static", "-pthread"))
	})
	t.Run("go-fileops", func(t *testing.T) {
		sameAsNative(t, goGuest(t, "fileops"))
	})
	t.Run("c-forks", func(t *testing.T) {
		bin := cGuest(t, "forks", "forks.c", "-static")
		eachMode(t, func(t *testing.T, env []string) {
			out, errOut, code := runGproot(t, env, "-r", r, "-b", filepath.Dir(bin)+":"+guestBinDir, guestBinDir+"/forks", "200")
			if code != 0 || out != "ok 200\n" {
				t.Errorf("exit %d, stdout %q, want \"ok 200\\n\"\nstderr:\n%s", code, out, errOut)
			}
		})
	})
}

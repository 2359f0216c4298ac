//go:build linux

package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	// cmdTimeout bounds every command a benchmark runs, so that a hang in
	// the tracer fails the benchmark instead of blocking.
	cmdTimeout = 5 * time.Minute
	// guestDir is where the fixtures directory is bound in the guest.
	guestDir = "/bench"
	// baselineRuns is how many N=0 runs give a runner's start-up time.
	baselineRuns = 5
)

// kinds are the loop.c workloads, in table order.
var kinds = []string{"getpid", "stat", "open", "forkwait", "forkexec"}

// runner is one way of running the guest.
type runner struct {
	name string
	// command returns the argv that runs the guest binary loop (a host
	// path) with args, or a reason to skip this runner.
	command func(b *testing.B, loop string, args ...string) (argv []string, skip string)
	// env is added to the environment, after dropping noSeccompVars.
	env []string
}

// noSeccompVars switch seccomp off in gproot (both) and PRoot (the second).
// They are dropped from every runner's environment, so that a variable
// exported by the caller cannot turn the gproot or proot row into a
// ptrace-only one.
var noSeccompVars = []string{"GPROOT_NO_SECCOMP", "PROOT_NO_SECCOMP"}

var runners = []runner{
	{name: "native", command: nativeCommand},
	{name: "gproot", command: gprootCommand},
	{name: "gproot-noseccomp", command: gprootCommand, env: []string{"PROOT_NO_SECCOMP=1"}},
	{name: "proot", command: prootCommand},
}

func nativeCommand(b *testing.B, loop string, args ...string) ([]string, string) {
	return append([]string{loop}, args...), ""
}

// gprootCommand runs the guest under gproot, in the rootfs, with the
// fixtures directory bound at guestDir.
func gprootCommand(b *testing.B, loop string, args ...string) ([]string, string) {
	root, skip := rootfs()
	if skip != "" {
		return nil, skip
	}
	return guestArgv(gprootBin(b), root, loop, args), ""
}

// prootCommand is gprootCommand with proot(1) in place of gproot.
func prootCommand(b *testing.B, loop string, args ...string) ([]string, string) {
	root, skip := rootfs()
	if skip != "" {
		return nil, skip
	}
	proot, err := exec.LookPath("proot")
	if err != nil {
		return nil, "proot is not installed (apt-get install proot): " + err.Error()
	}
	return guestArgv(proot, root, loop, args), ""
}

// guestArgv is the command line shared by gproot and proot.
func guestArgv(tracer, root, loop string, args []string) []string {
	argv := []string{tracer, "-r", root, "-b", filepath.Dir(loop) + ":" + guestDir, "-w", "/",
		guestDir + "/" + filepath.Base(loop)}
	return append(argv, args...)
}

var (
	fixturesOnce sync.Once
	fixturesPath string // holds loop and gproot, bound at guestDir
	fixturesErr  error

	loopOnce sync.Once
	loopPath string
	loopSkip string
	loopErr  error

	gprootOnce sync.Once
	gprootPath string
	gprootErr  error

	baselineMu sync.Mutex
	baselines  = map[string]time.Duration{} // runner name -> t(0)
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixturesPath != "" {
		os.RemoveAll(fixturesPath)
	}
	os.Exit(code)
}

// fixtures returns the directory that holds the guest and gproot binaries.
// It lives as long as the test process, so each is built once per run.
func fixtures(b *testing.B) string {
	b.Helper()
	fixturesOnce.Do(func() {
		fixturesPath, fixturesErr = os.MkdirTemp("", "gproot-bench-")
		if fixturesErr == nil {
			fixturesErr = os.Chmod(fixturesPath, 0o755)
		}
	})
	if fixturesErr != nil {
		b.Fatal(fixturesErr)
	}
	return fixturesPath
}

// loopBin compiles testdata/loop.c, as a dynamic executable, once per run.
// It skips b when there is no C compiler.
func loopBin(b *testing.B) string {
	b.Helper()
	dir := fixtures(b)
	loopOnce.Do(func() {
		cc, err := exec.LookPath("gcc")
		if err != nil {
			loopSkip = "gcc is missing (apt-get install gcc libc6-dev): it compiles the guest testdata/loop.c"
			return
		}
		src, err := filepath.Abs(filepath.Join("testdata", "loop.c"))
		if err != nil {
			loopErr = err
			return
		}
		out := filepath.Join(dir, "loop")
		if msg, err := exec.Command(cc, "-O2", "-Wall", "-o", out, src).CombinedOutput(); err != nil {
			loopErr = fmt.Errorf("gcc -O2 testdata/loop.c: %v\n%s", err, msg)
			return
		}
		loopPath = out
	})
	if loopSkip != "" {
		b.Skip(loopSkip)
	}
	if loopErr != nil {
		b.Fatal(loopErr)
	}
	return loopPath
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

// gprootBin builds gproot (statically, CGO_ENABLED=0) once per run.
func gprootBin(b *testing.B) string {
	b.Helper()
	dir := fixtures(b)
	gprootOnce.Do(func() {
		out := filepath.Join(dir, "gproot")
		cmd := exec.Command(goTool(), "build", "-o", out, "../cmd/gproot")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := cmd.CombinedOutput(); err != nil {
			gprootErr = fmt.Errorf("CGO_ENABLED=0 go build ./cmd/gproot: %v\n%s", err, msg)
			return
		}
		gprootPath = out
	})
	if gprootErr != nil {
		b.Fatal(gprootErr)
	}
	return gprootPath
}

// rootfs returns $GPROOT_ROOTFS, or a reason to skip.
func rootfs() (path, skip string) {
	r := os.Getenv("GPROOT_ROOTFS")
	if r == "" {
		return "", "set GPROOT_ROOTFS to a Debian rootfs (make bench does, from testdata/mkrootfs.sh)"
	}
	r, err := filepath.Abs(r)
	if err != nil {
		return "", err.Error()
	}
	if _, err := os.Stat(filepath.Join(r, "etc", "debian_version")); err != nil {
		return "", fmt.Sprintf("GPROOT_ROOTFS=%s does not look like a Debian rootfs: %v", r, err)
	}
	return r, ""
}

// environ is os.Environ without noSeccompVars, plus extra.
func environ(extra []string) []string {
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains(noSeccompVars, name)
	})
	return append(env, extra...)
}

// run runs argv to completion and returns its wall time. It fails b if the
// command fails.
func run(b *testing.B, argv, env []string) time.Duration {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (killed after %v)", err, cmdTimeout)
		}
		b.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out.Bytes())
	}
	return d
}

// baseline returns the median wall time of the guest under r with N=0: the
// start-up cost subtracted from every measurement. It is measured once per
// runner and run.
func baseline(b *testing.B, r runner, loop string) time.Duration {
	b.Helper()
	baselineMu.Lock()
	defer baselineMu.Unlock()
	if d, ok := baselines[r.name]; ok {
		return d
	}
	argv, skip := r.command(b, loop, "getpid", "0")
	if skip != "" {
		b.Skip(skip)
	}
	ds := make([]time.Duration, baselineRuns)
	for i := range ds {
		ds[i] = run(b, argv, environ(r.env))
	}
	slices.Sort(ds)
	d := ds[len(ds)/2]
	baselines[r.name] = d
	b.Logf("%s: start-up %v (median of %d runs with N=0)", r.name, d, baselineRuns)
	return d
}

// BenchmarkSyscalls runs loop.c once per iteration count b.N under each
// runner, and reports (t(b.N) - t(0)) / b.N as ns/op.
func BenchmarkSyscalls(b *testing.B) {
	for _, kind := range kinds {
		for _, r := range runners {
			b.Run(kind+"/"+r.name, func(b *testing.B) {
				loop := loopBin(b)
				argv, skip := r.command(b, loop, kind, strconv.Itoa(b.N))
				if skip != "" {
					b.Skip(skip)
				}
				t0 := baseline(b, r, loop)
				env := environ(r.env)
				b.ResetTimer()
				d := run(b, argv, env)
				b.StopTimer()
				b.ReportMetric(float64(max(d-t0, 0).Nanoseconds())/float64(b.N), "ns/op")
			})
		}
	}
}

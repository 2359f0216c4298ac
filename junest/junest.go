// Package junest is JuNest on top of gproot: it installs a distribution
// image into JUNEST_HOME (setup), and runs commands in it through one of
// its backends: gproot's tracer in-process (proot), unprivileged user and
// mount namespaces (ns), or, for root, a chroot with the host's /proc,
// /sys, /dev, ... bound in it (groot) or a plain one (root). It also makes
// host-side wrappers of the image's programs (create-bin-wrappers).
//
// Each backend first builds a plan (argv, environment, bindings) in a pure
// function that the tests check, then runs it.
package junest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// Exit statuses of JuNest's own failures, as upstream JuNest gives them,
// so that scripts that test them keep working.
const (
	ExitArchUnknown  = 102
	ExitNoFile       = 103
	ExitArchMismatch = 104
	ExitRoot         = 105
	ExitNested       = 106
	ExitBadEnv       = 107
)

// Error is a failure with the exit status junest ends with.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// errorf makes an Error with exit status code.
func errorf(code int, format string, a ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, a...)}
}

// ExitCode is the status junest exits with after err: an Error's code, 1
// for any other.
func ExitCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 1
}

// InfoFile records the image's architecture, relative to JUNEST_HOME: one
// line JUNEST_ARCH=ARCH, as upstream JuNest's images have it.
const InfoFile = "etc/junest/info"

// Archs are the architectures a JuNest image may be built for, with
// upstream's names.
var Archs = []string{"x86_64", "x86", "arm", "aarch64"}

// HostArch is the host's architecture in JuNest's names.
func HostArch() string {
	switch runtime.GOARCH {
	case "amd64":
		return "x86_64"
	case "386":
		return "x86"
	case "arm":
		return "arm"
	case "arm64":
		return "aarch64"
	}
	return runtime.GOARCH
}

// DefaultRepo is where setup downloads junest-ARCH.tar.gz from unless
// JUNEST_REPO names another place.
const DefaultRepo = "https://s3-eu-west-1.amazonaws.com/junest-repo/junest"

// Env is what junest takes from its environment.
type Env struct {
	// Home is JUNEST_HOME (default ~/.junest), where the image lives.
	Home string
	// TempDir is JUNEST_TEMPDIR (default /tmp): build's work space.
	TempDir string
	// Repo is JUNEST_REPO, the base URL of the images.
	Repo string
	// Vars is the whole environment, passed on to the guest.
	Vars []string
	// UserHome is $HOME, bound into the guest.
	UserHome string
	// Stdin, Stdout and Stderr are junest's own.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Interactive says whether stdin and stderr are a terminal (progress
	// bar, confirmation questions).
	Interactive bool
}

// NewEnv reads the environment vars (KEY=VALUE) into an Env.
func NewEnv(vars []string) (*Env, error) {
	e := &Env{Vars: vars, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	e.UserHome = Getenv(vars, "HOME")
	e.Home = Getenv(vars, "JUNEST_HOME")
	if e.Home == "" {
		if e.UserHome == "" {
			return nil, errors.New("neither JUNEST_HOME nor HOME is set: set JUNEST_HOME to where the image is to be installed")
		}
		e.Home = filepath.Join(e.UserHome, ".junest")
	}
	h, err := filepath.Abs(e.Home)
	if err != nil {
		return nil, fmt.Errorf("JUNEST_HOME %s: %w", e.Home, err)
	}
	e.Home = filepath.Clean(h)
	if e.Home == "/" {
		return nil, errors.New("JUNEST_HOME is /: set it to a directory of its own, e.g. ~/.junest")
	}
	e.TempDir = Getenv(vars, "JUNEST_TEMPDIR")
	if e.TempDir == "" {
		e.TempDir = "/tmp"
	}
	e.Repo = strings.TrimRight(Getenv(vars, "JUNEST_REPO"), "/")
	if e.Repo == "" {
		e.Repo = DefaultRepo
	}
	return e, nil
}

// Getenv is the last value of key in vars, "" if it is absent.
func Getenv(vars []string, key string) string {
	for i := len(vars) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(vars[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// setenv returns vars with key set to value (replacing every old value).
func setenv(vars []string, key, value string) []string {
	out := make([]string, 0, len(vars)+1)
	for _, kv := range vars {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return append(out, key+"="+value)
}

// Installed says whether JUNEST_HOME holds an image: a directory that is
// not empty, as upstream decides.
func (e *Env) Installed() bool {
	f, err := os.Open(e.Home)
	if err != nil {
		return false
	}
	defer f.Close()
	names, _ := f.Readdirnames(1)
	return len(names) > 0
}

// requireInstalled fails with upstream's advice when there is no image.
func (e *Env) requireInstalled() error {
	if !e.Installed() {
		return fmt.Errorf("no image is installed in %s: run 'junest setup' first (or set JUNEST_HOME)", e.Home)
	}
	return nil
}

// ImageArch reads the image's architecture from its InfoFile; an image
// without one is taken to be of the host's.
func ImageArch(home string) (string, error) {
	f, err := os.Open(filepath.Join(home, InfoFile))
	if errors.Is(err, os.ErrNotExist) {
		return HostArch(), nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if v, ok := strings.CutPrefix(line, "JUNEST_ARCH="); ok {
			return strings.Trim(v, `"'`), nil
		}
	}
	if err := s.Err(); err != nil {
		return "", err
	}
	return HostArch(), nil
}

// checkNested refuses to run inside a JuNest environment: JUNEST_ENV=1.
func checkNested(vars []string) error {
	switch v := Getenv(vars, "JUNEST_ENV"); v {
	case "", "0":
		return nil
	case "1":
		return errorf(ExitNested, "this is already a JuNest environment (JUNEST_ENV=1): nested JuNest environments are not supported; exit it first")
	default:
		return errorf(ExitBadEnv, "JUNEST_ENV=%q: it must be 1 inside JuNest and unset or 0 outside", v)
	}
}

// checkSameArch refuses an image of another architecture for backends
// that cannot emulate it.
func (e *Env) checkSameArch(backend string) error {
	a, err := ImageArch(e.Home)
	if err != nil {
		return fmt.Errorf("image architecture: %w", err)
	}
	if a != HostArch() {
		return errorf(ExitArchMismatch, "the image in %s is for %s, this host is %s: the %s backend cannot run it; use 'junest proot' (QEMU)", e.Home, a, HostArch(), backend)
	}
	return nil
}

// GuestPath is the PATH a guest command starts with: a guest's own
// standard directories, not the host's (the login shell's /etc/profile
// may then change it).
const GuestPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// guestEnv is the environment of a guest command: the host's, with
// JUNEST_ENV=1 and the guest's PATH.
func guestEnv(vars []string) []string {
	return setenv(setenv(vars, "PATH", GuestPath), "JUNEST_ENV", "1")
}

// ShellCommand is what runs in the guest: a login shell, which sets the
// guest's environment up from its /etc/profile, running the command given
// (each argument quoted, so it reaches the program unchanged), or
// interactive when there is none. It is "sh -l", which bash and dash
// both take (dash has no --login).
func ShellCommand(args []string) []string {
	if len(args) == 0 {
		return []string{"/bin/sh", "-l"}
	}
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return []string{"/bin/sh", "-l", "-c", "exec " + strings.Join(q, " ")}
}

// shellQuote quotes s for sh(1).
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=./:,@%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

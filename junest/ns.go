package junest

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Mount is one bind mount of a namespace or chroot session: the host path
// Host at Guest inside the image.
type Mount struct {
	Host, Guest string
	// Try skips the mount when Host does not exist (bwrap's --bind-try);
	// a mount that fails is an error all the same.
	Try bool
}

// NSPlan is what the process re-executed in the new user and mount
// namespaces does: bind the mounts into Root, chroot into it, change to
// Cwd and execute Argv.
type NSPlan struct {
	Root   string
	Mounts []Mount
	// UID and GID are the ids inside the namespace: 0 with -f, else the
	// user's own.
	UID, GID int
	Cwd      string
	// Home is where to go when Cwd is not in the guest.
	Home string
	Argv []string
	Env  []string
	// Fallback, when a mount fails, undoes the mounts and goes on with a
	// plain chroot, saying so (groot); else the failure is fatal.
	Fallback bool
}

// nsEnv carries the plan (JSON) to the re-executed junest.
const nsEnv = "_JUNEST_NS_PLAN"

// IsNSChild says whether this process is junest re-executed in new
// namespaces by the ns backend; main then calls NSChildMain, before
// anything else.
func IsNSChild() bool { return os.Getenv(nsEnv) != "" }

// NSPlan builds the ns session's plan, as upstream's bwrap options: the
// image as /, the user's $HOME, /tmp, /sys, /proc, /dev (if the host has
// them) and /run/user/UID bound at the same paths.
func (e *Env) NSPlan(o RunOptions) (*NSPlan, error) {
	uid, gid := os.Getuid(), os.Getgid()
	p := &NSPlan{Root: e.Home, UID: uid, GID: gid, Home: e.UserHome}
	if o.Fakeroot {
		p.UID, p.GID = 0, 0
	}
	if e.UserHome != "" {
		p.Mounts = append(p.Mounts, Mount{Host: e.UserHome, Guest: e.UserHome})
	}
	for _, d := range []string{"/tmp", "/sys", "/proc"} {
		p.Mounts = append(p.Mounts, Mount{Host: d, Guest: d})
	}
	run := "/run/user/" + strconv.Itoa(uid)
	p.Mounts = append(p.Mounts, Mount{Host: "/dev", Guest: "/dev", Try: true}, Mount{Host: run, Guest: run, Try: true})
	extra, err := o.backendArgs()
	if err != nil {
		return nil, err
	}
	if len(extra) > 0 {
		return nil, fmt.Errorf("-b %q: the built-in ns backend takes no backend arguments; use --backend-command bwrap to pass bwrap options", o.BackendArgs)
	}
	if wd, err := os.Getwd(); err == nil {
		p.Cwd = wd
	}
	p.Argv = ShellCommand(o.Command)
	p.Env = guestEnv(e.Vars)
	return p, nil
}

// BwrapArgs is the bwrap(1) command line equivalent to the plan, for
// --backend-command bwrap, as upstream JuNest runs it.
func (e *Env) BwrapArgs(o RunOptions) ([]string, error) {
	args := []string{"--bind", e.Home, "/"}
	if e.UserHome != "" {
		args = append(args, "--bind", e.UserHome, e.UserHome)
	}
	run := "/run/user/" + strconv.Itoa(os.Getuid())
	args = append(args, "--bind", "/tmp", "/tmp", "--bind", "/sys", "/sys", "--bind", "/proc", "/proc",
		"--dev-bind-try", "/dev", "/dev", "--bind-try", run, run, "--unshare-user-try")
	if o.Fakeroot {
		args = append(args, "--cap-add", "ALL", "--uid", "0", "--gid", "0")
	}
	extra, err := o.backendArgs()
	if err != nil {
		return nil, err
	}
	args = append(args, extra...)
	return append(args, ShellCommand(o.Command)...), nil
}

// NS runs an ns session: the image as / in new user and mount namespaces,
// made by junest itself (no bwrap needed), or by the --backend-command
// program with bwrap's options. It returns the guest command's status.
func (e *Env) NS(o RunOptions) (int, error) {
	if err := checkNested(e.Vars); err != nil {
		return 1, err
	}
	if err := e.requireInstalled(); err != nil {
		return 1, err
	}
	for _, w := range defaultNSProbe.warnings() {
		e.warn("%s", w)
	}
	if err := e.checkSameArch("ns"); err != nil {
		return 1, err
	}
	if !o.NoCopyFiles {
		e.copyHostFiles(!o.Fakeroot)
	}
	if o.BackendCommand != "" {
		args, err := e.BwrapArgs(o)
		if err != nil {
			return 1, err
		}
		return runExternal(o.BackendCommand, args, guestEnv(e.Vars))
	}
	plan, err := e.NSPlan(o)
	if err != nil {
		return 1, err
	}
	return runChild(plan, syscall.CLONE_NEWUSER|syscall.CLONE_NEWNS)
}

// runChild re-executes junest to carry the plan out, in the namespaces
// of flags (with a new user namespace, the user is mapped to plan.UID),
// and waits for it.
func runChild(plan *NSPlan, flags uintptr) (int, error) {
	js, err := json.Marshal(plan)
	if err != nil {
		return 1, err
	}
	cmd := &exec.Cmd{
		Path:        "/proc/self/exe",
		Args:        []string{"junest-ns"},
		Env:         []string{nsEnv + "=" + string(js)},
		Stdin:       os.Stdin,
		Stdout:      os.Stdout,
		Stderr:      os.Stderr,
		SysProcAttr: &syscall.SysProcAttr{Cloneflags: flags, Pdeathsig: syscall.SIGKILL},
	}
	if flags&syscall.CLONE_NEWUSER != 0 {
		// The user is root in the namespace, to mount and chroot; a
		// guest that is to run as plan.UID gets a namespace of its own
		// below (execNested).
		mapIDs(cmd.SysProcAttr, 0, 0, os.Getuid(), os.Getgid(), os.Geteuid() == 0)
	}
	if err := cmd.Start(); err != nil {
		if flags&syscall.CLONE_NEWUSER != 0 && errors.Is(err, unix.EPERM) || errors.Is(err, unix.ENOSPC) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EACCES) || errors.Is(err, unix.EUSERS) {
			return 1, fmt.Errorf("cannot create a user namespace (%v): they are disabled or restricted on this host; use 'junest proot', which needs none", unwrapSyscall(err))
		}
		return 1, fmt.Errorf("start the namespace: %w", err)
	}
	return waitChild(cmd)
}

// mapIDs makes a new user namespace map uid and gid inside to hostUID and
// hostGID outside.
func mapIDs(a *syscall.SysProcAttr, uid, gid, hostUID, hostGID int, setgroups bool) {
	a.UidMappings = []syscall.SysProcIDMap{{ContainerID: uid, HostID: hostUID, Size: 1}}
	a.GidMappings = []syscall.SysProcIDMap{{ContainerID: gid, HostID: hostGID, Size: 1}}
	// An unprivileged user may map its gid only after denying
	// setgroups(2) (user_namespaces(7)); a denial is inherited by nested
	// namespaces.
	a.GidMappingsEnableSetgroups = setgroups
}

// waitChild waits for a session's process while ignoring the terminal's
// SIGINT and SIGQUIT, which the guest gets too, and returns its status as
// a shell reports it. SIGTERM and SIGHUP sent to junest are passed on.
func waitChild(cmd *exec.Cmd) (int, error) {
	signal.Ignore(syscall.SIGINT, syscall.SIGQUIT)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(ch)
	go func() {
		for s := range ch {
			cmd.Process.Signal(s)
		}
	}()
	err := cmd.Wait()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal()), nil
		}
		return ee.ExitCode(), nil
	}
	return 1, err
}

func unwrapSyscall(err error) error {
	var se *os.SyscallError
	if errors.As(err, &se) {
		return se.Err
	}
	return err
}

// NSChildMain runs in the new namespaces: it binds the mounts, chroots
// into the image and executes the guest command. It does not return.
func NSChildMain() {
	var plan NSPlan
	if err := json.Unmarshal([]byte(os.Getenv(nsEnv)), &plan); err != nil {
		fmt.Fprintf(os.Stderr, "junest: internal error: namespace plan: %v\n", err)
		os.Exit(1)
	}
	err := bindAll(plan.Root, plan.Mounts)
	if err != nil && plan.Fallback {
		fmt.Fprintf(os.Stderr, "junest: warning: %v: going on with a plain chroot, without the host's directories\n", err)
		err = unmountUnder(plan.Root)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "junest: %v\n", err)
		os.Exit(1)
	}
	if plan.UID != 0 || plan.GID != 0 {
		os.Exit(execNested(&plan))
	}
	if err := unix.Chroot(plan.Root); err != nil {
		fmt.Fprintf(os.Stderr, "junest: chroot %s: %v\n", plan.Root, err)
		os.Exit(1)
	}
	unix.Chdir(guestDir("/", plan.Cwd, plan.Home))
	execGuest(plan.Argv, plan.Env)
}

// execNested runs the guest command in a user namespace nested in this
// one, where the user has its own uid and gid again (and, as a non-root
// uid, no capabilities), and returns its status. The command is a child:
// a multi-threaded process cannot unshare(2) a user namespace, and a
// chrooted one cannot make one at all, so the child chroots itself.
func execNested(plan *NSPlan) int {
	dir := guestDir(plan.Root, plan.Cwd, plan.Home)
	cmd := &exec.Cmd{
		Path: plan.Argv[0], Args: plan.Argv, Env: setenv(plan.Env, "PWD", dir), Dir: dir,
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		SysProcAttr: &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWUSER, Chroot: plan.Root, Pdeathsig: syscall.SIGKILL},
	}
	mapIDs(cmd.SysProcAttr, plan.UID, plan.GID, 0, 0, false)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "junest: cannot execute %s in the image: %v\n", plan.Argv[0], err)
		if errors.Is(err, unix.ENOENT) {
			return 127
		}
		return 126
	}
	code, err := waitChild(cmd)
	if err != nil {
		fmt.Fprintf(os.Stderr, "junest: %v\n", err)
	}
	return code
}

// bindAll makes every mount of this (new) mount namespace private, so
// that nothing done here reaches the host's, and binds the mounts into
// root.
func bindAll(root string, mounts []Mount) error {
	if len(mounts) == 0 {
		return nil
	}
	if err := unix.Mount("none", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make the mounts private: %w", err)
	}
	for _, m := range mounts {
		if err := bindInto(root, m); err != nil {
			return err
		}
	}
	return nil
}

// bindInto bind-mounts m.Host (recursively) at m.Guest in root, making
// the mount point if the image lacks it.
func bindInto(root string, m Mount) error {
	st, err := os.Stat(m.Host)
	if err != nil {
		if m.Try {
			return nil
		}
		return fmt.Errorf("bind %s: %w", m.Host, err)
	}
	target := filepath.Join(root, m.Guest)
	if st.IsDir() {
		err = os.MkdirAll(target, 0o755)
	} else {
		err = os.MkdirAll(filepath.Dir(target), 0o755)
		if err == nil {
			var f *os.File
			f, err = os.OpenFile(target, os.O_CREATE|os.O_RDONLY, 0o644)
			if err == nil {
				f.Close()
			}
		}
	}
	if err == nil {
		err = unix.Mount(m.Host, target, "", unix.MS_BIND|unix.MS_REC, "")
	}
	if err != nil {
		return fmt.Errorf("bind %s at %s: %w", m.Host, m.Guest, err)
	}
	return nil
}

// unmountUnder detaches every mount at or below dir, deepest first.
func unmountUnder(dir string) error {
	m, err := mountsUnder(dir)
	if err != nil {
		return err
	}
	for i := len(m) - 1; i >= 0; i-- {
		if err := unix.Unmount(m[i], unix.MNT_DETACH); err != nil && err != unix.EINVAL {
			return fmt.Errorf("unmount %s: %w", m[i], err)
		}
	}
	return nil
}

// guestDir is the first of dirs that is a directory in the guest whose
// root is root (on the host), or "/": the cwd, else $HOME, as bwrap does.
func guestDir(root string, dirs ...string) string {
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if st, err := os.Stat(filepath.Join(root, d)); err == nil && st.IsDir() {
			return d
		}
	}
	return "/"
}

// execGuest executes argv (argv[0] an absolute guest path) with env.
func execGuest(argv, env []string) {
	if wd, err := os.Getwd(); err == nil {
		env = setenv(env, "PWD", wd)
	}
	err := unix.Exec(argv[0], argv, env)
	fmt.Fprintf(os.Stderr, "junest: cannot execute %s in the image: %v\n", argv[0], err)
	if errors.Is(err, unix.ENOENT) {
		os.Exit(127)
	}
	os.Exit(126)
}

// nsProbe names the files that tell whether unprivileged user namespaces
// work; tests point them elsewhere.
type nsProbe struct {
	nsUser, cloneSysctl, maxSysctl, apparmorSysctl, configGz, bootConfig string
}

var defaultNSProbe = nsProbe{
	nsUser:         "/proc/self/ns/user",
	cloneSysctl:    "/proc/sys/kernel/unprivileged_userns_clone",
	maxSysctl:      "/proc/sys/user/max_user_namespaces",
	apparmorSysctl: "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
	configGz:       "/proc/config.gz",
	bootConfig:     "/boot/config-" + kernelRelease(),
}

func kernelRelease() string {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// warnings are JuNest's troubleshooting warnings about user namespaces:
// not compiled in, disabled by a sysctl (with the command that enables
// it), or impossible to tell. None means they look usable.
func (p nsProbe) warnings() []string {
	if _, err := os.Lstat(p.nsUser); err != nil {
		config, err := readKernelConfig(p.configGz, p.bootConfig)
		switch {
		case err != nil:
			return []string{"could not tell whether user namespaces are enabled: no kernel configuration found (" + p.configGz + ", " + p.bootConfig + "); proceeding anyway"}
		case !bytes.Contains(config, []byte("\nCONFIG_USER_NS=y")):
			return []string{"unprivileged user namespaces are disabled at kernel compile time or the kernel is too old (< 3.8); proceeding anyway"}
		}
	}
	var w []string
	if v, err := os.ReadFile(p.cloneSysctl); err == nil && strings.TrimSpace(string(v)) == "0" {
		w = append(w, "unprivileged user namespaces are disabled; root can enable them with: sudo sysctl kernel.unprivileged_userns_clone=1")
	}
	if v, err := os.ReadFile(p.maxSysctl); err == nil && strings.TrimSpace(string(v)) == "0" {
		w = append(w, "user namespaces are disabled (user.max_user_namespaces = 0); root can enable them with: sudo sysctl user.max_user_namespaces=15000")
	}
	if v, err := os.ReadFile(p.apparmorSysctl); err == nil && strings.TrimSpace(string(v)) == "1" {
		w = append(w, "AppArmor restricts unprivileged user namespaces; root can lift that with: sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0")
	}
	return w
}

// readKernelConfig reads the kernel's build configuration: /proc/config.gz
// (gzip) or /boot/config-RELEASE.
func readKernelConfig(gz, boot string) ([]byte, error) {
	if f, err := os.Open(gz); err == nil {
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(z)
		return append([]byte("\n"), data...), err
	}
	data, err := os.ReadFile(boot)
	return append([]byte("\n"), data...), err
}

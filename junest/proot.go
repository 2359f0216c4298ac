package junest

import (
	"fmt"
	"os"
	"os/exec"

	"github.com/google/shlex"

	"github.com/gproot/gproot/prootcmd"
)

// RunOptions are the options of the backends (proot, ns, groot, root).
type RunOptions struct {
	// Fakeroot is -f: the guest runs as root (proot and ns).
	Fakeroot bool
	// BackendArgs is -b: more arguments for the backend, one string split
	// as a shell would split it.
	BackendArgs string
	// BackendCommand is --backend-command: an external program to run
	// instead of the built-in backend (a proot, bwrap or chroot of the
	// user's), with the same arguments.
	BackendCommand string
	// NoCopyFiles is -n: do not copy the host's files into the image.
	NoCopyFiles bool
	// Command is what to run in the guest; none is a login shell.
	Command []string
}

// backendArgs splits -b's string as sh(1) would.
func (o *RunOptions) backendArgs() ([]string, error) {
	a, err := shlex.Split(o.BackendArgs)
	if err != nil {
		return nil, fmt.Errorf("-b %q: %w", o.BackendArgs, err)
	}
	return a, nil
}

// hostBindings are the host paths the proot and groot backends bind
// into the guest at the same place, those the host has, as upstream.
func (e *Env) hostBindings() []string {
	var out []string
	for _, p := range []string{e.UserHome, "/tmp", "/proc", "/sys", "/dev"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// ProotArgs is the proot command line of a proot session, without the
// program name: [-0] the bindings, -r JUNEST_HOME, -b's arguments, then
// the guest command.
func (e *Env) ProotArgs(o RunOptions) ([]string, error) {
	var args []string
	if o.Fakeroot {
		args = append(args, "-0")
	}
	for _, b := range e.hostBindings() {
		args = append(args, "-b", b)
	}
	args = append(args, "-r", e.Home)
	extra, err := o.backendArgs()
	if err != nil {
		return nil, err
	}
	args = append(args, extra...)
	// No "--" before the command: PRoot 5.1 refuses it (a
	// --backend-command proot), and the command's first word, /bin/sh,
	// ends the options anyway.
	return append(args, ShellCommand(o.Command)...), nil
}

// Proot runs a proot session: gproot's tracer in this process, or the
// --backend-command program. It returns the guest command's exit status.
func (e *Env) Proot(o RunOptions) (int, error) {
	if os.Geteuid() == 0 {
		return 1, errorf(ExitRoot, "junest proot does not run as root: use 'junest groot' (or 'junest root') instead")
	}
	if err := checkNested(e.Vars); err != nil {
		return 1, err
	}
	if err := e.requireInstalled(); err != nil {
		return 1, err
	}
	arch, err := ImageArch(e.Home)
	if err != nil {
		return 1, fmt.Errorf("image architecture: %w", err)
	}
	if arch != HostArch() {
		return 1, errorf(ExitArchMismatch, "the image in %s is for %s, this host is %s: running it through QEMU (-q) is not implemented yet; install an image for %s", e.Home, arch, HostArch(), HostArch())
	}
	args, err := e.ProotArgs(o)
	if err != nil {
		return 1, err
	}
	if !o.NoCopyFiles {
		e.copyHostFiles(!o.Fakeroot)
	}
	env := guestEnv(e.Vars)
	if o.BackendCommand != "" {
		return runExternal(o.BackendCommand, args, env)
	}
	return prootcmd.Main(append([]string{"gproot"}, args...), env), nil
}

// runExternal runs a backend program of the user's and returns its exit
// status as a shell reports it.
func runExternal(prog string, args, env []string) (int, error) {
	cmd := exec.Command(prog, args...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		return 127, fmt.Errorf("--backend-command %s: %w", prog, err)
	}
	return waitChild(cmd)
}

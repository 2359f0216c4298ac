// Package prootcmd is gproot's command line: PRoot's options parsed into
// a Config, and a tracer run of the guest command. cmd/gproot is a thin
// main around Main; junest's proot backend calls Main in-process with the
// arguments JuNest gives proot.
package prootcmd

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/fakeid"
	"github.com/gproot/gproot/pathfs"
	"github.com/gproot/gproot/tracer"
)

// Version is gproot's version, set at link time
// (-X github.com/gproot/gproot/prootcmd.Version=...).
var Version = "0.1.0"

// Main runs gproot's command line (args[0] is the program name) and
// returns the exit status: the guest command's, or 1 for gproot's own
// errors, each reported in one line on stderr.
func Main(args, env []string) int {
	cfg, err := Parse(args, env)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gproot: %v\n", err)
		return 1
	}
	if cfg == nil { // -h or -V
		return 0
	}
	return Start(cfg)
}

// Config is a parsed command line.
type Config struct {
	Rootfs     string
	Bindings   []string // -b/-m specs, and those -R adds
	Cwd        string   // -w, "" for the default
	Verbose    int
	KillOnExit bool
	Command    []string
	Env        []string
	Seccomp    bool
	NoGate     bool
	// KernelRelease is -k's release, "" for the real one.
	KernelRelease string
	// FakeID says whether -0, -i or -S fake the identity, as FakeUID and
	// FakeGID; NoFakeDB keeps nothing of what they change (PRoot's way).
	FakeID           bool
	FakeUID, FakeGID uint32
	NoFakeDB         bool
}

// flags is gproot's command line: proot's options, names and meanings.
var flags = []cli.Flag{
	&cli.StringFlag{Name: "rootfs", Aliases: []string{"r"}, Usage: "use `PATH` as the guest root file system"},
	&cli.StringFlag{Name: "R", Usage: "like -r `PATH`, and bind the host files a guest usually needs (/dev, /proc, /sys, /tmp, /run, $HOME, /etc/passwd, /etc/resolv.conf, ...)"},
	&cli.StringFlag{Name: "S", Usage: "like -0 -r `PATH`, and bind only the few host files a package manager needs (/dev, /proc, /sys, /tmp, $HOME, /etc/hosts, /etc/host.conf, /etc/nsswitch.conf, /etc/resolv.conf): for installing packages into PATH"},
	&cli.StringSliceFlag{Name: "bind", Aliases: []string{"b", "m", "mount"}, Usage: "make the host `PATH[:GUEST][!]` visible in the guest at GUEST (default: the same path); \"!\" keeps GUEST's own symlinks unresolved"},
	&cli.StringFlag{Name: "cwd", Aliases: []string{"w", "pwd"}, Usage: "initial working `DIR` in the guest (default: the current directory's path if the guest has it, else /)"},
	&cli.StringFlag{Name: "verbose", Aliases: []string{"v"}, Value: "0", Usage: "`LEVEL`: 1 shows warnings and each exec, 2 every translated syscall, a negative one nothing but errors"},
	&cli.BoolFlag{Name: "root-id", Aliases: []string{"0"}, Usage: "fake root: the guest sees itself as uid 0, gid 0, and the real user's files as root's (same as -i 0:0)"},
	&cli.StringFlag{Name: "change-id", Aliases: []string{"i"}, Usage: "the guest sees itself as `UID:GID`, and the real user's files as theirs"},
	&cli.BoolFlag{Name: "no-fake-db", Usage: "with -0, -i or -S: do not remember the owners, modes and device nodes that the kernel refused (kept in ROOTFS/" + fakeid.DBFile + " otherwise)"},
	&cli.StringFlag{Name: "kernel-release", Aliases: []string{"k"}, Usage: "make uname(2) and /proc/sys/kernel/osrelease report `RELEASE` as the kernel release (e.g. 3.10, for programs that find the real one too old or too new)"},
	&cli.BoolFlag{Name: "kill-on-exit", Usage: "kill every remaining guest process when the first one exits"},
	&cli.BoolFlag{Name: "version", Aliases: []string{"V"}, Usage: "print the version and exit"},
	&cli.BoolFlag{Name: "help", Aliases: []string{"h"}, Usage: "print this help and exit"},
}

// hostFilesS lists the host paths -S binds, from PRoot's manual (and
// /etc/resolv.conf, for package downloads).
var hostFilesS = []string{
	"/etc/host.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/resolv.conf", "/dev", "/sys", "/proc", "/tmp",
}

// hostFilesR lists the host paths -R binds, from PRoot's manual; the ones
// the host lacks are left out.
var hostFilesR = []string{
	"/etc/host.conf", "/etc/hosts", "/etc/hosts.equiv", "/etc/mtab", "/etc/netgroup",
	"/etc/networks", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf", "/etc/resolv.conf",
	"/etc/localtime", "/dev", "/sys", "/proc", "/tmp", "/run", "/var/run/dbus/system_bus_socket",
}

// Parse turns the command line into a Config, nil after -h or -V.
func Parse(args, env []string) (*Config, error) {
	var cfg *Config
	// urfave/cli answers -h itself; its printer is replaced by one that
	// does not align every option on the longest names.
	cli.HelpPrinter = func(w io.Writer, _ string, _ interface{}) { printHelp(w) }
	app := &cli.App{
		Name:                      "gproot",
		Usage:                     "run programs in a guest root file system, without privileges (PRoot compatible)",
		UsageText:                 "gproot [options] [--] [command [args...]]",
		Flags:                     flags,
		HideHelp:                  true,
		HideVersion:               true,
		DisableSliceFlagSeparator: true,
		Writer:                    os.Stdout,
		ErrWriter:                 io.Discard,
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return fmt.Errorf("%v (see gproot --help)", err)
		},
		Action: func(c *cli.Context) error {
			if c.Bool("version") {
				fmt.Fprintf(c.App.Writer, "gproot %s (PRoot compatible)\n", Version)
				return nil
			}
			var err error
			cfg, err = configFrom(c, env)
			return err
		},
	}
	if err := app.Run(args); err != nil {
		return nil, err
	}
	return cfg, nil
}

// configFrom checks the flags and fills a Config.
func configFrom(c *cli.Context, env []string) (*Config, error) {
	cfg := &Config{
		Rootfs:     c.String("rootfs"),
		Bindings:   c.StringSlice("bind"),
		Cwd:        c.String("cwd"),
		KillOnExit: c.Bool("kill-on-exit"),
		Command:    c.Args().Slice(),
		Env:        env,
		Seccomp:    true,
	}
	switch {
	case c.Bool("root-id") && c.IsSet("change-id"):
		return nil, errors.New("-0 and -i both give the identity: use one")
	case c.Bool("root-id") || c.IsSet("S") && !c.IsSet("change-id"):
		cfg.FakeID = true
	case c.IsSet("change-id"):
		uid, gid, err := fakeid.ParseID(c.String("change-id"))
		if err != nil {
			return nil, err
		}
		cfg.FakeID, cfg.FakeUID, cfg.FakeGID = true, uid, gid
	}
	cfg.NoFakeDB = c.Bool("no-fake-db")
	cfg.KernelRelease = c.String("kernel-release")
	if c.IsSet("kernel-release") && (cfg.KernelRelease == "" || len(cfg.KernelRelease) > 64 || strings.ContainsAny(cfg.KernelRelease, "\x00\n")) {
		return nil, fmt.Errorf("-k takes a kernel release of 1 to 64 characters on one line, like 3.10 or 6.1.0-13-amd64, not %q", cfg.KernelRelease)
	}
	v, err := strconv.Atoi(c.String("verbose"))
	if err != nil {
		return nil, fmt.Errorf("-v takes a level, a number like -1, 1 or 2, not %q", c.String("verbose"))
	}
	cfg.Verbose = v
	for _, o := range []struct {
		name  string
		paths []string
	}{{"R", hostFilesR}, {"S", hostFilesS}} {
		r := c.String(o.name)
		if r == "" {
			continue
		}
		if cfg.Rootfs != "" {
			return nil, errors.New("-r, -R and -S each give the rootfs: use one")
		}
		cfg.Rootfs = r
		cfg.Bindings = append(hostBindings(o.paths), cfg.Bindings...)
	}
	if cfg.Rootfs == "" {
		cfg.Rootfs = "/"
	}
	if len(cfg.Command) == 0 {
		cfg.Command = []string{"/bin/sh"}
	}
	for _, k := range []string{"PROOT_NO_SECCOMP", "GPROOT_NO_SECCOMP"} {
		if v := getenv(env, k); v != "" && v != "0" {
			cfg.Seccomp = false
		}
	}
	if v := getenv(env, "GPROOT_NO_GATE"); v != "" && v != "0" {
		cfg.NoGate = true
	}
	return cfg, nil
}

// printHelp prints the usage: each option with its names on one line and
// its meaning, indented, on the next (urfave/cli's one-line columns grow
// as wide as the longest names).
func printHelp(w io.Writer) {
	fmt.Fprintf(w, "gproot %s: run programs in a guest root file system, without privileges.\n", Version)
	fmt.Fprintln(w, "\nUsage: gproot [options] [--] [command [args...]]   (default command: /bin/sh)")
	fmt.Fprintln(w, "\nOptions (as proot's):")
	for _, f := range flags {
		var names []string
		var arg, usage string
		for _, n := range f.Names() {
			if len(n) == 1 {
				names = append(names, "-"+n)
			} else {
				names = append(names, "--"+n)
			}
		}
		if d, ok := f.(cli.DocGenerationFlag); ok {
			usage = d.GetUsage()
			if i := strings.IndexByte(usage, '`'); i >= 0 {
				if j := strings.IndexByte(usage[i+1:], '`'); j >= 0 {
					arg = usage[i+1 : i+1+j]
					usage = usage[:i] + arg + usage[i+2+j:]
				}
			}
			if d.TakesValue() && arg == "" {
				arg = "VALUE"
			}
		}
		fmt.Fprintf(w, "  %s\n      %s\n", strings.TrimSpace(strings.Join(names, ", ")+" "+arg), usage)
	}
	fmt.Fprintln(w, "\nEnvironment: PROOT_NO_SECCOMP=1 or GPROOT_NO_SECCOMP=1 traces every syscall")
	fmt.Fprintln(w, "(no seccomp filter); GPROOT_NO_GATE=1 keeps the filter but not the gate.")
}

// hostBindings are the bindings -R or -S add: those of paths the host
// has, and $HOME.
func hostBindings(paths []string) []string {
	var out []string
	for _, p := range paths {
		if _, err := os.Lstat(p); err == nil {
			out = append(out, p)
		}
	}
	if home := os.Getenv("HOME"); home != "" {
		if _, err := os.Stat(home); err == nil {
			out = append(out, home)
		}
	}
	return out
}

func getenv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// Start builds the guest view, finds the command in it and runs it; it
// returns the exit status.
func Start(cfg *Config) int {
	st, err := os.Stat(cfg.Rootfs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "gproot: rootfs %s: %v; give an existing directory with -r or -R\n", cfg.Rootfs, unwrapErrno(err))
		return 1
	}
	if !st.IsDir() {
		fmt.Fprintf(os.Stderr, "gproot: rootfs %s is not a directory; give a directory with -r or -R\n", cfg.Rootfs)
		return 1
	}
	var binds []pathfs.Binding
	for _, spec := range cfg.Bindings {
		b, err := pathfs.ParseBinding(spec)
		if err != nil {
			fmt.Fprintf(os.Stderr, "gproot: -b %s: %v\n", spec, err)
			return 1
		}
		binds = append(binds, b)
	}
	if cfg.KernelRelease != "" {
		// /proc/sys/kernel/osrelease says the release too: a file of the
		// fake one is bound over it.
		dir, err := os.MkdirTemp("", "gproot-kompat-*")
		if err != nil {
			fmt.Fprintf(os.Stderr, "gproot: -k: %v\n", err)
			return 1
		}
		defer os.RemoveAll(dir)
		f := path.Join(dir, "osrelease")
		if err := os.WriteFile(f, []byte(cfg.KernelRelease+"\n"), 0o444); err != nil {
			fmt.Fprintf(os.Stderr, "gproot: -k: %v\n", err)
			return 1
		}
		os.Chmod(dir, 0o755)
		binds = append(binds, pathfs.Binding{Host: f, Guest: "/proc/sys/kernel/osrelease"})
	}
	view, err := pathfs.NewView(cfg.Rootfs, binds, pathfs.OS{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "gproot: %v\n", err)
		return 1
	}
	defer view.Close()

	var creds *fakeid.Creds
	var fake *fakeid.Session
	if cfg.FakeID {
		creds = fakeid.New(cfg.FakeUID, cfg.FakeGID, fakeid.Bounding())
		fake = &fakeid.Session{RealUID: uint32(os.Getuid()), RealGID: uint32(os.Getgid()), UID: cfg.FakeUID, GID: cfg.FakeGID}
		if !cfg.NoFakeDB && !fake.RealRoot() {
			var why error
			fake.DB, why = openFakeDB(view.Root())
			defer func() {
				db := fake.DB
				if db.Err != nil {
					why = db.Err
				}
				if n := db.Unsaved(); (n > 0 || db.Err != nil) && why != nil && cfg.Verbose >= 0 {
					fmt.Fprintf(os.Stderr, "gproot: warning: %v: %d faked ownerships of this run are not saved for the next\n", why, n)
				}
				db.Close()
			}()
		}
	}

	// As proot: the host's working directory, if the guest has a
	// directory of that name, else where the host's is visible in the
	// guest, else /. A relative -w is relative to that.
	cwd := "/"
	if wd, err := os.Getwd(); err == nil {
		if isDir(view, wd) {
			cwd = wd
		} else if g, ok := view.HostToGuest(wd); ok && isDir(view, g) {
			cwd = g
		}
	}
	if cfg.Cwd != "" {
		if !strings.HasPrefix(cfg.Cwd, "/") {
			cfg.Cwd = path.Join(cwd, cfg.Cwd)
		}
		if !isDir(view, cfg.Cwd) {
			fmt.Fprintf(os.Stderr, "gproot: -w %s: not a directory in the guest\n", cfg.Cwd)
			return 1
		}
		cwd = path.Clean(cfg.Cwd)
	}
	// The shell trusts PWD if it names the cwd: it must be the guest's.
	env := append(cfg.Env[:len(cfg.Env):len(cfg.Env)], "PWD="+cwd)
	if len(cfg.Command[0]) == 0 {
		fmt.Fprintln(os.Stderr, "gproot: empty command name")
		return 127
	}
	prog, err := tracer.LookPath(view, cwd, cfg.Command[0], getenv(cfg.Env, "PATH"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "gproot: %s: %v\n", cfg.Command[0], err)
		if errors.Is(err, unix.EACCES) || errors.Is(err, unix.EISDIR) {
			return 126
		}
		return 127
	}
	code, err := tracer.Run(&tracer.Config{
		View:          view,
		Cwd:           cwd,
		Path:          prog,
		Argv:          cfg.Command,
		Env:           env,
		Seccomp:       cfg.Seccomp,
		NoGate:        cfg.NoGate,
		KernelRelease: cfg.KernelRelease,
		Creds:         creds,
		Fake:          fake,
		KillOnExit:    cfg.KillOnExit,
		Verbose:       cfg.Verbose,
		Log:           os.Stderr,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "gproot: %v\n", err)
		return 1
	}
	return code
}

// openFakeDB opens the rootfs's record of faked ownerships; where it
// cannot be kept (the host's / as rootfs, a rootfs the user cannot
// write), the records last for this run only, and the error says why.
func openFakeDB(root string) (*fakeid.DB, error) {
	if root == "/" {
		return fakeid.NewMemDB(""), nil
	}
	db, err := fakeid.OpenDB(root)
	if err != nil {
		return fakeid.NewMemDB(root), err
	}
	return db, nil
}

func isDir(v *pathfs.View, guest string) bool {
	_, host, err := v.Resolve("/", "/", guest, true)
	if err != nil {
		return false
	}
	st, err := os.Stat(host)
	return err == nil && st.IsDir()
}

func unwrapErrno(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Command junest is JuNest on gproot: a Linux distribution image
// installed in JUNEST_HOME and run without root (ns, proot) or with it
// (groot, root). Its command line is upstream JuNest's:
//
//	junest [action] [options] [--] [command [args...]]
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/gproot/gproot/junest"
	"github.com/gproot/gproot/prootcmd"
	"github.com/gproot/gproot/tracer"
)

func init() {
	if tracer.IsStub() {
		// The tracer attached to the main thread: the stub's main
		// goroutine must run there.
		runtime.LockOSThread()
	}
}

func main() {
	switch {
	case tracer.IsStub():
		tracer.StubMain()
	case junest.IsNSChild():
		junest.NSChildMain()
	case filepath.Base(os.Args[0]) == "gproot":
		// junest holds gproot: run as "gproot" (build's check does),
		// it is gproot.
		os.Exit(prootcmd.Main(os.Args, os.Environ()))
	}
	os.Exit(run(os.Args, os.Environ()))
}

// actions are JuNest's, with their one-letter forms.
var actions = map[string]bool{
	"s": true, "setup": true, "p": true, "proot": true, "n": true, "ns": true,
	"g": true, "groot": true, "r": true, "root": true, "b": true, "build": true,
	"create-bin-wrappers": true,
}

// withAction inserts ns, the default action, when the first argument is
// no action (nor help or version): `junest -f` is `junest ns -f`.
func withAction(args []string) []string {
	if len(args) > 1 {
		switch a := args[1]; {
		case actions[a], a == "-h", a == "--help", a == "-V", a == "--version", a == "help":
			return args
		}
	}
	return append([]string{args[0], "ns"}, args[1:]...)
}

// backendFlags are the options of ns and proot; groot and root have all
// but -f.
func backendFlags(fakeroot bool) []cli.Flag {
	f := []cli.Flag{
		&cli.StringFlag{Name: "backend-args", Aliases: []string{"b"}, Usage: "more `ARGS` for the backend, one string split as a shell would (e.g. -b \"-k 3.10\")"},
		&cli.StringFlag{Name: "backend-command", Usage: "run `CMD` as the backend instead of the built-in one"},
		&cli.BoolFlag{Name: "no-copy-files", Aliases: []string{"n"}, Usage: "do not copy the host's hosts, resolv.conf, passwd, ... into the image"},
	}
	if fakeroot {
		f = append([]cli.Flag{&cli.BoolFlag{Name: "fakeroot", Aliases: []string{"f"}, Usage: "run as root in the guest"}}, f...)
	}
	return f
}

func runOptions(c *cli.Context) junest.RunOptions {
	return junest.RunOptions{
		Fakeroot:       c.Bool("fakeroot"),
		BackendArgs:    c.String("backend-args"),
		BackendCommand: c.String("backend-command"),
		NoCopyFiles:    c.Bool("no-copy-files"),
		Command:        c.Args().Slice(),
	}
}

// noArgs refuses arguments after the options of an action that takes no
// command.
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return fmt.Errorf("invalid option %s: junest %s takes no command (see junest --help)", c.Args().First(), c.Command.Name)
	}
	return nil
}

// run is junest without os.Exit: it returns the exit status.
func run(args, vars []string) int {
	env, err := junest.NewEnv(vars)
	if err != nil {
		fmt.Fprintf(os.Stderr, "junest: %v\n", err)
		return 1
	}
	env.Interactive = term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stderr.Fd()))
	code := 0
	session := func(f func(junest.RunOptions) (int, error), refresh bool) cli.ActionFunc {
		return func(c *cli.Context) error {
			o := runOptions(c)
			var err error
			code, err = f(o)
			if err == nil && refresh && env.Installed() {
				// As upstream: the wrappers follow what the session
				// installed or removed.
				if werr := env.CreateWrappers(false, ""); werr != nil {
					fmt.Fprintf(os.Stderr, "junest: warning: updating the wrappers: %v\n", werr)
				}
			}
			return err
		}
	}
	cli.HelpPrinter = func(w io.Writer, _ string, _ interface{}) { printHelp(w) }
	app := &cli.App{
		Name:            "junest",
		Usage:           "run a Linux distribution image without root",
		HideHelpCommand: true,
		HideVersion:     true,
		Writer:          os.Stdout,
		ErrWriter:       io.Discard,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "version", Aliases: []string{"V"}, Usage: "print the version and exit"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("version") {
				fmt.Fprintf(c.App.Writer, "JuNest %s (gproot %s)\n", prootcmd.Version, prootcmd.Version)
				return nil
			}
			printHelp(c.App.Writer)
			return nil
		},
		OnUsageError: usageError,
		Commands: []*cli.Command{
			{
				Name: "setup", Aliases: []string{"s"}, OnUsageError: usageError,
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "from-file", Aliases: []string{"i"}, Usage: "install the image `FILE` instead of downloading one"},
					&cli.StringFlag{Name: "arch", Aliases: []string{"a"}, Usage: "the image's architecture `ARCH` (x86_64, x86, arm, aarch64; default the host's)"},
					&cli.BoolFlag{Name: "delete", Aliases: []string{"d"}, Usage: "delete the image in JUNEST_HOME"},
				},
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					if c.Bool("delete") {
						if c.IsSet("from-file") || c.IsSet("arch") {
							return fmt.Errorf("-d deletes JuNest, -i and -a install it: give one of them")
						}
						return env.Delete(false)
					}
					ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
					defer stop()
					if err := env.Setup(ctx, junest.SetupOptions{FromFile: c.String("from-file"), Arch: c.String("arch")}); err != nil {
						return err
					}
					return env.CreateWrappers(false, "")
				},
			},
			{Name: "ns", Aliases: []string{"n"}, Flags: backendFlags(true), OnUsageError: usageError, Action: session(env.NS, true)},
			{Name: "proot", Aliases: []string{"p"}, Flags: backendFlags(true), OnUsageError: usageError, Action: session(env.Proot, true)},
			{Name: "groot", Aliases: []string{"g"}, Flags: backendFlags(false), OnUsageError: usageError,
				Action: session(func(o junest.RunOptions) (int, error) { return env.Chroot(o, true) }, false)},
			{Name: "root", Aliases: []string{"r"}, Flags: backendFlags(false), OnUsageError: usageError,
				Action: session(func(o junest.RunOptions) (int, error) { return env.Chroot(o, false) }, false)},
			{
				Name: "build", Aliases: []string{"b"}, OnUsageError: usageError,
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "disable-check", Aliases: []string{"n"}, Usage: "do not check the built image"},
					&cli.StringFlag{Name: "pacman-conf", Usage: "pacman configuration `FILE` whose repositories the packages come from (default /etc/pacman.conf)"},
					&cli.StringFlag{Name: "packages", Usage: "the `LIST` of packages to install, separated by spaces (default: " + strings.Join(junest.DefaultPackages, " ") + ")"},
				},
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
					defer stop()
					return env.Build(ctx, junest.BuildOptions{
						NoCheck:    c.Bool("disable-check"),
						PacmanConf: c.String("pacman-conf"),
						Packages:   strings.Fields(c.String("packages")),
					})
				},
			},
			{
				Name: "create-bin-wrappers", OnUsageError: usageError,
				Flags: []cli.Flag{
					&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "replace the wrappers that exist"},
					&cli.StringFlag{Name: "bin-path", Aliases: []string{"p"}, Usage: "wrap the programs of the image's `DIR` (default /usr/bin)"},
				},
				Action: func(c *cli.Context) error {
					if err := noArgs(c); err != nil {
						return err
					}
					if err := env.CreateWrappers(c.Bool("force"), c.String("bin-path")); err != nil {
						return err
					}
					fmt.Fprintf(os.Stderr, "junest: wrappers in %s\n", env.WrapperDir(pathOr(c.String("bin-path"), junest.DefaultBinPath)))
					return nil
				},
			},
		},
	}
	if err := app.Run(withAction(args)); err != nil {
		fmt.Fprintf(os.Stderr, "junest: %v\n", err)
		return junest.ExitCode(err)
	}
	return code
}

func pathOr(p, def string) string {
	if p == "" {
		return def
	}
	return strings.TrimRight(p, "/")
}

// usageError turns urfave/cli's complaint into JuNest's one line.
func usageError(c *cli.Context, err error, _ bool) error {
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		msg = "invalid option " + f
	}
	return fmt.Errorf("%s (see junest --help)", msg)
}

// printHelp prints JuNest's usage.
func printHelp(w io.Writer) {
	fmt.Fprintf(w, `JuNest %s (on gproot): a Linux distribution image that runs on any Linux without root access.

Usage: junest [action] [options] [--] [command [args...]]
       (no command: a login shell in the image)

General:
  -h, --help                 print this help and exit
  -V, --version              print the version and exit

Actions and options:
  s[etup]                    install the image into JUNEST_HOME, downloaded from JUNEST_REPO or from a file
      -i, --from-file IMAGE  install IMAGE (a tar archive, gzip, zstd or xz)
      -a, --arch ARCH        the image's architecture: x86_64, x86, arm, aarch64 (default: %s)
      -d, --delete           delete the image in JUNEST_HOME
  n[s]                       run in user and mount namespaces (the default action)
      -f, --fakeroot         be root in the guest
      -b, --backend-args ARGS
                             more arguments for the backend (with --backend-command bwrap: bwrap's)
      --backend-command CMD  run CMD (e.g. bwrap) instead of the built-in namespaces
      -n, --no-copy-files    do not copy the host's hosts, resolv.conf, passwd, group into the image
  p[root]                    run under gproot's tracer (no namespaces needed)
      -f, -b ARGS, --backend-command CMD, -n
                             as for ns; -b takes gproot's (proot's) options, e.g. -b "-k 3.10"
  g[root]                    as root: chroot with the host's /proc, /sys, /dev, /run, /tmp, $HOME bound
      -b ARGS, --backend-command CMD, -n
                             -b takes "-b HOST[:GUEST]" bindings
  r[oot]                     as root: a plain chroot
      -b ARGS, --backend-command CMD, -n
  b[uild]                    build junest-ARCH.tar.gz in the current directory with pacstrap and pacman
                             (Arch, or Debian/Ubuntu with arch-install-scripts and pacman-package-manager)
      -n, --disable-check    do not check the built image (pacman in it under gproot -0)
      --pacman-conf FILE     the pacman.conf whose repositories the packages come from (default /etc/pacman.conf)
      --packages LIST        the packages, separated by spaces (default: pacman coreutils bubblewrap)
  create-bin-wrappers        make host wrappers of the image's programs in JUNEST_HOME/usr/bin_wrappers
      -f, --force            replace the wrappers that exist
      -p, --bin-path DIR     wrap the programs of the image's DIR (default /usr/bin)

Environment: JUNEST_HOME (default ~/.junest), JUNEST_TEMPDIR (default /tmp), JUNEST_REPO
(default %s), JUNEST_ARGS (wrappers: the action and options, default ns).
`, prootcmd.Version, junest.HostArch(), junest.DefaultRepo)
}

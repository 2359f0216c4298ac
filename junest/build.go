package junest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// DefaultPackages are what build installs unless told otherwise, as
// upstream JuNest's image starts with.
var DefaultPackages = []string{"pacman", "coreutils", "bubblewrap"}

// BuildOptions are build's options.
type BuildOptions struct {
	// NoCheck is -n: do not check the image under gproot.
	NoCheck bool
	// PacmanConf is the pacman.conf of pacstrap (--pacman-conf), its
	// repositories the packages' source; "" is the host's
	// /etc/pacman.conf. The image keeps it unless a package installs
	// one.
	PacmanConf string
	// Packages are installed into the image (--packages).
	Packages []string
	// OutDir receives junest-ARCH.tar.gz; "" is the current directory.
	OutDir string
}

// Build makes junest-ARCH.tar.gz, JuNest's image, with pacstrap(8) and
// pacman(8): on Arch Linux, or on Debian and Ubuntu with their
// arch-install-scripts and pacman-package-manager packages. Everything is
// made in a temporary directory of JUNEST_TEMPDIR; the image appears in
// the output directory only when it is complete (and checked: unless -n,
// pacman must list the packages in it under gproot's fake root, and
// reinstall one of them).
func (e *Env) Build(ctx context.Context, o BuildOptions) error {
	if err := checkNested(e.Vars); err != nil {
		return err
	}
	for _, tool := range []string{"pacstrap", "pacman"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("junest build needs %s: on Arch Linux 'pacman -S arch-install-scripts', on Debian or Ubuntu 'apt-get install arch-install-scripts pacman-package-manager archlinux-keyring'", tool)
		}
	}
	conf := o.PacmanConf
	if conf == "" {
		conf = "/etc/pacman.conf"
	}
	conf, err := filepath.Abs(conf)
	if err != nil {
		return err
	}
	repos, servers, err := pacmanRepos(conf)
	if err != nil {
		return err
	}
	if len(repos) == 0 {
		return fmt.Errorf("%s has no repository section: give a pacman.conf with one (e.g. [core] with a Server) with --pacman-conf", conf)
	}
	pkgs := o.Packages
	if len(pkgs) == 0 {
		pkgs = DefaultPackages
	}
	out := o.OutDir
	if out == "" {
		if out, err = os.Getwd(); err != nil {
			return err
		}
	}
	arch := HostArch()
	image := filepath.Join(out, imageName(arch))

	if err := os.MkdirAll(e.TempDir, 0o755); err != nil {
		return fmt.Errorf("JUNEST_TEMPDIR %s: %w", e.TempDir, err)
	}
	work, err := os.MkdirTemp(e.TempDir, "junest-build.")
	if err != nil {
		return fmt.Errorf("JUNEST_TEMPDIR %s: %w", e.TempDir, err)
	}
	defer removeTree(work)
	root := filepath.Join(work, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		return err
	}
	e.info("installing %s into the image with pacstrap (repositories: %s)", strings.Join(pkgs, " "), strings.Join(repos, ", "))
	args := []string{"-C", conf, "-G", "-M"}
	hint := ""
	if os.Geteuid() != 0 {
		// A user's pacstrap runs in a user namespace of its own, with
		// the subordinate ids of /etc/subuid and /etc/subgid: pacstrap
		// mounts a devtmpfs and a sysfs, which a user namespace that
		// maps only the user may not.
		args = append(args, "-N")
		hint = "; as a normal user pacstrap -N needs the user's subordinate ids in /etc/subuid and /etc/subgid (as root: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER), else run junest build as root"
	}
	args = append(append(args, root), pkgs...)
	cmd := exec.CommandContext(ctx, "pacstrap", args...)
	cmd.Stdout, cmd.Stderr = e.Stderr, e.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("pacstrap %s: %w (its output is above)%s", strings.Join(args, " "), err, hint)
	}

	e.info("generating the metadata info")
	if err := writeReplacing(filepath.Join(root, InfoFile), []byte("JUNEST_ARCH="+arch+"\n")); err != nil {
		return err
	}
	if _, err := os.Lstat(filepath.Join(root, "etc/pacman.conf")); errors.Is(err, os.ErrNotExist) {
		data, err := os.ReadFile(conf)
		if err != nil {
			return err
		}
		if err := writeReplacing(filepath.Join(root, "etc/pacman.conf"), data); err != nil {
			return err
		}
	}
	cache := filepath.Join(root, "var/cache/pacman/pkg")
	if ents, err := os.ReadDir(cache); err == nil {
		for _, ent := range ents {
			os.RemoveAll(filepath.Join(cache, ent.Name()))
		}
	}

	e.info("compressing the image to %s", image)
	tmp, err := os.CreateTemp(out, "."+imageName(arch)+".")
	if err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := Pack(root, bw); err != nil {
		tmp.Close()
		return fmt.Errorf("packing the image: %w", err)
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if !o.NoCheck {
		if err := e.checkImage(ctx, tmp.Name(), filepath.Join(work, "check"), pkgs, servers); err != nil {
			return fmt.Errorf("the built image does not work: %w (junest build -n skips this check)", err)
		}
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), image); err != nil {
		return err
	}
	e.info("built %s", image)
	return nil
}

// pacmanRepos lists the repository sections of a pacman.conf and the
// local directories of their file:// servers.
func pacmanRepos(conf string) (repos, dirs []string, err error) {
	f, err := os.Open(conf)
	if err != nil {
		return nil, nil, fmt.Errorf("pacman configuration: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") && line != "[options]" {
			repos = append(repos, strings.Trim(line, "[]"))
		}
		if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == "Server" {
			if d, ok := strings.CutPrefix(strings.TrimSpace(v), "file://"); ok {
				dirs = append(dirs, d)
			}
		}
	}
	return repos, dirs, s.Err()
}

// checkImage unpacks the image and runs pacman in it under gproot's fake
// root (this binary, run as gproot): `pacman -Q` must list every package
// asked for, and reinstalling the last one must work. The local
// directories of file:// repositories are bound in the guest.
func (e *Env) checkImage(ctx context.Context, image, dir string, pkgs, repoDirs []string) error {
	e.info("checking the image: pacman under gproot -0")
	f, err := os.Open(image)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	if _, err := Unpack(ctx, f, dir); err != nil {
		return fmt.Errorf("unpacking it: %w", err)
	}
	gproot := func(args ...string) (string, error) {
		argv := []string{"gproot", "-0", "-r", dir}
		for _, d := range append(e.hostBindings(), repoDirs...) {
			argv = append(argv, "-b", d)
		}
		cmd := exec.CommandContext(ctx, "/proc/self/exe")
		cmd.Args = append(argv, args...)
		cmd.Env = guestEnv(e.Vars)
		cmd.Stderr = e.Stderr
		out, err := cmd.Output()
		if err != nil {
			return string(out), fmt.Errorf("%s: %w", strings.Join(args, " "), err)
		}
		return string(out), nil
	}
	out, err := gproot("pacman", "-Q")
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			have[f[0]] = true
		}
	}
	for _, p := range pkgs {
		if !have[p] && !strings.Contains(p, "/") {
			return fmt.Errorf("pacman -Q does not list %s", p)
		}
	}
	last := pkgs[len(pkgs)-1]
	if _, err := gproot("pacman", "-S", "--noconfirm", last); err != nil {
		return err
	}
	fmt.Fprintf(e.Stderr, "junest: the image works: pacman lists %d packages and reinstalled %s\n", len(have), last)
	return nil
}

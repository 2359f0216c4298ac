package junest

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// grootDirs are the host directories groot binds into the image, at the
// same paths, those the host has ($HOME too).
var grootDirs = []string{"/proc", "/sys", "/dev", "/run", "/tmp"}

// GrootPlan builds a groot session's plan: the host's /proc, /sys, /dev,
// /run, /tmp and $HOME bound (recursively) into the image, then a chroot
// into it. -b's arguments may add bindings, as groot's own -b
// HOST[:GUEST].
func (e *Env) GrootPlan(o RunOptions) (*NSPlan, error) {
	p := &NSPlan{Root: e.Home, Home: e.UserHome, Fallback: true}
	for _, d := range grootDirs {
		p.Mounts = append(p.Mounts, Mount{Host: d, Guest: d, Try: true})
	}
	if e.UserHome != "" {
		p.Mounts = append(p.Mounts, Mount{Host: e.UserHome, Guest: e.UserHome, Try: true})
	}
	extra, err := o.backendArgs()
	if err != nil {
		return nil, err
	}
	for i := 0; i < len(extra); i++ {
		a := extra[i]
		var spec string
		switch {
		case (a == "-b" || a == "--bind") && i+1 < len(extra):
			i++
			spec = extra[i]
		case strings.HasPrefix(a, "--bind="):
			spec = strings.TrimPrefix(a, "--bind=")
		default:
			return nil, fmt.Errorf("-b %q: the built-in groot takes only -b HOST[:GUEST] bindings, not %q; use --backend-command for another program", o.BackendArgs, a)
		}
		host, guest, ok := strings.Cut(spec, ":")
		if !ok {
			guest = host
		}
		if !filepath.IsAbs(host) || !filepath.IsAbs(guest) {
			return nil, fmt.Errorf("-b %s: give absolute paths, HOST[:GUEST]", spec)
		}
		if _, err := os.Stat(host); err != nil {
			return nil, errorf(ExitNoFile, "-b %s: %s does not exist on the host", spec, host)
		}
		p.Mounts = append(p.Mounts, Mount{Host: host, Guest: guest})
	}
	if wd, err := os.Getwd(); err == nil {
		p.Cwd = wd
	}
	p.Argv = ShellCommand(o.Command)
	p.Env = guestEnv(e.Vars)
	return p, nil
}

// RootPlan builds a root session's plan: a plain chroot into the image.
func (e *Env) RootPlan(o RunOptions) (*NSPlan, error) {
	extra, err := o.backendArgs()
	if err != nil {
		return nil, err
	}
	if len(extra) > 0 {
		return nil, fmt.Errorf("-b %q: the built-in root backend takes no arguments; use --backend-command chroot to pass chroot(1) options", o.BackendArgs)
	}
	p := &NSPlan{Root: e.Home, Home: e.UserHome, Argv: ShellCommand(o.Command), Env: guestEnv(e.Vars)}
	if wd, err := os.Getwd(); err == nil {
		p.Cwd = wd
	}
	return p, nil
}

// Chroot runs a groot (groot true) or root session, as root only. groot's
// mounts are made in a mount namespace of the session's own: they vanish
// with its last process, however it ends, and the host never sees them.
// Run under sudo, the files of the image are given back to the user who
// ran sudo afterwards, as upstream JuNest does.
func (e *Env) Chroot(o RunOptions, groot bool) (int, error) {
	name := "root"
	if groot {
		name = "groot"
	}
	if os.Geteuid() != 0 {
		return 1, errorf(ExitRoot, "junest %s needs root (it chroots): run it with sudo, or use 'junest ns' or 'junest proot' as a normal user", name)
	}
	if err := checkNested(e.Vars); err != nil {
		return 1, err
	}
	if err := e.requireInstalled(); err != nil {
		return 1, err
	}
	if err := e.checkSameArch(name); err != nil {
		return 1, err
	}
	owner, err := sudoOwner(e.Vars)
	if err != nil {
		return 1, err
	}
	if !o.NoCopyFiles {
		e.copyHostFiles(false)
	}
	var code int
	if o.BackendCommand != "" {
		var args []string
		if groot {
			for _, b := range e.hostBindings() {
				args = append(args, "-b", b)
			}
		}
		extra, err := o.backendArgs()
		if err != nil {
			return 1, err
		}
		args = append(append(args, extra...), e.Home)
		code, err = runExternal(o.BackendCommand, append(args, ShellCommand(o.Command)...), guestEnv(e.Vars))
		if err != nil {
			return code, err
		}
	} else {
		var plan *NSPlan
		var flags uintptr
		if groot {
			plan, err = e.GrootPlan(o)
			flags = syscall.CLONE_NEWNS
		} else {
			plan, err = e.RootPlan(o)
		}
		if err != nil {
			return 1, err
		}
		code, err = runChild(plan, flags)
		if err != nil {
			return code, err
		}
	}
	if owner != nil {
		if n, err := chownTree(e.Home, owner[0], owner[1]); err != nil {
			e.warn("giving the image back to uid %d: %v", owner[0], err)
		} else if n > 0 {
			e.info("gave %d files of the image back to uid %d (sudo)", n, owner[0])
		}
	}
	return code, nil
}

// sudoOwner is the uid and gid of the user who ran sudo (SUDO_UID,
// SUDO_GID), nil when junest was not run through sudo.
func sudoOwner(vars []string) ([]int, error) {
	u, g := Getenv(vars, "SUDO_UID"), Getenv(vars, "SUDO_GID")
	if Getenv(vars, "SUDO_USER") == "" || u == "" || u == "0" {
		return nil, nil
	}
	uid, err1 := strconv.Atoi(u)
	gid, err2 := strconv.Atoi(g)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("SUDO_UID=%q SUDO_GID=%q are not numbers", u, g)
	}
	return []int{uid, gid}, nil
}

// chownTree gives every file under dir not owned by uid:gid to them, on
// dir's file system only, and counts them.
func chownTree(dir string, uid, gid int) (int, error) {
	var top syscall.Stat_t
	if err := syscall.Lstat(dir, &top); err != nil {
		return 0, err
	}
	n := 0
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		var st syscall.Stat_t
		if syscall.Lstat(p, &st) != nil {
			return nil
		}
		if st.Dev != top.Dev {
			return filepath.SkipDir
		}
		if int(st.Uid) != uid || int(st.Gid) != gid {
			if err := os.Lchown(p, uid, gid); err == nil {
				n++
				// chown(2) clears set-id bits: put them back.
				if d.Type()&fs.ModeSymlink == 0 && st.Mode&(syscall.S_ISUID|syscall.S_ISGID) != 0 {
					os.Chmod(p, posixMode(st.Mode&0o7777))
				}
			}
		}
		return nil
	})
	return n, err
}

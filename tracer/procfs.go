package tracer

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/pathfs"
	"github.com/gproot/gproot/syscalls"
)

// procLinks answers, for the tracee whose path is being walked, the
// symlinks of the host's /proc that say something different to each
// process: /proc/self and /proc/thread-self name the tracee, not the
// tracer; the magic links of /proc/PID (exe, cwd, root, fd/N) hold host
// paths, which the walk must follow in the guest's view. It is the
// view's pathfs.LinkHook.
type procLinks struct {
	t  *Tracer
	tr *Tracee // the tracee whose path is being walked, nil outside Resolve
}

func (f *procLinks) hook(host string) (string, bool, error) {
	tr := f.tr
	if tr == nil {
		return "", false, nil
	}
	switch host {
	case "/proc/self":
		return strconv.Itoa(tr.tgid), true, nil
	case "/proc/thread-self":
		return strconv.Itoa(tr.tgid) + "/task/" + strconv.Itoa(tr.pid), true, nil
	}
	if !syscalls.MagicProcLink(host) {
		return "", false, nil
	}
	rest := host[len("/proc/"):]
	num, tail, _ := strings.Cut(rest, "/")
	if pid, err := strconv.Atoi(num); err == nil {
		if tr := f.t.tracees[pid]; tr != nil {
			switch {
			case tail == "exe" && tr.proc.exe != "":
				return tr.proc.exe, true, nil
			case tail == "root":
				// The kernel's answer is the host's /: the tracee's
				// root is its guest root.
				return tr.fs.root, true, nil
			}
		}
	}
	target, err := f.t.readlinkHost(host)
	if err != nil {
		return "", true, err
	}
	if !strings.HasPrefix(target, "/") {
		// pipe:[N], socket:[N], anon_inode:...: no path; the kernel
		// follows such a link itself.
		return "", true, pathfs.ErrOpaque
	}
	if g, ok := f.t.view.HostToGuest(strings.TrimSuffix(target, " (deleted)")); ok {
		return g, true, nil
	}
	return "", true, unix.ENOENT
}

// readlinkHost reads a link as the tracer.
func (t *Tracer) readlinkHost(host string) (string, error) {
	n, err := unix.Readlink(host, t.linkBuf[:])
	if err != nil {
		return "", err
	}
	return string(t.linkBuf[:n]), nil
}

package syscalls

import (
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// enterReadlink handles readlink(2) (path 0, buf 1, bufsiz 2) and
// readlinkat(2) (dirfd 0, path 1, buf 2, bufsiz 3). The content of an
// ordinary symlink is the guest's and is returned untouched. The magic
// links of /proc/PID (exe, cwd, root, fd/N, ...) hold host paths: gproot
// answers them itself, in one stop, with the guest path, and answers exe
// with the guest program rather than the loader that runs it.
func enterReadlink(c Call, r *Row) error {
	bufArg, sizeArg := 1, 2
	var host string
	if r.At {
		bufArg, sizeArg = 2, 3
		path, err := c.ReadString(c.Arg(1))
		if err != nil {
			return err
		}
		if path == "" { // readlinkat(fd, "", ...) reads the link fd is (O_PATH)
			h, err := c.FdHost(int32(c.Arg(0)))
			if err != nil {
				return err
			}
			return replyLink(c, h, bufArg, sizeArg)
		}
	}
	_, host, err := translatePath(c, r, &r.Paths[0])
	if err != nil {
		return err
	}
	if magicProcLink(host) {
		return replyLink(c, host, bufArg, sizeArg)
	}
	return nil
}

// replyLink answers a readlink of the magic link host with its guest
// target, truncated to the buffer as readlink(2) does.
func replyLink(c Call, host string, bufArg, sizeArg int) error {
	size := c.Arg(sizeArg)
	if int64(size) <= 0 {
		return unix.EINVAL
	}
	target, err := linkTarget(c, host)
	if err != nil {
		return err
	}
	if uint64(len(target)) > size {
		target = target[:size]
	}
	if err := c.Write(c.Arg(bufArg), []byte(target)); err != nil {
		return unix.EFAULT
	}
	c.Skip(int64(len(target)))
	return nil
}

// linkTarget reads a magic link as the guest must see it.
func linkTarget(c Call, host string) (string, error) {
	if pid, rest, ok := procPid(host); ok && (rest == "exe" || strings.HasSuffix(rest, "/exe") && strings.HasPrefix(rest, "task/")) {
		if exe, ok := c.Proc().ExeOf(pid); ok && exe != "" {
			return exe, nil
		}
	}
	if pid, rest, ok := procPid(host); ok && rest == "root" {
		if _, ok := c.Proc().ExeOf(pid); ok {
			return Visible(c.Proc().Root(), c.Proc().Root()), nil
		}
	}
	target, err := readlink(host)
	if err != nil {
		return "", errno(err)
	}
	if strings.HasPrefix(target, "/") {
		if g, ok := c.HostToGuest(strings.TrimSuffix(target, " (deleted)")); ok {
			if strings.HasSuffix(target, " (deleted)") {
				g += " (deleted)"
			}
			return g, nil
		}
	}
	return target, nil
}

func readlink(path string) (string, error) {
	var buf [PathMax]byte
	n, err := unix.Readlink(path, buf[:])
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// procPid splits a host path /proc/PID/REST.
func procPid(host string) (pid int, rest string, ok bool) {
	s, found := strings.CutPrefix(host, "/proc/")
	if !found {
		return 0, "", false
	}
	num, rest, _ := strings.Cut(s, "/")
	pid, err := strconv.Atoi(num)
	if err != nil || pid <= 0 {
		return 0, "", false
	}
	return pid, rest, true
}

// magicProcLink says whether host is one of the links of /proc/PID that
// the kernel fills with host paths (proc(5)): exe, cwd, root, fd/N,
// map_files/RANGE, and the same under task/TID.
func magicProcLink(host string) bool {
	_, rest, ok := procPid(host)
	if !ok {
		return false
	}
	if t, ok := strings.CutPrefix(rest, "task/"); ok {
		_, rest, ok = strings.Cut(t, "/")
		if !ok {
			return false
		}
	}
	switch {
	case rest == "exe", rest == "cwd", rest == "root":
		return true
	case strings.HasPrefix(rest, "fd/"), strings.HasPrefix(rest, "map_files/"):
		return !strings.Contains(rest[strings.IndexByte(rest, '/')+1:], "/")
	}
	return false
}

// MagicProcLink is magicProcLink for the tracer's path walker.
func MagicProcLink(host string) bool { return magicProcLink(host) }

// exitGetcwd turns the host path getcwd(2) (buf 0, size 1) returned into
// the guest's; it fails with ERANGE if that does not fit, as the kernel.
func exitGetcwd(c Call, r *Row) error {
	if c.Result() <= 0 {
		return nil
	}
	host, err := c.ReadString(c.Arg(0))
	if err != nil {
		return nil
	}
	guest, ok := c.HostToGuest(host)
	if !ok {
		c.SetResult(-int64(unix.ENOENT))
		return nil
	}
	if uint64(len(guest))+1 > c.Arg(1) {
		c.SetResult(-int64(unix.ERANGE))
		return nil
	}
	b := make([]byte, len(guest)+1)
	copy(b, guest)
	if err := c.Write(c.Arg(0), b); err != nil {
		c.SetResult(-int64(unix.EFAULT))
		return nil
	}
	c.SetResult(int64(len(b)))
	return nil
}

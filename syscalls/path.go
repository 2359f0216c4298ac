package syscalls

import "golang.org/x/sys/unix"

// Enter runs the entry handling of the row.
func (r *Row) DoEnter(c Call) error {
	if r.Enter != nil {
		return r.Enter(c, r)
	}
	return translatePaths(c, r)
}

// translatePaths translates every path argument of the row.
func translatePaths(c Call, r *Row) error {
	for i := range r.Paths {
		if _, _, err := translatePath(c, r, &r.Paths[i]); err != nil {
			return err
		}
	}
	return nil
}

// translatePath resolves one path argument in the guest's view and hands
// the kernel the host path. It returns the guest and host paths; both are
// empty when the argument is no path (NULL where allowed, or an empty path
// with AT_EMPTY_PATH).
func translatePath(c Call, r *Row, a *PathArg) (guest, host string, err error) {
	addr := c.Arg(int(a.Path))
	if addr == 0 {
		if a.NullOK {
			return "", "", nil
		}
		return "", "", unix.EFAULT
	}
	path, err := c.ReadString(addr)
	if err != nil {
		return "", "", err
	}
	var flags uint64
	if r.FlagArg >= 0 {
		flags = c.Arg(int(r.FlagArg))
	}
	bit, empty := r.Flag, r.EmptyPath
	if a.Flag != 0 {
		bit, empty = a.Flag, a.EmptyPath
	}
	if path == "" {
		if empty != 0 && flags&empty != 0 {
			return "", "", nil
		}
		return "", "", unix.ENOENT
	}
	dirfd := int32(unix.AT_FDCWD)
	if a.Dir >= 0 {
		dirfd = int32(c.Arg(int(a.Dir)))
	}
	guest, host, err = c.Resolve(dirfd, path, follows(a.Follow, bit, flags))
	if err != nil {
		return "", "", err
	}
	if !c.Unchanged(path, host) {
		ptr, err := c.PushString(host)
		if err != nil {
			return "", "", err
		}
		c.SetArg(int(a.Path), ptr)
	}
	return guest, host, nil
}

// follows applies a follow rule, whose flag bit is bit, to a call's flags.
func follows(f Follow, bit, flags uint64) bool {
	switch f {
	case Never:
		return false
	case UnlessFlag:
		return flags&bit == 0
	case IfFlag:
		return flags&bit != 0
	case OpenFlags:
		if flags&unix.O_NOFOLLOW != 0 {
			return false
		}
		return flags&(unix.O_CREAT|unix.O_EXCL) != unix.O_CREAT|unix.O_EXCL
	}
	return true
}

// enterOpenat2 reads the flags of openat2(2) from its struct open_how
// (include/uapi/linux/openat2.h: flags is its first u64).
func enterOpenat2(c Call, r *Row) error {
	var how [8]byte
	if err := c.Read(c.Arg(2), how[:]); err != nil {
		return unix.EFAULT
	}
	flags := le64(how[:])
	a := &r.Paths[0]
	if c.Arg(int(a.Path)) == 0 {
		return unix.EFAULT
	}
	path, err := c.ReadString(c.Arg(int(a.Path)))
	if err != nil {
		return err
	}
	if path == "" {
		return unix.ENOENT
	}
	_, host, err := c.Resolve(int32(c.Arg(0)), path, follows(OpenFlags, 0, flags))
	if err != nil || c.Unchanged(path, host) {
		return err
	}
	ptr, err := c.PushString(host)
	if err != nil {
		return err
	}
	c.SetArg(1, ptr)
	return nil
}

// enterMount translates the target of mount(2), and its source too for a
// bind or a move (MS_BIND, MS_MOVE), where the source is a path.
func enterMount(c Call, r *Row) error {
	if err := translatePaths(c, r); err != nil {
		return err
	}
	if c.Arg(3)&(unix.MS_BIND|unix.MS_MOVE) != 0 && c.Arg(0) != 0 {
		src := PathArg{Dir: -1, Path: 0, Follow: Always}
		if _, _, err := translatePath(c, r, &src); err != nil {
			return err
		}
	}
	return nil
}

// enterChroot emulates chroot(2): the kernel's would need privileges and
// would leave the guest's view. The new root is a guest directory; it
// takes effect for every process sharing the file-system context. As the
// kernel, it needs privileges, unless the new root is the current one.
func enterChroot(c Call, r *Row) error {
	guest, host, err := translatePath(c, r, &r.Paths[0])
	if err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Stat(host, &st); err != nil {
		return errno(err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return unix.ENOTDIR
	}
	proc := c.Proc()
	if guest != proc.Root() {
		if !proc.Privileged() {
			return unix.EPERM
		}
		proc.SetRoot(guest)
	}
	c.Skip(0)
	return nil
}

func le64(b []byte) uint64 {
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func put64(b []byte, v uint64) {
	for i := 0; i < 8; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

func put32(b []byte, v uint32) {
	for i := 0; i < 4; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

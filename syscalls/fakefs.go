package syscalls

import (
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gproot/gproot/fakeid"
)

// The file calls of faked identities (-0, -i). The stat family, chown,
// chmod and access are emulated by the tracer in one stop: it resolves the
// path, does the call itself as the real user (who is also the tracee's
// real user), applies the faked view (fakeid.Session) and skips the
// guest's call. mknod of a device becomes a regular file, remembered as a
// node; rename and unlink carry along or drop what was remembered.
//
// Buffers are written in the host's own struct stat layout: the guest is
// of the host's architecture (x86_64 on amd64).

// target is the file a call names, as the tracer reaches it (host) and
// as its records name it (name: host, or for an fd the path the kernel
// gives it).
type target struct {
	host, name string
	follow     bool
	fd         bool // through /proc/PID/fd: a missing one is EBADF
}

// fdTarget is the target of a file descriptor (AT_FDCWD: the cwd).
func fdTarget(c Call, fd int32) target {
	host := c.FdPath(fd)
	var buf [unix.PathMax]byte
	name := ""
	if n, err := unix.Readlink(host, buf[:]); err == nil && n > 0 && buf[0] == '/' {
		name = string(buf[:n])
	}
	return target{host: host, name: name, follow: true, fd: true}
}

// fakeTarget finds the file a call names: the row's first path argument
// (relative to its dirfd), or the dirfd itself for an empty path with
// AT_EMPTY_PATH, or the fd in argument fdArg for a row without paths.
func fakeTarget(c Call, r *Row, fdArg int) (target, error) {
	if len(r.Paths) == 0 {
		return fdTarget(c, int32(c.Arg(fdArg))), nil
	}
	a := &r.Paths[0]
	var flags uint64
	if r.FlagArg >= 0 {
		flags = c.Arg(int(r.FlagArg))
	}
	dirfd := int32(unix.AT_FDCWD)
	if a.Dir >= 0 {
		dirfd = int32(c.Arg(int(a.Dir)))
	}
	addr := c.Arg(int(a.Path))
	if addr == 0 {
		return target{}, unix.EFAULT
	}
	path, err := c.ReadString(addr)
	if err != nil {
		return target{}, errno(err)
	}
	if path == "" {
		if r.EmptyPath != 0 && flags&r.EmptyPath != 0 {
			return fdTarget(c, dirfd), nil
		}
		return target{}, unix.ENOENT
	}
	follow := follows(a.Follow, r.Flag, flags)
	_, host, err := c.Resolve(dirfd, path, follow)
	if err != nil {
		return target{}, errno(err)
	}
	return target{host: host, name: host, follow: follow}, nil
}

// stat stats the target as the real user.
func (t target) stat(st *unix.Stat_t) error {
	var err error
	if t.follow {
		err = unix.Stat(t.host, st)
	} else {
		err = unix.Lstat(t.host, st)
	}
	if err == unix.ENOENT && t.fd {
		return unix.EBADF
	}
	return err
}

func statOf(st *unix.Stat_t) fakeid.Stat {
	return fakeid.Stat{Dev: st.Dev, Ino: st.Ino, Mode: st.Mode, UID: st.Uid, GID: st.Gid, Rdev: st.Rdev, Nlink: uint64(st.Nlink)}
}

// fakeStat stats a call's target and returns the kernel's and the
// guest's views of it.
func fakeStat(c Call, r *Row, fdArg int) (t target, st unix.Stat_t, real, shown fakeid.Stat, err error) {
	if t, err = fakeTarget(c, r, fdArg); err != nil {
		return
	}
	if err = t.stat(&st); err != nil {
		err = errno(err)
		return
	}
	real = statOf(&st)
	shown = real
	c.Fake().Show(&shown)
	return
}

// fakeEnterStat emulates stat(2), lstat(2), fstat(2) (buffer: argument
// 1) and newfstatat(2) (argument 2).
func fakeEnterStat(c Call, r *Row) error {
	buf := 1
	if c.Sysno() == SysNewfstatat {
		buf = 2
	}
	_, st, _, shown, err := fakeStat(c, r, 0)
	if err != nil {
		return err
	}
	st.Uid, st.Gid, st.Mode, st.Rdev = shown.UID, shown.GID, shown.Mode, shown.Rdev
	b := unsafe.Slice((*byte)(unsafe.Pointer(&st)), unsafe.Sizeof(st))
	if c.Write(c.Arg(buf), b) != nil {
		return unix.EFAULT
	}
	c.Skip(0)
	return nil
}

// fakeEnterStatx emulates statx(2) (dirfd 0, path 1, flags 2, mask 3,
// buffer 4).
func fakeEnterStatx(c Call, r *Row) error {
	t, err := fakeTarget(c, r, 0)
	if err != nil {
		return err
	}
	flags := int(c.Arg(2))
	if t.fd {
		flags &^= unix.AT_EMPTY_PATH | unix.AT_SYMLINK_NOFOLLOW
	}
	var stx unix.Statx_t
	if err := unix.Statx(unix.AT_FDCWD, t.host, flags, int(uint32(c.Arg(3))), &stx); err != nil {
		if err == unix.ENOENT && t.fd {
			return unix.EBADF
		}
		return errno(err)
	}
	f := fakeid.Stat{
		Dev: unix.Mkdev(stx.Dev_major, stx.Dev_minor), Ino: stx.Ino, Mode: uint32(stx.Mode),
		UID: stx.Uid, GID: stx.Gid, Rdev: unix.Mkdev(stx.Rdev_major, stx.Rdev_minor),
	}
	c.Fake().Show(&f)
	stx.Uid, stx.Gid, stx.Mode = f.UID, f.GID, uint16(f.Mode)
	stx.Rdev_major, stx.Rdev_minor = unix.Major(f.Rdev), unix.Minor(f.Rdev)
	// struct statx is 256 bytes (include/uapi/linux/stat.h).
	b := unsafe.Slice((*byte)(unsafe.Pointer(&stx)), min(unsafe.Sizeof(stx), 256))
	if c.Write(c.Arg(4), b) != nil {
		return unix.EFAULT
	}
	c.Skip(0)
	return nil
}

// ownerArgs returns the positions of the uid and gid arguments.
func ownerArgs(s Sysno) (int, int) {
	if s == SysFchownat {
		return 2, 3
	}
	return 1, 2
}

// fakeEnterChown emulates chown(2), lchown(2), fchown(2) and fchownat(2)
// under the faked credentials: the new owner is remembered, and the
// set-id bits the kernel clears are cleared.
func fakeEnterChown(c Call, r *Row) error {
	s := c.Fake()
	if s.RealRoot() {
		return translatePaths(c, r)
	}
	t, _, real, shown, err := fakeStat(c, r, 0)
	if err != nil {
		return err
	}
	ua, ga := ownerArgs(c.Sysno())
	uid, gid := uint32(c.Arg(ua)), uint32(c.Arg(ga))
	if err := fakeid.CheckChown(c.Creds(), &shown, uid, gid); err != nil {
		return err
	}
	s.SetOwner(t.name, &real, uid, gid)
	if kill := fakeid.ChownKills(&shown); kill != 0 {
		if err := s.SetMode(t.host, t.name, &real, shown.Mode&^kill, false); err != nil {
			return errno(err)
		}
	}
	c.Skip(0)
	return nil
}

// modeArg returns the position of the mode argument.
func modeArg(s Sysno) int {
	switch s {
	case SysFchmodat, SysFchmodat2, SysMknodat:
		return 2
	}
	return 1
}

// fakeEnterChmod emulates chmod(2), fchmod(2), fchmodat(2) and
// fchmodat2(2): the kernel applies the mode where the real user may, and
// what it refuses is remembered.
func fakeEnterChmod(c Call, r *Row) error {
	s := c.Fake()
	if s.RealRoot() {
		return translatePaths(c, r)
	}
	t, _, real, shown, err := fakeStat(c, r, 0)
	if err != nil {
		return err
	}
	if !t.follow && shown.Mode&unix.S_IFMT == unix.S_IFLNK {
		return unix.EOPNOTSUPP // fchmodat2(AT_SYMLINK_NOFOLLOW) of a symlink
	}
	cr := c.Creds()
	mode, err := fakeid.CheckChmod(cr, &shown, uint32(c.Arg(modeArg(c.Sysno()))))
	if err != nil {
		return err
	}
	if err := s.SetMode(t.host, t.name, &real, mode, cr.Fsuid == 0 || cr.Has(fakeid.CapDacOverride)); err != nil {
		return errno(err)
	}
	c.Skip(0)
	return nil
}

// fakeEnterMknod lets a faked root make device nodes, which the real user
// may not: mknod(2) (mode 1, dev 2) and mknodat(2) (mode 2, dev 3) make a
// regular file instead, remembered at exit as the node asked for.
func fakeEnterMknod(c Call, r *Row) error {
	ma := modeArg(c.Sysno())
	mode := uint32(c.Arg(ma))
	typ := mode & unix.S_IFMT
	if c.Fake().RealRoot() || typ != unix.S_IFCHR && typ != unix.S_IFBLK {
		return fakeEnterCreate(c, r)
	}
	if !c.Creds().Has(fakeid.CapMknod) {
		return unix.EPERM
	}
	_, host, err := translatePath(c, r, &r.Paths[0])
	if err != nil {
		return err
	}
	d := c.Data()
	d.Host, d.Flags, d.Addr = host, typ, c.Arg(ma+1)
	c.SetArg(ma, uint64(unix.S_IFREG|mode&07777))
	c.SetArg(ma+1, 0)
	c.NeedExit()
	return nil
}

func fakeExitMknod(c Call, r *Row) error {
	d := c.Data()
	if d.Flags == 0 { // not a device: fakeEnterCreate's
		return fakeExitCreate(c, r)
	}
	if c.Result() != 0 || d.Host == "" {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Lstat(d.Host, &st); err != nil {
		return nil
	}
	f := statOf(&st)
	// mknod's dev_t is the kernel's encoding (new_encode_dev), glibc's
	// for the numbers in use.
	s, cr := c.Fake(), c.Creds()
	s.SetNode(d.Host, &f, d.Flags, d.Addr)
	s.SetOwner(d.Host, &f, cr.Fsuid, cr.Fsgid)
	return nil
}

// fakeEnterAccess emulates access(2) (mode 1), faccessat(2) (mode 2) and
// faccessat2(2) (mode 2, flags 3): as the kernel, then, where it refuses a
// faked root a file the real user owns, as root would be answered.
func fakeEnterAccess(c Call, r *Row) error {
	if c.Fake().RealRoot() {
		return translatePaths(c, r)
	}
	t, err := fakeTarget(c, r, 0)
	if err != nil {
		return err
	}
	ma, flags := 2, 0
	switch c.Sysno() {
	case SysAccess:
		ma = 1
	case SysFaccessat2:
		flags = int(c.Arg(3))
	}
	mode := uint32(c.Arg(ma))
	if mode&^7 != 0 || flags&^(unix.AT_EACCESS|unix.AT_SYMLINK_NOFOLLOW|unix.AT_EMPTY_PATH) != 0 {
		return unix.EINVAL
	}
	kflags := flags & unix.AT_EACCESS
	if !t.follow {
		kflags |= unix.AT_SYMLINK_NOFOLLOW
	}
	err = faccessat2(t.host, mode, kflags)
	if err == unix.EACCES {
		var st unix.Stat_t
		cr := c.Creds()
		priv := cr.Ruid == 0 && cr.Permitted&(1<<fakeid.CapDacOverride) != 0
		if flags&unix.AT_EACCESS != 0 {
			priv = cr.Has(fakeid.CapDacOverride)
		}
		if priv && t.stat(&st) == nil && st.Uid == c.Fake().RealUID {
			f := statOf(&st)
			c.Fake().Show(&f)
			if fakeid.RootAccess(&f, mode) {
				err = nil
			}
		}
	}
	if err != nil {
		return errno(err)
	}
	c.Skip(0)
	return nil
}

// faccessat2 is faccessat2(2) on a host path (Linux 5.8+), faccessat(2)
// when it has no flags.
func faccessat2(host string, mode uint32, flags int) error {
	p, err := unix.BytePtrFromString(host)
	if err != nil {
		return err
	}
	nr, a4 := uintptr(unix.SYS_FACCESSAT2), uintptr(flags)
	if flags == 0 {
		nr = unix.SYS_FACCESSAT
	}
	cwd := int64(unix.AT_FDCWD)
	_, _, e := unix.Syscall6(nr, uintptr(cwd), uintptr(unsafe.Pointer(p)), uintptr(mode), a4, 0, 0)
	if e != 0 {
		return e
	}
	return nil
}

// fakeEnterUnlink keeps the records of removed files from outliving them:
// unlink(2), unlinkat(2), rmdir(2). The call runs; its exit drops the
// record of a file whose last name it removed.
func fakeEnterUnlink(c Call, r *Row) error {
	_, host, err := translatePath(c, r, &r.Paths[0])
	if err != nil {
		return err
	}
	db := c.Fake().DB
	if db == nil || db.Len() == 0 {
		return nil
	}
	var st unix.Stat_t
	if unix.Lstat(host, &st) != nil {
		return nil
	}
	k := fakeid.Key{Dev: st.Dev, Ino: st.Ino}
	if db.Lookup(k) != nil && (st.Nlink <= 1 || st.Mode&unix.S_IFMT == unix.S_IFDIR) {
		d := c.Data()
		d.Key, d.Host = k, host
		c.NeedExit()
	}
	return nil
}

func fakeExitUnlink(c Call, r *Row) error {
	if d := c.Data(); c.Result() == 0 && d.Host != "" {
		c.Fake().DB.Remove(d.Key)
	}
	return nil
}

// fakeEnterRename carries the records of renamed files (and of what is
// below a renamed directory) to their new names, and drops the record of
// a file the rename replaces: rename(2), renameat(2), renameat2(2).
func fakeEnterRename(c Call, r *Row) error {
	_, src, err := translatePath(c, r, &r.Paths[0])
	if err != nil {
		return err
	}
	_, dst, err := translatePath(c, r, &r.Paths[1])
	if err != nil {
		return err
	}
	db := c.Fake().DB
	if db == nil || db.Len() == 0 {
		return nil
	}
	d := c.Data()
	d.Host, d.Host2 = src, dst
	var st unix.Stat_t
	if unix.Lstat(dst, &st) == nil {
		d.Key2, d.Nlink2 = fakeid.Key{Dev: st.Dev, Ino: st.Ino}, uint64(st.Nlink)
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			d.Nlink2 = 1
		}
	}
	if c.Sysno() == SysRenameat2 {
		d.Flags = uint32(c.Arg(4))
	}
	c.NeedExit()
	return nil
}

func fakeExitRename(c Call, r *Row) error {
	d := c.Data()
	if c.Result() != 0 || d.Host == "" {
		return nil
	}
	db := c.Fake().DB
	if d.Flags&unix.RENAME_EXCHANGE != 0 {
		db.Exchanged(d.Host, d.Host2)
		return nil
	}
	if d.Nlink2 == 1 {
		db.Remove(d.Key2)
	}
	db.Moved(d.Host, d.Host2)
	return nil
}

// xattrName returns the position of the xattr name argument.
func xattrName(s Sysno) int {
	if s == SysSetxattrat {
		return 3
	}
	return 1
}

// fakeEnterSetxattr lets a faked root set trusted.* and security.*
// attributes, which need CAP_SYS_ADMIN: the kernel's EPERM becomes
// success, and the attribute is not set. setxattr(2), lsetxattr(2),
// fsetxattr(2), setxattrat(2).
func fakeEnterSetxattr(c Call, r *Row) error {
	if len(r.Paths) > 0 {
		if err := translatePaths(c, r); err != nil {
			return err
		}
	}
	name, err := c.ReadString(c.Arg(xattrName(c.Sysno())))
	if err != nil {
		return nil // the kernel says EFAULT
	}
	if (strings.HasPrefix(name, "trusted.") || strings.HasPrefix(name, "security.")) &&
		c.Creds().Has(fakeid.CapSysAdmin) && !c.Fake().RealRoot() {
		c.NeedExit()
	}
	return nil
}

func fakeExitSetxattr(c Call, r *Row) error {
	if c.Result() == -int64(unix.EPERM) {
		c.SetResult(0)
	}
	return nil
}

// maxHostName is __NEW_UTS_LEN (include/uapi/linux/utsname.h).
const maxHostName = 64

// fakeEnterSethostname accepts sethostname(2) and setdomainname(2) (name
// 0, length 1) from a faked root without applying them: the host's name
// is not the guest's to change.
func fakeEnterSethostname(c Call, r *Row) error {
	if !c.Creds().Has(fakeid.CapSysAdmin) {
		return unix.EPERM
	}
	n := int64(c.Arg(1))
	if n < 0 || n > maxHostName {
		return unix.EINVAL
	}
	b := make([]byte, n)
	if n > 0 && c.Read(c.Arg(0), b) != nil {
		return unix.EFAULT
	}
	c.Skip(0)
	return nil
}

// creates says whether the call creates a file if it succeeds (and the
// name did not exist): open(2) and openat(2) with O_CREAT, openat2(2)
// with it in struct open_how, creat(2), mkdir(2), symlink(2), and
// mknod(2) of what is not a device.
func creates(c Call) bool {
	switch c.Sysno() {
	case SysOpen:
		return c.Arg(1)&unix.O_CREAT != 0
	case SysOpenat:
		return c.Arg(2)&unix.O_CREAT != 0
	case SysOpenat2:
		var how [8]byte
		return c.Read(c.Arg(2), how[:]) == nil && le64(how[:])&unix.O_CREAT != 0
	}
	return true
}

// fakeEnterCreate makes the files a process creates show as owned by its
// faked fsuid and fsgid, as the kernel would, when they are not the ids
// the real user's files show with (a process that became another user
// with su, setpriv, runuser...): the call runs, and its exit records the
// new file's owner. Calls by the others are only translated.
func fakeEnterCreate(c Call, r *Row) error {
	if err := r.DoEnter(c); err != nil {
		return err
	}
	s, cr := c.Fake(), c.Creds()
	if s.RealRoot() || cr.Fsuid == s.UID && cr.Fsgid == s.GID || !creates(c) {
		return nil
	}
	return needCreateExit(c, r)
}

// needCreateExit asks for the exit stop of a call that may create r's
// first path argument, unless it exists already.
func needCreateExit(c Call, r *Row) error {
	t, err := fakeTarget(c, r, 0)
	if err != nil {
		return nil // the kernel gives the error
	}
	var st unix.Stat_t
	if unix.Lstat(t.host, &st) == nil {
		return nil
	}
	c.Data().Host = t.host
	c.NeedExit()
	return nil
}

func fakeExitCreate(c Call, r *Row) error {
	d := c.Data()
	if c.Result() < 0 || d.Host == "" {
		return nil
	}
	t := target{host: d.Host, name: d.Host}
	switch c.Sysno() {
	case SysOpen, SysOpenat, SysOpenat2, SysCreat:
		t = fdTarget(c, int32(c.Result()))
	}
	var st unix.Stat_t
	if t.stat(&st) != nil {
		return nil
	}
	f := statOf(&st)
	cr := c.Creds()
	c.Fake().SetOwner(t.name, &f, cr.Fsuid, cr.Fsgid)
	return nil
}

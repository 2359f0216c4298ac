package syscalls

import (
	"encoding/binary"
	"errors"

	"golang.org/x/sys/unix"
)

// The identity syscalls, traced only with -0 or -i (FeatFakeID), are
// answered by gproot from the process's faked credentials (fakeid.Creds),
// which the set*id calls change under the kernel's rules: the kernel's own
// credentials never change.

// enterGetID answers getuid(2), geteuid(2), getgid(2) and getegid(2).
func enterGetID(c Call, r *Row) error {
	cr := c.Creds()
	v := cr.Ruid
	switch c.Sysno() {
	case SysGeteuid:
		v = cr.Euid
	case SysGetgid:
		v = cr.Rgid
	case SysGetegid:
		v = cr.Egid
	}
	c.Skip(int64(v))
	return nil
}

// enterGetresID answers getresuid(2) and getresgid(2) (ruid* 0, euid* 1,
// suid* 2).
func enterGetresID(c Call, r *Row) error {
	cr := c.Creds()
	ids := [3]uint32{cr.Ruid, cr.Euid, cr.Suid}
	if c.Sysno() == SysGetresgid {
		ids = [3]uint32{cr.Rgid, cr.Egid, cr.Sgid}
	}
	for i, id := range ids {
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], id)
		if err := c.Write(c.Arg(i), b[:]); err != nil {
			return unix.EFAULT
		}
	}
	c.Skip(0)
	return nil
}

// enterGetgroups answers getgroups(2) (size 0, list 1): a size of 0 asks
// for the count, a smaller one than the count is EINVAL.
func enterGetgroups(c Call, r *Row) error {
	groups := c.Creds().Groups
	size := int64(int32(c.Arg(0)))
	switch {
	case size < 0:
		return unix.EINVAL
	case size == 0:
		c.Skip(int64(len(groups)))
		return nil
	case size < int64(len(groups)):
		return unix.EINVAL
	}
	b := make([]byte, 4*len(groups))
	for i, g := range groups {
		binary.LittleEndian.PutUint32(b[4*i:], g)
	}
	if err := c.Write(c.Arg(1), b); err != nil {
		return unix.EFAULT
	}
	c.Skip(int64(len(groups)))
	return nil
}

// enterSetID applies setuid(2), setgid(2), setreuid(2), setregid(2),
// setresuid(2), setresgid(2), setfsuid(2) and setfsgid(2) to the faked
// credentials.
func enterSetID(c Call, r *Row) error {
	cr := c.Creds()
	a := func(i int) uint32 { return uint32(c.Arg(i)) }
	var err error
	switch c.Sysno() {
	case SysSetuid:
		err = cr.SetUID(a(0))
	case SysSetgid:
		err = cr.SetGID(a(0))
	case SysSetreuid:
		err = cr.SetReUID(a(0), a(1))
	case SysSetregid:
		err = cr.SetReGID(a(0), a(1))
	case SysSetresuid:
		err = cr.SetResUID(a(0), a(1), a(2))
	case SysSetresgid:
		err = cr.SetResGID(a(0), a(1), a(2))
	case SysSetfsuid:
		c.Skip(int64(cr.SetFSUID(a(0))))
		return nil
	case SysSetfsgid:
		c.Skip(int64(cr.SetFSGID(a(0))))
		return nil
	}
	if err != nil {
		return err
	}
	c.Skip(0)
	return nil
}

// ngroupsMax is NGROUPS_MAX (include/uapi/linux/limits.h).
const ngroupsMax = 65536

// enterSetgroups applies setgroups(2) (size 0, list 1).
func enterSetgroups(c Call, r *Row) error {
	size := int64(int32(c.Arg(0)))
	if size < 0 || size > ngroupsMax {
		return unix.EINVAL
	}
	b := make([]byte, 4*size)
	if err := c.Read(c.Arg(1), b); err != nil && size > 0 {
		return unix.EFAULT
	}
	groups := make([]uint32, size)
	for i := range groups {
		groups[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	if err := c.Creds().SetGroups(groups); err != nil {
		return err
	}
	c.Skip(0)
	return nil
}

// Capability header versions (include/uapi/linux/capability.h).
const (
	capVersion1 = 0x19980330
	capVersion2 = 0x20071026
	capVersion3 = 0x20080522
)

// capHeader reads capget's and capset's header (version, pid) at argument
// 0 and returns how many 32-bit data structs go with its version. An
// unknown version is answered as the kernel does: the header gets the
// preferred version and the call fails with EINVAL.
func capHeader(c Call) (n int, err error) {
	var h [8]byte
	if c.Read(c.Arg(0), h[:]) != nil {
		return 0, unix.EFAULT
	}
	switch le32(h[:]) {
	case capVersion1:
		n = 1
	case capVersion2, capVersion3:
		n = 2
	default:
		put32(h[:], capVersion3)
		if c.Write(c.Arg(0), h[:4]) != nil {
			return 0, unix.EFAULT
		}
		return 0, unix.EINVAL
	}
	if pid := int32(le32(h[4:])); pid != 0 && int(pid) != c.Pid() {
		return n, errOtherPid
	}
	return n, nil
}

// errOtherPid: the call is about another process, left to the kernel.
var errOtherPid = errors.New("another process")

// enterCapget answers capget(2) (header 0, data 1) from the faked
// capability sets: struct __user_cap_data_struct is effective,
// permitted, inheritable (u32 each), once per 32 capabilities.
func enterCapget(c Call, r *Row) error {
	n, err := capHeader(c)
	if err == errOtherPid {
		return nil
	}
	if err == unix.EINVAL && c.Arg(1) == 0 {
		c.Skip(0) // a NULL data pointer asks for the version only
		return nil
	}
	if err != nil {
		return err
	}
	if c.Arg(1) == 0 {
		c.Skip(0)
		return nil
	}
	cr := c.Creds()
	b := make([]byte, 12*n)
	for i := 0; i < n; i++ {
		put32(b[12*i:], uint32(cr.Effective>>(32*i)))
		put32(b[12*i+4:], uint32(cr.Permitted>>(32*i)))
		put32(b[12*i+8:], uint32(cr.Inheritable>>(32*i)))
	}
	if c.Write(c.Arg(1), b) != nil {
		return unix.EFAULT
	}
	c.Skip(0)
	return nil
}

// enterCapset applies capset(2) to the faked capability sets; another
// process's are not the caller's to change (EPERM).
func enterCapset(c Call, r *Row) error {
	n, err := capHeader(c)
	if err == errOtherPid {
		return unix.EPERM
	}
	if err != nil {
		return err
	}
	b := make([]byte, 12*n)
	if c.Read(c.Arg(1), b) != nil {
		return unix.EFAULT
	}
	var eff, perm, inh uint64
	for i := 0; i < n; i++ {
		eff |= uint64(le32(b[12*i:])) << (32 * i)
		perm |= uint64(le32(b[12*i+4:])) << (32 * i)
		inh |= uint64(le32(b[12*i+8:])) << (32 * i)
	}
	if err := c.Creds().SetCaps(eff, perm, inh); err != nil {
		return err
	}
	c.Skip(0)
	return nil
}

package fakeid

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Keep is the "leave unchanged" argument of setreuid(2), setresuid(2) and
// chown(2): (uid_t)-1. It is never a valid id.
const Keep = ^uint32(0)

// Capabilities used by the rules below (include/uapi/linux/capability.h).
const (
	CapChown          = 0
	CapDacOverride    = 1
	CapDacReadSearch  = 2
	CapFowner         = 3
	CapFsetid         = 4
	CapSetgid         = 6
	CapSetuid         = 7
	CapLinuxImmutable = 9
	CapSysChroot      = 18
	CapSysAdmin       = 21
	CapMknod          = 27
	CapMacOverride    = 32
)

// fsCaps are the capabilities that follow the fsuid (CAP_FS_SET,
// include/linux/capability.h): dropped from the effective set when it
// leaves 0, raised from the permitted set when it becomes 0.
const fsCaps = 1<<CapChown | 1<<CapMknod | 1<<CapDacOverride | 1<<CapDacReadSearch |
	1<<CapFowner | 1<<CapFsetid | 1<<CapMacOverride | 1<<CapLinuxImmutable

// Creds are a thread's faked credentials: ids, supplementary groups and
// capability sets. Copies are independent: each thread has its own, as in
// the kernel, and a child starts with a copy of its parent's.
type Creds struct {
	Ruid, Euid, Suid, Fsuid uint32
	Rgid, Egid, Sgid, Fsgid uint32
	Groups                  []uint32
	// Capability sets, one bit per capability.
	Effective, Permitted, Inheritable uint64
	// Bounding is the bounding set: what a root process gets at execve.
	Bounding uint64
}

// New returns the credentials of a process started as uid:gid (proot
// -i; -0 is 0:0) with no supplementary groups, and, as the kernel gives
// root, every capability of the bounding set if uid is 0.
func New(uid, gid uint32, bounding uint64) *Creds {
	c := &Creds{uid, uid, uid, uid, gid, gid, gid, gid, nil, 0, 0, 0, bounding}
	c.Exec()
	return c
}

// Clone returns an independent copy.
func (c *Creds) Clone() *Creds {
	n := *c
	n.Groups = append([]uint32(nil), c.Groups...)
	return &n
}

// Has says whether capability cap is in the effective set.
func (c *Creds) Has(cap int) bool { return c.Effective&(1<<cap) != 0 }

// InGroup says whether gid is the fsgid or a supplementary group
// (in_group_p in kernel/groups.c).
func (c *Creds) InGroup(gid uint32) bool {
	if gid == c.Fsgid {
		return true
	}
	for _, g := range c.Groups {
		if g == gid {
			return true
		}
	}
	return false
}

// Exec applies what execve(2) does to credentials of a program without
// file capabilities or set-id bits (capabilities(7), "Transformation of
// capabilities during execve()"): the saved ids become the effective ones;
// root (real or effective uid 0) gets the bounding set as permitted, and as
// effective too if its effective uid is 0; anyone else loses them all.
func (c *Creds) Exec() {
	c.Suid, c.Sgid = c.Euid, c.Egid
	c.Fsuid, c.Fsgid = c.Euid, c.Egid
	if c.Ruid == 0 || c.Euid == 0 {
		c.Permitted = c.Bounding | c.Inheritable
		c.Effective = 0
		if c.Euid == 0 {
			c.Effective = c.Permitted
		}
		return
	}
	c.Permitted, c.Effective = 0, 0
}

// ParseID parses proot's -i argument, "uid:gid".
func ParseID(s string) (uid, gid uint32, err error) {
	us, gs, ok := strings.Cut(s, ":")
	if !ok {
		return 0, 0, fmt.Errorf("-i takes uid:gid, like 1000:1000, not %q", s)
	}
	u, err1 := strconv.ParseUint(us, 10, 32)
	g, err2 := strconv.ParseUint(gs, 10, 32)
	if err1 != nil || err2 != nil || u == uint64(Keep) || g == uint64(Keep) {
		return 0, 0, fmt.Errorf("-i takes uid:gid, two numbers from 0 to %d, not %q", Keep-1, s)
	}
	return uint32(u), uint32(g), nil
}

// setxuid applies the capability changes of a uid change
// (cap_emulate_setxuid, security/commoncap.c): losing uid 0 everywhere
// clears the permitted and effective sets, an effective uid leaving 0
// clears the effective set, one becoming 0 gets the permitted set.
func (c *Creds) setxuid(oldR, oldE, oldS uint32) {
	if (oldR == 0 || oldE == 0 || oldS == 0) && c.Ruid != 0 && c.Euid != 0 && c.Suid != 0 {
		c.Permitted, c.Effective = 0, 0
	}
	if oldE == 0 && c.Euid != 0 {
		c.Effective = 0
	}
	if oldE != 0 && c.Euid == 0 {
		c.Effective = c.Permitted
	}
}

// SetUID is setuid(2): with CAP_SETUID it sets the real, effective, saved
// and fs uids; without, the effective (and fs) uid may become the real or
// saved one.
func (c *Creds) SetUID(uid uint32) error {
	if uid == Keep {
		return unix.EINVAL
	}
	oldR, oldE, oldS := c.Ruid, c.Euid, c.Suid
	switch {
	case c.Has(CapSetuid):
		c.Ruid, c.Euid, c.Suid, c.Fsuid = uid, uid, uid, uid
	case uid == c.Ruid || uid == c.Suid:
		c.Euid, c.Fsuid = uid, uid
	default:
		return unix.EPERM
	}
	c.setxuid(oldR, oldE, oldS)
	return nil
}

// SetGID is setgid(2), with the same rules for the gids and CAP_SETGID.
func (c *Creds) SetGID(gid uint32) error {
	if gid == Keep {
		return unix.EINVAL
	}
	switch {
	case c.Has(CapSetgid):
		c.Rgid, c.Egid, c.Sgid, c.Fsgid = gid, gid, gid, gid
	case gid == c.Rgid || gid == c.Sgid:
		c.Egid, c.Fsgid = gid, gid
	default:
		return unix.EPERM
	}
	return nil
}

// setre implements setreuid(2) and setregid(2) on one set of ids (real,
// effective, saved, fs) for a caller privileged or not: unprivileged, the
// real id may become the effective one, the effective id the real or saved
// one. The saved id follows the new effective one when the real id is
// set, or the effective one set to other than the old real id.
func setre(priv bool, r, e uint32, ids [4]*uint32) error {
	real, eff, saved, fs := ids[0], ids[1], ids[2], ids[3]
	if !priv {
		if r != Keep && r != *real && r != *eff ||
			e != Keep && e != *real && e != *eff && e != *saved {
			return unix.EPERM
		}
	}
	oldR := *real
	if r != Keep {
		*real = r
	}
	if e != Keep {
		*eff = e
	}
	if r != Keep || e != Keep && e != oldR {
		*saved = *eff
	}
	*fs = *eff
	return nil
}

// setres implements setresuid(2) and setresgid(2): unprivileged, each new
// id must be one of the current real, effective or saved ids.
func setres(priv bool, r, e, s uint32, ids [4]*uint32) error {
	if !priv {
		for _, v := range []uint32{r, e, s} {
			if v != Keep && v != *ids[0] && v != *ids[1] && v != *ids[2] {
				return unix.EPERM
			}
		}
	}
	for i, v := range []uint32{r, e, s} {
		if v != Keep {
			*ids[i] = v
		}
	}
	*ids[3] = *ids[1]
	return nil
}

func (c *Creds) uids() [4]*uint32 { return [4]*uint32{&c.Ruid, &c.Euid, &c.Suid, &c.Fsuid} }
func (c *Creds) gids() [4]*uint32 { return [4]*uint32{&c.Rgid, &c.Egid, &c.Sgid, &c.Fsgid} }

// SetReUID is setreuid(2).
func (c *Creds) SetReUID(r, e uint32) error {
	oldR, oldE, oldS := c.Ruid, c.Euid, c.Suid
	if err := setre(c.Has(CapSetuid), r, e, c.uids()); err != nil {
		return err
	}
	c.setxuid(oldR, oldE, oldS)
	return nil
}

// SetReGID is setregid(2).
func (c *Creds) SetReGID(r, e uint32) error { return setre(c.Has(CapSetgid), r, e, c.gids()) }

// SetResUID is setresuid(2).
func (c *Creds) SetResUID(r, e, s uint32) error {
	oldR, oldE, oldS := c.Ruid, c.Euid, c.Suid
	if err := setres(c.Has(CapSetuid), r, e, s, c.uids()); err != nil {
		return err
	}
	c.setxuid(oldR, oldE, oldS)
	return nil
}

// SetResGID is setresgid(2).
func (c *Creds) SetResGID(r, e, s uint32) error {
	return setres(c.Has(CapSetgid), r, e, s, c.gids())
}

// SetFSUID is setfsuid(2): it returns the old fsuid whether or not the
// change is allowed (CAP_SETUID, or one of the real, effective, saved or
// current fs uids; (uid_t)-1 never is). The capabilities of CAP_FS_SET
// follow the fsuid in and out of 0.
func (c *Creds) SetFSUID(uid uint32) uint32 {
	old := c.Fsuid
	if uid != Keep && (c.Has(CapSetuid) || uid == c.Ruid || uid == c.Euid || uid == c.Suid || uid == c.Fsuid) {
		c.Fsuid = uid
		switch {
		case old == 0 && uid != 0:
			c.Effective &^= fsCaps
		case old != 0 && uid == 0:
			c.Effective |= fsCaps & c.Permitted
		}
	}
	return old
}

// SetFSGID is setfsgid(2).
func (c *Creds) SetFSGID(gid uint32) uint32 {
	old := c.Fsgid
	if gid != Keep && (c.Has(CapSetgid) || gid == c.Rgid || gid == c.Egid || gid == c.Sgid || gid == c.Fsgid) {
		c.Fsgid = gid
	}
	return old
}

// SetGroups is setgroups(2): CAP_SETGID only; (gid_t)-1 is invalid.
func (c *Creds) SetGroups(groups []uint32) error {
	if !c.Has(CapSetgid) {
		return unix.EPERM
	}
	for _, g := range groups {
		if g == Keep {
			return unix.EINVAL
		}
	}
	c.Groups = append(c.Groups[:0:0], groups...)
	return nil
}

// SetCaps is capset(2) on the caller itself: the new permitted set must
// be within the old one, the effective set within the new permitted one,
// and the inheritable set within the old inheritable and permitted ones
// (and the bounding set for what permitted adds).
func (c *Creds) SetCaps(eff, perm, inh uint64) error {
	if perm&^c.Permitted != 0 || eff&^perm != 0 ||
		inh&^(c.Inheritable|c.Permitted) != 0 || inh&^(c.Inheritable|c.Bounding) != 0 {
		return unix.EPERM
	}
	c.Effective, c.Permitted, c.Inheritable = eff, perm, inh
	return nil
}

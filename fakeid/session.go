package fakeid

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Session is what one gproot run fakes for all its processes: who really
// runs it, which ids the real user's own files are shown with, and what a
// faked identity changed that the kernel did not (DB).
type Session struct {
	RealUID, RealGID uint32
	// UID and GID are -0's or -i's: the real user's files show as theirs.
	UID, GID uint32
	// DB remembers ownerships, modes and device nodes; nil with
	// --no-fake-db, when nothing is remembered (PRoot's behaviour).
	DB *DB
}

// RealRoot says whether gproot really runs as root: then the kernel
// applies chown, chmod and mknod itself and nothing is faked about files.
func (s *Session) RealRoot() bool { return s.RealUID == 0 }

// Natural returns the owner a file of real owner uid:gid is shown with
// when it has no record: the real user's files are the faked user's.
func (s *Session) Natural(uid, gid uint32) (uint32, uint32) {
	if uid == s.RealUID {
		uid = s.UID
	}
	if gid == s.RealGID {
		gid = s.GID
	}
	return uid, gid
}

// Show turns the kernel's view of a file into the guest's.
func (s *Session) Show(st *Stat) {
	st.UID, st.GID = s.Natural(st.UID, st.GID)
	if s.DB == nil {
		return
	}
	r := s.DB.Lookup(Key{st.Dev, st.Ino})
	if r == nil {
		return
	}
	if r.UID != Keep {
		st.UID = r.UID
	}
	if r.GID != Keep {
		st.GID = r.GID
	}
	if r.HasMode {
		st.Mode = st.Mode&unix.S_IFMT | r.Mode
	}
	if r.Type != 0 && st.Mode&unix.S_IFMT == unix.S_IFREG {
		st.Mode = r.Type | st.Mode&07777
		st.Rdev = r.Rdev
	}
}

// SetOwner records that the file st (named host on the host: "" if it has
// no name) is now owned by uid:gid (Keep: unchanged) as shown to the
// guest.
func (s *Session) SetOwner(host string, st *Stat, uid, gid uint32) {
	if s.DB == nil {
		return
	}
	natUID, natGID := s.Natural(st.UID, st.GID)
	s.DB.Update(Key{st.Dev, st.Ino}, host, func(r *Record) {
		if uid != Keep {
			r.UID = uid
			if uid == natUID {
				r.UID = Keep
			}
		}
		if gid != Keep {
			r.GID = gid
			if gid == natGID {
				r.GID = Keep
			}
		}
	})
}

// SetMode makes the file st (reached at host, named name) show
// permission bits mode. The
// kernel is asked first, as the real user; what it refuses (a file the
// real user does not own) is recorded. For a faked root, who reads and
// writes anything, the real file keeps its owner's read and write bits
// (and search, for a directory) whatever mode shows, so that the real
// user still can. It returns the kernel's error other than EPERM.
func (s *Session) SetMode(host, name string, st *Stat, mode uint32, rootLike bool) error {
	mode &= 07777
	real := mode
	if rootLike {
		real |= 0o600
		if st.Mode&unix.S_IFMT == unix.S_IFDIR {
			real |= 0o700
		}
	}
	err := unix.Fchmodat(unix.AT_FDCWD, host, real, 0)
	switch {
	case err == nil:
	case err == unix.EPERM:
		real = ^uint32(0) // nothing changed: record the whole mode
	default:
		return err
	}
	if s.DB == nil {
		return nil
	}
	s.DB.Update(Key{st.Dev, st.Ino}, name, func(r *Record) {
		r.Mode, r.HasMode = mode, real != mode
		if !r.HasMode {
			r.Mode = 0
		}
	})
	return nil
}

// SetNode records that the regular file st (at host) stands for a device
// node of type typ (S_IFCHR, S_IFBLK) and number rdev.
func (s *Session) SetNode(host string, st *Stat, typ uint32, rdev uint64) {
	if s.DB == nil {
		return
	}
	s.DB.Update(Key{st.Dev, st.Ino}, host, func(r *Record) { r.Type, r.Rdev = typ, rdev })
}

// CheckChown applies chown(2)'s rules (chown_ok, chgrp_ok in fs/attr.c)
// for credentials c to a file shown as st: changing the owner needs
// CAP_CHOWN, unless it is the same owner and c its fsuid; changing the
// group needs CAP_CHOWN, or c owns the file and belongs to the new group.
func CheckChown(c *Creds, st *Stat, uid, gid uint32) error {
	if uid != Keep && !(c.Fsuid == st.UID && uid == st.UID) && !c.Has(CapChown) {
		return unix.EPERM
	}
	if gid != Keep && !(c.Fsuid == st.UID && (gid == st.GID || c.InGroup(gid))) && !c.Has(CapChown) {
		return unix.EPERM
	}
	return nil
}

// ChownKills returns the set-id bits a chown(2) of st clears: a file that
// is not a directory loses set-user-ID, and set-group-ID if group
// execute is set.
func ChownKills(st *Stat) uint32 {
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return 0
	}
	kill := uint32(unix.S_ISUID)
	if st.Mode&unix.S_IXGRP != 0 {
		kill |= unix.S_ISGID
	}
	return st.Mode & kill
}

// CheckChmod applies chmod(2)'s rules: the owner or CAP_FOWNER may; the
// set-group-ID bit is dropped for a caller outside the file's group and
// without CAP_FSETID. It returns the mode to set.
func CheckChmod(c *Creds, st *Stat, mode uint32) (uint32, error) {
	if c.Fsuid != st.UID && !c.Has(CapFowner) {
		return 0, unix.EPERM
	}
	mode &= 07777
	if !c.InGroup(st.GID) && !c.Has(CapFsetid) {
		mode &^= unix.S_ISGID
	}
	return mode, nil
}

// RootAccess says whether access(2) grants mode (R_OK, W_OK, X_OK bits)
// on st to a caller with CAP_DAC_OVERRIDE: reading and writing always,
// executing if st is a directory or has an execute bit.
func RootAccess(st *Stat, mode uint32) bool {
	if mode&unix.X_OK == 0 || st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return true
	}
	return st.Mode&0o111 != 0
}

// Bounding reads the capability bounding set of this process
// (/proc/self/status, CapBnd), which a root process started by the real
// user would get; the kernel's full set if it cannot be read.
func Bounding() uint64 {
	const all = 1<<41 - 1 // CAP_LAST_CAP is 40 (CAP_CHECKPOINT_RESTORE)
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return all
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapBnd:"); ok {
			if n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64); err == nil {
				return n
			}
		}
	}
	return all
}

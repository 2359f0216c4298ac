package fakeid

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func statOf(t *testing.T, p string) *Stat {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	return &Stat{Dev: st.Dev, Ino: st.Ino, Mode: st.Mode, UID: st.Uid, GID: st.Gid, Rdev: st.Rdev, Nlink: st.Nlink}
}

func session(t *testing.T, root string) *Session {
	t.Helper()
	db, err := OpenDB(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &Session{RealUID: uint32(os.Getuid()), RealGID: uint32(os.Getgid()), UID: 0, GID: 0, DB: db}
}

func shown(t *testing.T, s *Session, p string) *Stat {
	st := statOf(t, p)
	s.Show(st)
	return st
}

// TestDBAcrossRuns records an owner, a mode and a device node, reopens
// the database as a later run would, and checks that renames carry
// records along and removals drop them.
func TestDBAcrossRuns(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"home/alice", "dev", "bin"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	os.WriteFile(filepath.Join(root, "home/alice/f"), nil, 0o644)
	os.WriteFile(filepath.Join(root, "dev/null2"), nil, 0o644)
	os.WriteFile(filepath.Join(root, "bin/su"), nil, 0o755)
	s := session(t, root)
	alice := filepath.Join(root, "home/alice")
	s.SetOwner(alice, statOf(t, alice), 1000, 1000)
	s.SetOwner(alice+"/f", statOf(t, alice+"/f"), 1000, Keep)
	dev := filepath.Join(root, "dev/null2")
	s.SetNode(dev, statOf(t, dev), unix.S_IFCHR, unix.Mkdev(1, 3))
	su := filepath.Join(root, "bin/su")
	if err := s.SetMode(su, su, statOf(t, su), 0o4755, true); err != nil {
		t.Fatal(err)
	}
	// chown back to the natural owner drops the record.
	s.SetOwner(su, statOf(t, su), 0, 0)
	// The real user owns su: the kernel applies the mode, nothing is
	// recorded.
	if s.DB.Len() != 3 {
		t.Fatalf("%d records, want 3", s.DB.Len())
	}
	s.DB.Close()

	s = session(t, root)
	if st := shown(t, s, alice); st.UID != 1000 || st.GID != 1000 {
		t.Errorf("alice's home after reopening: %d:%d", st.UID, st.GID)
	}
	if st := shown(t, s, alice+"/f"); st.UID != 1000 || st.GID != 0 {
		t.Errorf("alice's file: %d:%d, want 1000:0", st.UID, st.GID)
	}
	if st := shown(t, s, dev); st.Mode != unix.S_IFCHR|0o644 || st.Rdev != unix.Mkdev(1, 3) {
		t.Errorf("device: mode %o rdev %x", st.Mode, st.Rdev)
	}
	if st := shown(t, s, su); st.Mode != unix.S_IFREG|0o4755 || st.UID != 0 {
		t.Errorf("su: mode %o uid %d", st.Mode, st.UID)
	}
	// A directory renamed carries its records and those below it.
	bob := filepath.Join(root, "home/bob")
	if err := os.Rename(alice, bob); err != nil {
		t.Fatal(err)
	}
	s.DB.Moved(alice, bob)
	// A removed file takes its record with it.
	k := statOf(t, dev)
	os.Remove(dev)
	s.DB.Remove(Key{k.Dev, k.Ino})
	s.DB.Close()

	s = session(t, root)
	if st := shown(t, s, bob+"/f"); st.UID != 1000 {
		t.Errorf("after the rename: uid %d, want 1000", st.UID)
	}
	if s.DB.Len() != 2 {
		t.Errorf("%d records, want 2 (home, file)", s.DB.Len())
	}
	b, _ := os.ReadFile(filepath.Join(root, DBFile))
	if lines := strings.Count(string(b), "\n"); lines != 3 {
		t.Errorf("reopened alone, the log is not compacted to 3 lines:\n%s", b)
	}
}

func TestDBTornAndForeign(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "var/lib/gproot"), 0o755)
	os.WriteFile(filepath.Join(root, "f"), nil, 0o644)
	log := filepath.Join(root, DBFile)
	os.WriteFile(log, []byte(dbMagic+"\nset 5 6 - - 0 \"f\"\nset 7 7 - - 0 \"f"), 0o644)
	s := session(t, root)
	if st := shown(t, s, filepath.Join(root, "f")); st.UID != 5 || st.GID != 6 {
		t.Errorf("a torn last line: %d:%d, want the line before it (5:6)", st.UID, st.GID)
	}
	s.DB.Close()
	os.WriteFile(log, []byte("something else\n"), 0o644)
	if _, err := OpenDB(root); err == nil || !strings.Contains(err.Error(), "not a gproot fake ownership log") {
		t.Errorf("a foreign file: %v", err)
	}
	os.WriteFile(log, []byte(dbMagic+"\nbogus line\n"), 0o644)
	if _, err := OpenDB(root); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a malformed line: %v", err)
	}
}

func TestChownChmodRules(t *testing.T) {
	root := New(0, 0, bnd)
	user := New(1000, 1000, bnd)
	user.Groups = []uint32{1000, 50}
	own := &Stat{Mode: unix.S_IFREG | 0o6755, UID: 1000, GID: 1000}
	other := &Stat{Mode: unix.S_IFREG | 0o644, UID: 0, GID: 0}
	for _, tc := range []struct {
		c        *Creds
		st       *Stat
		uid, gid uint32
		want     error
	}{
		{root, other, 5, 5, nil},
		{user, own, Keep, 50, nil},
		{user, own, 1000, Keep, nil},
		{user, own, 5, Keep, unix.EPERM},
		{user, own, Keep, 7, unix.EPERM},
		{user, other, Keep, Keep, nil},
		{user, other, 0, Keep, unix.EPERM},
	} {
		if err := CheckChown(tc.c, tc.st, tc.uid, tc.gid); err != tc.want {
			t.Errorf("chown %d:%d of %d:%d by uid %d: %v, want %v", tc.uid, tc.gid, tc.st.UID, tc.st.GID, tc.c.Euid, err, tc.want)
		}
	}
	if k := ChownKills(own); k != unix.S_ISUID|unix.S_ISGID {
		t.Errorf("chown kills %o", k)
	}
	if _, err := CheckChmod(user, other, 0o777); err != unix.EPERM {
		t.Errorf("chmod of another's file: %v", err)
	}
	if m, err := CheckChmod(user, &Stat{UID: 1000, GID: 7}, 0o2755); err != nil || m != 0o755 {
		t.Errorf("chmod g+s outside the group: %o %v, want 755", m, err)
	}
	if m, err := CheckChmod(root, other, 0o2755); err != nil || m != 0o2755 {
		t.Errorf("root chmod g+s: %o %v", m, err)
	}
	if RootAccess(&Stat{Mode: unix.S_IFREG | 0o644}, unix.X_OK) || !RootAccess(&Stat{Mode: unix.S_IFREG | 0o400}, unix.W_OK) {
		t.Error("RootAccess")
	}
}

// TestDBExchange swaps two directories' records, as
// renameat2(RENAME_EXCHANGE), and checks a later run sees them swapped.
func TestDBExchange(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"a/x", "b/x"} {
		os.MkdirAll(filepath.Join(root, filepath.Dir(p)), 0o755)
		os.WriteFile(filepath.Join(root, p), nil, 0o644)
	}
	s := session(t, root)
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	s.SetOwner(a+"/x", statOf(t, a+"/x"), 1, 1)
	s.SetOwner(b+"/x", statOf(t, b+"/x"), 2, 2)
	if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
		t.Skipf("renameat2(RENAME_EXCHANGE): %v", err)
	}
	s.DB.Exchanged(a, b)
	s.DB.Close()
	s = session(t, root)
	if st := shown(t, s, a+"/x"); st.UID != 2 {
		t.Errorf("a/x after the exchange: uid %d, want 2", st.UID)
	}
	if st := shown(t, s, b+"/x"); st.UID != 1 {
		t.Errorf("b/x after the exchange: uid %d, want 1", st.UID)
	}
}

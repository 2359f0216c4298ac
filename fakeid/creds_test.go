package fakeid

import (
	"fmt"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// bnd is the bounding set of the machine the transcript below was taken on.
const bnd = 0x000001fffeffffff

func TestSetUIDRules(t *testing.T) {
	for _, tc := range []struct {
		name    string
		start   Creds
		do      func(c *Creds) error
		want    [4]uint32 // r, e, s, fs
		wantErr error
	}{
		{"root setuid sets all", *New(0, 0, bnd), func(c *Creds) error { return c.SetUID(1000) }, [4]uint32{1000, 1000, 1000, 1000}, nil},
		{"setuid(-1) is invalid", *New(0, 0, bnd), func(c *Creds) error { return c.SetUID(Keep) }, [4]uint32{0, 0, 0, 0}, unix.EINVAL},
		{"user setuid to another fails", *New(1000, 1000, bnd), func(c *Creds) error { return c.SetUID(0) }, [4]uint32{1000, 1000, 1000, 1000}, unix.EPERM},
		{"user setuid back to saved", Creds{Ruid: 1000, Euid: 2000, Suid: 0, Fsuid: 2000}, func(c *Creds) error { return c.SetUID(0) }, [4]uint32{1000, 0, 0, 0}, nil},
		{"root setresuid drops euid, keeps saved", *New(0, 0, bnd), func(c *Creds) error { return c.SetResUID(Keep, 1000, Keep) }, [4]uint32{0, 1000, 0, 1000}, nil},
		{"then back to root through saved", Creds{Ruid: 0, Euid: 1000, Suid: 0, Fsuid: 1000}, func(c *Creds) error { return c.SetResUID(Keep, 0, Keep) }, [4]uint32{0, 0, 0, 0}, nil},
		{"user setresuid to a stranger fails", *New(1000, 1000, bnd), func(c *Creds) error { return c.SetResUID(5, Keep, Keep) }, [4]uint32{1000, 1000, 1000, 1000}, unix.EPERM},
		{"setreuid swap sets saved", Creds{Ruid: 1000, Euid: 2000, Suid: 2000, Fsuid: 2000}, func(c *Creds) error { return c.SetReUID(2000, 1000) }, [4]uint32{2000, 1000, 1000, 1000}, nil},
		{"setreuid euid only to real keeps saved", Creds{Ruid: 1000, Euid: 2000, Suid: 2000, Fsuid: 2000}, func(c *Creds) error { return c.SetReUID(Keep, 1000) }, [4]uint32{1000, 1000, 2000, 1000}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.start.Clone()
			if err := tc.do(c); err != tc.wantErr {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if got := [4]uint32{c.Ruid, c.Euid, c.Suid, c.Fsuid}; got != tc.want {
				t.Errorf("uids %v, want %v", got, tc.want)
			}
		})
	}
}

// TestKernelTranscript replays testdata/c/ids.c's steps and compares with
// what that program printed as real root (started with no supplementary
// groups) on Linux 6.18: ids, groups and capabilities after each step.
func TestKernelTranscript(t *testing.T) {
	c := New(0, 0, bnd)
	show := func() string {
		return fmt.Sprintf("%d %d %d %d/%d %d %d %d/%v/%016x %016x",
			c.Ruid, c.Euid, c.Suid, c.Fsuid, c.Rgid, c.Egid, c.Sgid, c.Fsgid, c.Groups, c.Effective, c.Permitted)
	}
	var got []string
	step := func(errs ...error) {
		var s []string
		for _, e := range errs {
			s = append(s, fmt.Sprint(e))
		}
		got = append(got, strings.Join(s, ",")+" => "+show())
	}
	step()
	step(c.SetGroups([]uint32{100, 200}), c.SetResGID(1000, 1000, 1000))
	step(c.SetResUID(1000, 1000, 0))
	step(c.SetUID(0), c.SetReUID(Keep, 0))
	step(c.SetReUID(2000, Keep))
	step(c.SetResUID(3000, 3000, 3000), c.SetUID(0), c.SetGroups([]uint32{100}), c.SetGID(0))
	want := []string{
		" => 0 0 0 0/0 0 0 0/[]/000001fffeffffff 000001fffeffffff",
		"<nil>,<nil> => 0 0 0 0/1000 1000 1000 1000/[100 200]/000001fffeffffff 000001fffeffffff",
		"<nil> => 1000 1000 0 1000/1000 1000 1000 1000/[100 200]/0000000000000000 000001fffeffffff",
		"<nil>,<nil> => 1000 0 0 0/1000 1000 1000 1000/[100 200]/000001fffeffffff 000001fffeffffff",
		"<nil> => 2000 0 0 0/1000 1000 1000 1000/[100 200]/000001fffeffffff 000001fffeffffff",
		"<nil>,operation not permitted,operation not permitted,operation not permitted => 3000 3000 3000 3000/1000 1000 1000 1000/[100 200]/0000000000000000 0000000000000000",
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("step %d:\n got %s\nwant %s", i, got[i], want[i])
		}
	}
}

func TestSetFSUIDCaps(t *testing.T) {
	c := New(0, 0, bnd)
	if old := c.SetFSUID(Keep); old != 0 || c.Fsuid != 0 {
		t.Errorf("setfsuid(-1): old %d, fsuid %d; want no change", old, c.Fsuid)
	}
	c.SetFSUID(1000)
	if c.Has(CapChown) || c.Has(CapDacOverride) || !c.Has(CapSetuid) {
		t.Errorf("fsuid 1000: effective %x, want the fs capabilities dropped, the others kept", c.Effective)
	}
	c.SetFSUID(0)
	if c.Effective != bnd {
		t.Errorf("fsuid back to 0: effective %x, want %x", c.Effective, uint64(bnd))
	}
	u := New(1000, 1000, bnd)
	if old := u.SetFSUID(0); old != 1000 || u.Fsuid != 1000 {
		t.Errorf("unprivileged setfsuid(0): old %d, fsuid %d; want 1000, 1000", old, u.Fsuid)
	}
	if err := u.SetGroups([]uint32{1, 2}); err != unix.EPERM {
		t.Errorf("unprivileged setgroups: %v, want EPERM", err)
	}
	if u.Effective != 0 || u.Permitted != 0 {
		t.Errorf("-i 1000:1000 has capabilities %x %x", u.Effective, u.Permitted)
	}
}

func TestExecAndCapset(t *testing.T) {
	c := New(0, 0, bnd)
	if err := c.SetCaps(0, 1<<CapChown, 0); err != nil || c.Has(CapChown) {
		t.Fatalf("capset drop: %v, effective %x", err, c.Effective)
	}
	if err := c.SetCaps(1<<CapSetuid, 1<<CapChown, 0); err != unix.EPERM {
		t.Errorf("capset raising effective beyond permitted: %v, want EPERM", err)
	}
	if err := c.SetCaps(0, 1<<CapChown|1<<CapSetuid, 0); err != unix.EPERM {
		t.Errorf("capset raising permitted: %v, want EPERM", err)
	}
	c.Exec() // a root process regains everything at execve
	if c.Effective != bnd || c.Permitted != bnd {
		t.Errorf("after exec: %x %x, want the bounding set", c.Effective, c.Permitted)
	}
	c.SetResUID(Keep, 1000, Keep)
	c.Exec() // real uid 0, effective 1000: permitted but not effective
	if c.Effective != 0 || c.Permitted != bnd || c.Suid != 1000 {
		t.Errorf("exec with euid 1000: %x %x suid %d", c.Effective, c.Permitted, c.Suid)
	}
	d := c.Clone()
	d.Groups = append(d.Groups, 9)
	if len(c.Groups) != 0 {
		t.Error("Clone shares the groups")
	}
}

func TestParseID(t *testing.T) {
	for _, tc := range []struct {
		in       string
		uid, gid uint32
		ok       bool
	}{
		{"1234:5678", 1234, 5678, true},
		{"0:0", 0, 0, true},
		{"1234", 0, 0, false},
		{"-1:0", 0, 0, false},
		{"4294967295:0", 0, 0, false},
		{"a:b", 0, 0, false},
		{"99999999999:1", 0, 0, false},
	} {
		uid, gid, err := ParseID(tc.in)
		if (err == nil) != tc.ok || tc.ok && (uid != tc.uid || gid != tc.gid) {
			t.Errorf("ParseID(%q) = %d, %d, %v", tc.in, uid, gid, err)
		}
	}
}

package syscalls

import (
	"testing"

	"golang.org/x/sys/unix"
)

// TestFollows checks each follow rule against the flags that decide it,
// on synthetic rows and on the rows of real syscalls.
func TestFollows(t *testing.T) {
	nofollowRow := &Row{FlagArg: 3, Flag: unix.AT_SYMLINK_NOFOLLOW}
	followRow := &Row{FlagArg: 4, Flag: unix.AT_SYMLINK_FOLLOW}
	openRow := &Row{FlagArg: 2}
	for _, tc := range []struct {
		name   string
		follow Follow
		row    *Row
		flags  uint64
		want   bool
	}{
		{"Always, no flags", Always, openRow, 0, true},
		{"Always ignores O_NOFOLLOW", Always, openRow, unix.O_NOFOLLOW, true},
		{"Never, no flags", Never, openRow, 0, false},
		{"Never ignores AT_SYMLINK_FOLLOW", Never, followRow, unix.AT_SYMLINK_FOLLOW, false},
		{"UnlessFlag without the flag", UnlessFlag, nofollowRow, 0, true},
		{"UnlessFlag with the flag", UnlessFlag, nofollowRow, unix.AT_SYMLINK_NOFOLLOW, false},
		{"UnlessFlag with other bits only", UnlessFlag, nofollowRow, unix.AT_EMPTY_PATH | unix.AT_NO_AUTOMOUNT, true},
		{"UnlessFlag with the flag among others", UnlessFlag, nofollowRow, unix.AT_EMPTY_PATH | unix.AT_SYMLINK_NOFOLLOW, false},
		{"IfFlag without the flag", IfFlag, followRow, 0, false},
		{"IfFlag with the flag", IfFlag, followRow, unix.AT_SYMLINK_FOLLOW, true},
		{"IfFlag with other bits only", IfFlag, followRow, unix.AT_EMPTY_PATH, false},
		{"open O_RDONLY", OpenFlags, openRow, unix.O_RDONLY, true},
		{"open O_NOFOLLOW", OpenFlags, openRow, unix.O_NOFOLLOW, false},
		{"open O_CREAT", OpenFlags, openRow, unix.O_CREAT | unix.O_WRONLY, true},
		{"open O_CREAT|O_EXCL", OpenFlags, openRow, unix.O_CREAT | unix.O_EXCL, false},
		{"open O_EXCL without O_CREAT", OpenFlags, openRow, unix.O_EXCL, true},
		{"open O_CREAT|O_NOFOLLOW", OpenFlags, openRow, unix.O_CREAT | unix.O_NOFOLLOW, false},
		{"open O_PATH|O_NOFOLLOW", OpenFlags, openRow, unix.O_PATH | unix.O_NOFOLLOW, false},
		{"open O_DIRECTORY", OpenFlags, openRow, unix.O_DIRECTORY, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := follows(tc.follow, tc.row.Flag, tc.flags); got != tc.want {
				t.Errorf("follows(%d, %+v, %#x) = %v, want %v", tc.follow, *tc.row, tc.flags, got, tc.want)
			}
		})
	}
}

// TestFollowsRows checks the rows of syscalls.Rows: what the kernel
// follows for their flags (the man page of each call).
func TestFollowsRows(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sys   Sysno
		arg   int // index in Row.Paths
		flags uint64
		want  bool
	}{
		{"stat follows", SysStat, 0, 0, true},
		{"lstat does not", SysLstat, 0, 0, false},
		{"open follows", SysOpen, 0, unix.O_RDONLY, true},
		{"open O_NOFOLLOW", SysOpen, 0, unix.O_NOFOLLOW, false},
		{"openat O_CREAT|O_EXCL", SysOpenat, 0, unix.O_CREAT | unix.O_EXCL | unix.O_WRONLY, false},
		{"creat follows", SysCreat, 0, 0, true},
		{"newfstatat follows", SysNewfstatat, 0, 0, true},
		{"newfstatat AT_SYMLINK_NOFOLLOW", SysNewfstatat, 0, unix.AT_SYMLINK_NOFOLLOW, false},
		{"statx AT_SYMLINK_NOFOLLOW", SysStatx, 0, unix.AT_SYMLINK_NOFOLLOW, false},
		{"statx AT_STATX_SYNC_AS_STAT", SysStatx, 0, unix.AT_STATX_SYNC_AS_STAT, true},
		{"fchownat AT_SYMLINK_NOFOLLOW", SysFchownat, 0, unix.AT_SYMLINK_NOFOLLOW, false},
		{"utimensat follows", SysUtimensat, 0, 0, true},
		{"execveat AT_SYMLINK_NOFOLLOW", SysExecveat, 0, unix.AT_SYMLINK_NOFOLLOW, false},
		{"linkat old path not followed", SysLinkat, 0, 0, false},
		{"linkat old path AT_SYMLINK_FOLLOW", SysLinkat, 0, unix.AT_SYMLINK_FOLLOW, true},
		{"linkat new path never", SysLinkat, 1, unix.AT_SYMLINK_FOLLOW, false},
		{"name_to_handle_at AT_SYMLINK_FOLLOW", SysNameToHandleAt, 0, unix.AT_SYMLINK_FOLLOW, true},
		{"name_to_handle_at default", SysNameToHandleAt, 0, 0, false},
		{"umount2 UMOUNT_NOFOLLOW", SysUmount2, 0, unix.UMOUNT_NOFOLLOW, false},
		{"umount2 follows", SysUmount2, 0, unix.MNT_DETACH, true},
		{"inotify_add_watch IN_DONT_FOLLOW", SysInotifyAddWatch, 0, unix.IN_DONT_FOLLOW | unix.IN_MODIFY, false},
		{"inotify_add_watch follows", SysInotifyAddWatch, 0, unix.IN_MODIFY, true},
		{"fanotify_mark FAN_MARK_DONT_FOLLOW", SysFanotifyMark, 0, unix.FAN_MARK_ADD | unix.FAN_MARK_DONT_FOLLOW, false},
		{"unlinkat never", SysUnlinkat, 0, unix.AT_REMOVEDIR, false},
		{"rename old never", SysRename, 0, 0, false},
		{"rename new never", SysRename, 1, 0, false},
		{"readlinkat never", SysReadlinkat, 0, 0, false},
		{"mkdir never", SysMkdir, 0, 0, false},
		{"chdir follows", SysChdir, 0, 0, true},
		{"open_tree AT_SYMLINK_NOFOLLOW", SysOpenTree, 0, unix.AT_SYMLINK_NOFOLLOW, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Rows[tc.sys]
			if r == nil || tc.arg >= len(r.Paths) {
				t.Fatalf("%s has no path argument %d", tc.sys, tc.arg)
			}
			if got := follows(r.Paths[tc.arg].Follow, r.Flag, tc.flags); got != tc.want {
				t.Errorf("%s path %d with flags %#x: follows = %v, want %v", tc.sys, tc.arg, tc.flags, got, tc.want)
			}
		})
	}
}

// TestRowsWellFormed checks that every row's argument positions are
// syscall arguments and that every flag rule has a flag to test.
func TestRowsWellFormed(t *testing.T) {
	for s, r := range Rows {
		if r == nil {
			continue
		}
		t.Run(Sysno(s).String(), func(t *testing.T) {
			if r.FlagArg < -1 || r.FlagArg > 5 {
				t.Errorf("FlagArg %d is no argument", r.FlagArg)
			}
			if r.EmptyPath != 0 && r.FlagArg < 0 {
				t.Errorf("EmptyPath set but no flags argument")
			}
			for i, a := range r.Paths {
				if a.Path < 0 || a.Path > 5 || a.Dir < -1 || a.Dir > 5 || a.Dir == a.Path {
					t.Errorf("path %d: Dir %d, Path %d are no distinct arguments", i, a.Dir, a.Path)
				}
				if a.Dir >= 0 && a.Dir == r.FlagArg || a.Path == r.FlagArg {
					t.Errorf("path %d shares argument %d with the flags", i, r.FlagArg)
				}
				switch a.Follow {
				case UnlessFlag, IfFlag:
					if r.FlagArg < 0 || r.Flag == 0 && a.Flag == 0 {
						t.Errorf("path %d: follow rule %d needs FlagArg and Flag", i, a.Follow)
					}
				case OpenFlags:
					if r.FlagArg < 0 && r.Enter == nil {
						t.Errorf("path %d: OpenFlags needs FlagArg or an Enter that reads the flags", i)
					}
				}
			}
			if len(r.Paths) == 0 && r.Enter == nil && r.Exit == nil && r.FakeEnter == nil {
				t.Errorf("row with no paths and no handler does nothing")
			}
		})
	}
}

package syscalls

import "testing"

// TestProcPid checks the split of a host path /proc/PID/REST.
func TestProcPid(t *testing.T) {
	for _, tc := range []struct {
		name, host string
		pid        int
		rest       string
		ok         bool
	}{
		{"exe", "/proc/123/exe", 123, "exe", true},
		{"pid directory", "/proc/42", 42, "", true},
		{"fd link", "/proc/7/fd/3", 7, "fd/3", true},
		{"thread link", "/proc/7/task/8/cwd", 7, "task/8/cwd", true},
		{"self is no pid", "/proc/self/exe", 0, "", false},
		{"thread-self is no pid", "/proc/thread-self/cwd", 0, "", false},
		{"zero", "/proc/0/exe", 0, "", false},
		{"negative", "/proc/-1/exe", 0, "", false},
		{"not a number", "/proc/sys/kernel", 0, "", false},
		{"/proc itself", "/proc", 0, "", false},
		{"/proc/", "/proc/", 0, "", false},
		{"other directory", "/procfs/1/exe", 0, "", false},
		{"relative", "proc/1/exe", 0, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pid, rest, ok := procPid(tc.host)
			if pid != tc.pid || rest != tc.rest || ok != tc.ok {
				t.Errorf("procPid(%q) = (%d, %q, %v), want (%d, %q, %v)", tc.host, pid, rest, ok, tc.pid, tc.rest, tc.ok)
			}
		})
	}
}

// TestMagicProcLink checks which host paths are the /proc/PID links that
// the kernel fills with host paths (proc(5)).
func TestMagicProcLink(t *testing.T) {
	for _, tc := range []struct {
		name, host string
		want       bool
	}{
		{"exe", "/proc/123/exe", true},
		{"cwd", "/proc/123/cwd", true},
		{"root", "/proc/123/root", true},
		{"fd/N", "/proc/123/fd/0", true},
		{"fd/N large", "/proc/123/fd/1023", true},
		{"map_files", "/proc/123/map_files/7f0000000000-7f0000001000", true},
		{"task exe", "/proc/123/task/124/exe", true},
		{"task cwd", "/proc/123/task/124/cwd", true},
		{"task fd/N", "/proc/123/task/124/fd/5", true},
		{"fd directory", "/proc/123/fd", false},
		{"below fd/N", "/proc/123/fd/3/x", false},
		{"below exe", "/proc/123/exe/x", false},
		{"below cwd", "/proc/123/cwd/etc/passwd", false},
		{"fdinfo", "/proc/123/fdinfo/3", false},
		{"status", "/proc/123/status", false},
		{"ns link holds no path", "/proc/123/ns/net", false},
		{"task directory", "/proc/123/task/124", false},
		{"task list", "/proc/123/task", false},
		{"pid directory", "/proc/123", false},
		{"self, unresolved", "/proc/self/exe", false},
		{"not under /proc", "/srv/proc/123/exe", false},
		{"not a pid", "/proc/sys/fs/binfmt_misc", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := magicProcLink(tc.host); got != tc.want {
				t.Errorf("magicProcLink(%q) = %v, want %v", tc.host, got, tc.want)
			}
			if got := MagicProcLink(tc.host); got != tc.want {
				t.Errorf("MagicProcLink(%q) = %v, want %v", tc.host, got, tc.want)
			}
		})
	}
}

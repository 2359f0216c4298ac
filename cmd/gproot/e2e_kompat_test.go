package main

import (
	"path/filepath"
	"testing"
)

// TestKernelRelease checks -k: uname(2) and /proc/sys/kernel/osrelease
// report the given release (proot -k), the vDSO, whose note tells glibc
// the real kernel version, is hidden from the auxiliary vector as PRoot
// hides it, and a bad release is refused.
func TestKernelRelease(t *testing.T) {
	r := rootfs(t)
	eachMode(t, func(t *testing.T, env []string) {
		out, errOut, code := runGproot(t, env, "-k", "3.10", "-R", r, "sh", "-c",
			"uname -r; cat /proc/sys/kernel/osrelease; uname -s; LD_SHOW_AUXV=1 /bin/true | grep -c -e AT_SYSINFO_EHDR -e AT_EXECFN")
		if want := "3.10\n3.10\nLinux\n1\n"; code != 0 || out != want {
			t.Errorf("exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
		}
	})
	t.Run("real-release-without-k", func(t *testing.T) {
		out, _, code := runGproot(t, nil, "-R", r, "uname", "-r")
		if code != 0 || out == "3.10\n" || out == "" {
			t.Errorf("exit %d, stdout %q, want the host's release", code, out)
		}
		out, _, code = runGproot(t, nil, "-R", r, "sh", "-c", "LD_SHOW_AUXV=1 /bin/true | grep -c -e AT_SYSINFO_EHDR -e AT_EXECFN")
		if code != 0 || out != "2\n" {
			t.Errorf("auxv without -k: exit %d, stdout %q, want both AT_SYSINFO_EHDR and AT_EXECFN", code, out)
		}
	})
	for _, bad := range []string{"", "3.10\n4"} {
		t.Run("refuses-"+bad, func(t *testing.T) {
			out, errOut, code := runGproot(t, nil, "-k", bad, "-r", r, "true")
			if code != 1 || out != "" {
				t.Errorf("exit %d, stdout %q, want 1 and nothing", code, out)
			}
			oneLine(t, "stderr", errOut)
		})
	}
}

// TestKernelTooOld runs testdata/c/oscheck.c, which checks the kernel
// version as glibc did before 2.36 (the vDSO's note, else uname) and
// fails with "FATAL: kernel too old" below the version it asks for: a
// version above the real kernel's fails natively and runs under -k.
// (Bookworm's glibc 2.36 no longer checks: it cannot show this itself.)
func TestKernelTooOld(t *testing.T) {
	r := rootfs(t)
	bin := cGuest(t, "oscheck", "oscheck.c")
	_, errOut, code := run(t, nil, asNobody(bin, "99.0")...)
	if code != 127 || errOut != "FATAL: kernel too old\n" {
		t.Fatalf("natively: exit %d, stderr %q, want the FATAL error", code, errOut)
	}
	eachMode(t, func(t *testing.T, env []string) {
		out, errOut, code := runGproot(t, env, "-k", "99.0", "-r", r, "-b", filepath.Dir(bin)+":"+guestBinDir, guestBinDir+"/oscheck", "99.0")
		if code != 0 || out != "ok 99.0\n" {
			t.Errorf("exit %d, stdout %q, want \"ok 99.0\"\nstderr:\n%s", code, out, errOut)
		}
	})
}

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// ownRootfs returns a private copy of the Debian rootfs that the user
// gproot runs as owns, as a user unpacks a rootfs of their own (junest
// setup): package managers write all over it. Device nodes in /dev are
// left out; the guest gets the host's /dev.
func ownRootfs(t *testing.T) string {
	t.Helper()
	src := rootfs(t)
	dst := filepath.Join(writableDir(t), "rootfs")
	script := `mkdir "$2" && tar -C "$1" --exclude=./dev/* -cf - . | tar -C "$2" -xf -`
	argv := []string{"sh", "-c", script, "sh", src, dst}
	if isRoot() {
		// Read as root (a few files of a debootstrap tree are root-only),
		// written as the user.
		argv = []string{"sh", "-c", `mkdir "$2" && chown 65534:65534 "$2" && tar -C "$1" --exclude=./dev/* -cf - . | setpriv --reuid=65534 --regid=65534 --clear-groups tar -C "$2" -xf -`, "sh", src, dst}
	}
	if _, errOut, code := run(t, nil, argv...); code != 0 {
		t.Fatalf("copying the rootfs: exit %d\n%s", code, errOut)
	}
	return dst
}

var (
	debsOnce sync.Once
	debsPath string
	debsErr  error
)

// debs returns the directory of .deb files and Packages index that
// testdata/mkdebs.sh makes (hello, and jq with its libraries).
func debs(t *testing.T) string {
	t.Helper()
	debsOnce.Do(func() {
		cmd := exec.Command("sh", "../../testdata/mkdebs.sh")
		cmd.Env = os.Environ()
		if isRoot() && os.Getenv("GPROOT_CACHE") == "" {
			cmd.Env = append(cmd.Env, "GPROOT_CACHE="+defaultRootCache)
		}
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			debsErr = err
			return
		}
		debsPath = strings.TrimSpace(string(out))
	})
	if debsErr != nil {
		t.Fatalf("testdata/mkdebs.sh: %v", debsErr)
	}
	return debsPath
}

// TestFakeRoot checks -0 and -i: the identity syscalls report the faked
// ids, files the real user owns show as the faked user's, a faked root's
// chown succeeds and an unprivileged faked user's fails as the kernel
// would have it.
func TestFakeRoot(t *testing.T) {
	r := rootfs(t)
	dir := writableDir(t)
	writeFile(t, filepath.Join(dir, "f"), "x\n", 0o644)
	if isRoot() {
		if err := os.Chown(filepath.Join(dir, "f"), nobodyID, nobodyID); err != nil {
			t.Fatal(err)
		}
	}
	eachMode(t, func(t *testing.T, env []string) {
		out, errOut, code := runGproot(t, env, "-0", "-R", r, "id")
		if want := "uid=0(root) gid=0(root) groups=0(root)\n"; code != 0 || out != want {
			t.Errorf("-0 id: exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
		}
		out, errOut, code = runGproot(t, env, "-0", "-r", r, "--no-fake-db", "-b", dir+":/srv/d", "sh", "-c",
			"ls -ln /srv/d | awk 'NR>1 {print $3, $4, $9}'; chown 5:5 /srv/d/f && echo chown-ok; whoami")
		if want := "0 0 f\nchown-ok\nroot\n"; code != 0 || out != want {
			t.Errorf("-0: exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
		}
		out, errOut, code = runGproot(t, env, "-i", "1234:5678", "-R", r, "id", "-u")
		if want := "1234\n"; code != 0 || out != want {
			t.Errorf("-i id -u: exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
		}
		out, errOut, code = runGproot(t, env, "-i", "1234:5678", "-r", r, "-b", dir+":/srv/d", "sh", "-c",
			"id -g; stat -c '%u %g' /srv/d/f; chown 5 /srv/d/f || echo chown-refused; chown 1234 /srv/d/f && echo chown-self-ok")
		if want := "5678\n1234 5678\nchown-refused\nchown-self-ok\n"; code != 0 || out != want {
			t.Errorf("-i: exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
		}
	})
	t.Run("bad-ids", func(t *testing.T) {
		for _, bad := range []string{"1234", "-1:0", "a:b", "4294967295:0", "1:2:3"} {
			out, errOut, code := runGproot(t, nil, "-i", bad, "-r", r, "true")
			if code != 1 || out != "" || !strings.Contains(errOut, "uid:gid") {
				t.Errorf("-i %q: exit %d, stdout %q, stderr %q", bad, code, out, errOut)
			}
			oneLine(t, "stderr", errOut)
		}
		out, errOut, code := runGproot(t, nil, "-0", "-i", "1:1", "-r", r, "true")
		if code != 1 || out != "" {
			t.Errorf("-0 -i: exit %d, stdout %q", code, out)
		}
		oneLine(t, "stderr", errOut)
	})
}

// TestFakeRootPackages installs packages with apt-get under -S, as a user
// would into their own rootfs: a local .deb, then a package with
// dependencies from a local file: repository. Nothing is downloaded in
// the guest: apt's only source is that repository.
func TestFakeRootPackages(t *testing.T) {
	repo := debs(t)
	offline := "-o Dir::Etc::SourceList=/etc/apt/sources.list.d/local.list -o Dir::Etc::SourceParts=/nonexistent"
	eachMode(t, func(t *testing.T, env []string) {
		r := ownRootfs(t)
		out, errOut, code := runGproot(t, env, "-S", r, "-b", repo+":/srv/repo", "sh", "-c",
			`echo "deb [trusted=yes] file:/srv/repo ./" > /etc/apt/sources.list.d/local.list &&
			cd /srv/repo && apt-get `+offline+` install -y ./hello_*.deb`)
		if code != 0 || !strings.Contains(out, "Setting up hello") {
			t.Fatalf("apt-get install ./hello_*.deb: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
		out, errOut, code = runGproot(t, env, "-R", r, "hello")
		if code != 0 || out != "Hello, world!\n" {
			t.Errorf("hello: exit %d, stdout %q\nstderr:\n%s", code, out, errOut)
		}
		out, errOut, code = runGproot(t, env, "-S", r, "-b", repo+":/srv/repo", "sh", "-c",
			`apt-get `+offline+` update && apt-get `+offline+` install -y jq && echo '{"a": 42}' | jq .a && dpkg -s libonig5 | grep Status`)
		if want := "42\nStatus: install ok installed\n"; code != 0 || !strings.HasSuffix(out, want) {
			t.Errorf("apt-get install jq: exit %d, want the output to end in %q\nstdout:\n%s\nstderr:\n%s", code, want, out, errOut)
		}
		// dpkg's own files show as root's; apt's sandbox directory as _apt's.
		out, errOut, code = runGproot(t, env, "-S", r, "sh", "-c",
			"stat -c '%U:%G %n' /usr/bin/hello /var/lib/dpkg/status /var/cache/apt/archives/partial")
		if want := "root:root /usr/bin/hello\nroot:root /var/lib/dpkg/status\n_apt:root /var/cache/apt/archives/partial\n"; code != 0 || out != want {
			t.Errorf("owners: exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
		}
	})
}

// TestFakeOwnership checks what a faked root changes and the kernel
// refuses the real user: owners, device nodes and set-id bits show as set,
// in later runs too, and a removed or renamed file takes its record along.
// -S, not -R: -R binds the host's /etc/passwd, which useradd may not write.
func TestFakeOwnership(t *testing.T) {
	eachMode(t, func(t *testing.T, env []string) {
		r := ownRootfs(t)
		ls := regexp.MustCompile(`[A-Z][a-z]{2} +[0-9]+ +[0-9:]+ `) // ls -l's date
		spaces := regexp.MustCompile(` +`)                          // ls -l's alignment
		do := func(script, want string) {
			t.Helper()
			out, errOut, code := runGproot(t, env, "-S", r, "sh", "-c", script)
			out = spaces.ReplaceAllString(ls.ReplaceAllString(out, "DATE "), " ")
			if code != 0 || out != want {
				t.Errorf("%s\nexit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", script, code, out, want, errOut)
			}
		}
		do("useradd -m alice && chown alice:alice /home/alice && ls -ld /home/alice && stat -c '%U %n' /home/alice/.bashrc",
			"drwxr-xr-x 2 alice alice 4096 DATE /home/alice\nalice /home/alice/.bashrc\n")
		// What a process that became alice creates is alice's.
		do("su alice -c 'touch /home/alice/made && mkdir /home/alice/dir' && stat -c '%U:%G %n' /home/alice/made /home/alice/dir",
			"alice:alice /home/alice/made\nalice:alice /home/alice/dir\n")
		do("mknod /srv/null2 c 1 3 && ls -l /srv/null2 && mknod /srv/disk b 8 1 && stat -c '%F %t:%T' /srv/disk",
			"crw-r--r-- 1 root root 1, 3 DATE /srv/null2\nblock special file 8:1\n")
		do("touch /srv/f /srv/g && chmod u+s /srv/f && chown 7:8 /srv/g && ls -l /srv/f && stat -c '%u:%g' /srv/g",
			"-rwSr--r-- 1 root root 0 DATE /srv/f\n7:8\n")
		// A second run remembers; a renamed directory keeps its records,
		// a removed file loses its own.
		do("ls -ld /home/alice /srv/null2 && stat -c '%A %u:%g' /srv/f /srv/g && mv /home/alice /home/alicia && rm /srv/disk && mknod /srv/disk c 4 4",
			"drwxr-xr-x 3 alice alice 4096 DATE /home/alice\ncrw-r--r-- 1 root root 1, 3 DATE /srv/null2\n-rwSr--r-- 0:0\n-rw-r--r-- 7:8\n")
		do("stat -c '%U %n' /home/alicia /home/alicia/.profile && stat -c '%F %t:%T' /srv/disk && rm -r /home/alicia && mkdir /home/alicia && stat -c '%U' /home/alicia",
			"alice /home/alicia\nalice /home/alicia/.profile\ncharacter special file 4:4\nroot\n")
		// --no-fake-db: PRoot's behaviour, the real owner.
		out, _, code := runGproot(t, env, "-0", "--no-fake-db", "-r", r, "stat", "-c", "%u:%g", "/srv/g")
		if code != 0 || out != "0:0\n" {
			t.Errorf("--no-fake-db: exit %d, stdout %q, want 0:0", code, out)
		}
		b, err := os.ReadFile(filepath.Join(r, "var/lib/gproot/fakeid.log"))
		if err != nil || !strings.HasPrefix(string(b), "gproot-fakeid 1\n") {
			t.Errorf("the record log: %v\n%s", err, b)
		}
	})
}

// TestIdentitySyscalls runs testdata/c/ids.c, which prints every identity
// syscall's answer before and after setgroups, setresgid, setresuid and
// the like, as real root (the truth: started with no supplementary
// groups, as gproot -0 starts the guest) and under gproot -0 as the
// unprivileged user, and wants the same output. Under Debian's proot -0
// (PRoot 5.1) the only differences must be those the README lists.
func TestIdentitySyscalls(t *testing.T) {
	requireRoot(t, "the reference is the program run as real root")
	r := rootfs(t)
	bin := cGuest(t, "ids", "ids.c")
	want, errOut, code := run(t, nil, "setpriv", "--clear-groups", bin)
	if code != 0 {
		t.Fatalf("as root: exit %d\n%s", code, errOut)
	}
	eachMode(t, func(t *testing.T, env []string) {
		out, errOut, code := runGproot(t, env, "-0", "-r", r, "-b", filepath.Dir(bin)+":"+guestBinDir, guestBinDir+"/ids")
		if code != 0 || out != want {
			t.Errorf("exit %d\n--- gproot -0:\n%s\n--- root:\n%s\n--- stderr:\n%s", code, out, want, errOut)
		}
	})
	t.Run("proot", func(t *testing.T) {
		proot, err := exec.LookPath("proot")
		if err != nil {
			t.Skip("Debian's proot is not installed")
		}
		out, errOut, code := run(t, nil, asNobody(proot, "-0", "-r", r, "-b", filepath.Dir(bin)+":"+guestBinDir, guestBinDir+"/ids")...)
		if code != 0 {
			t.Fatalf("proot -0: exit %d\n%s", code, errOut)
		}
		// PRoot 5.1 -0 reports no capabilities, keeps no supplementary
		// groups and answers setfsuid(-1)/setfsgid(-1) with -1.
		known := regexp.MustCompile(`^\w+: (capget|getgroups|getgroups\(0\)|fsuid) `)
		got, ref := strings.Split(out, "\n"), strings.Split(want, "\n")
		if len(got) != len(ref) {
			t.Fatalf("proot -0 printed %d lines, root %d:\n%s", len(got), len(ref), out)
		}
		diffs := 0
		for i := range got {
			if got[i] != ref[i] {
				diffs++
				if !known.MatchString(ref[i]) {
					t.Errorf("proot -0 differs from root beyond the README's list:\n proot: %s\n  root: %s", got[i], ref[i])
				}
			}
		}
		t.Logf("proot -0 differs from root in %d lines, all of kinds the README lists", diffs)
	})
}

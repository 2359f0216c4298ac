//go:build linux

// End-to-end tests of gproot's command line: the options that print and
// exit, verbosity, the default command, the initial working directory and
// the errors of -w and -b.

package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// oneLine fails the test unless s is exactly one non-empty line.
func oneLine(t *testing.T, what, s string) {
	t.Helper()
	if msg := strings.TrimSuffix(s, "\n"); msg == "" || strings.Contains(msg, "\n") || !strings.HasSuffix(s, "\n") {
		t.Errorf("%s: want one line, got %q", what, s)
	}
}

// TestVersionAndHelp checks -V and -h: they print on stdout and exit 0
// without running anything.
func TestVersionAndHelp(t *testing.T) {
	versionLine := regexp.MustCompile(`^gproot [0-9][^\n]*\n$`)
	for _, tc := range []struct {
		name  string
		args  []string
		check func(t *testing.T, stdout string)
	}{
		{"-V", []string{"-V"}, func(t *testing.T, out string) {
			if !versionLine.MatchString(out) {
				t.Errorf("stdout %q, want one line \"gproot VERSION...\"", out)
			}
		}},
		{"--version", []string{"--version"}, func(t *testing.T, out string) {
			if !versionLine.MatchString(out) {
				t.Errorf("stdout %q, want one line \"gproot VERSION...\"", out)
			}
		}},
		{"-h", []string{"-h"}, func(t *testing.T, out string) {
			for _, want := range []string{"-b", "--kill-on-exit", "-r", "-R", "-w", "-v", "-V"} {
				if !strings.Contains(out, want) {
					t.Errorf("help does not mention %s:\n%s", want, out)
				}
			}
		}},
		{"--help", []string{"--help"}, func(t *testing.T, out string) {
			if !strings.Contains(out, "--kill-on-exit") {
				t.Errorf("help does not mention --kill-on-exit:\n%s", out)
			}
		}},
		{"-V ignores the command", []string{"-V", "gproot-no-such-command"}, func(t *testing.T, out string) {
			if !versionLine.MatchString(out) {
				t.Errorf("stdout %q, want the version line", out)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runGproot(t, nil, tc.args...)
			if code != 0 {
				t.Errorf("exit status %d, want 0\nstderr:\n%s", code, errOut)
			}
			if errOut != "" {
				t.Errorf("stderr not empty: %q", errOut)
			}
			tc.check(t, out)
		})
	}
}

// TestVerbose checks -v: 0 (the default) is silent, 1 reports each exec,
// 2 each translated path with its host path; a level that is no number
// is an error.
func TestVerbose(t *testing.T) {
	r := rootfs(t)
	want, err := os.ReadFile(filepath.Join(r, "etc/hostname"))
	if err != nil {
		t.Skipf("the rootfs has no /etc/hostname: %v", err)
	}
	t.Run("level-0-is-silent", func(t *testing.T) {
		eachMode(t, func(t *testing.T, env []string) {
			out, errOut, code := runGproot(t, env, "-r", r, "cat", "/etc/hostname")
			if code != 0 || out != string(want) || errOut != "" {
				t.Errorf("exit %d, stdout %q (want %q), stderr %q (want none)", code, out, want, errOut)
			}
		})
	})
	t.Run("level-1-reports-exec", func(t *testing.T) {
		eachMode(t, func(t *testing.T, env []string) {
			out, errOut, code := runGproot(t, env, "-v", "1", "-r", r, "cat", "/etc/hostname")
			if code != 0 || out != string(want) {
				t.Errorf("exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
			}
			found := false
			for line := range strings.Lines(errOut) {
				if strings.Contains(line, "exec") && strings.Contains(line, "cat") {
					found = true
				}
			}
			if !found {
				t.Errorf("no line on stderr reports the exec of cat:\n%s", errOut)
			}
		})
	})
	t.Run("level-2-shows-host-paths", func(t *testing.T) {
		eachMode(t, func(t *testing.T, env []string) {
			out, errOut, code := runGproot(t, env, "-v", "2", "-r", r, "cat", "/etc/hostname")
			if code != 0 || out != string(want) {
				t.Errorf("exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
			}
			host := filepath.Join(r, "etc/hostname")
			if !strings.Contains(errOut, host) {
				t.Errorf("stderr does not mention the host path %s:\n%s", host, errOut)
			}
		})
	})
	t.Run("level-not-a-number", func(t *testing.T) {
		out, errOut, code := runGproot(t, nil, "-v", "x", "-r", r, "true")
		if code != 1 {
			t.Errorf("exit status %d, want 1", code)
		}
		if out != "" {
			t.Errorf("stdout %q, want nothing", out)
		}
		oneLine(t, "stderr", errOut)
	})
	t.Run("negative-level-is-quieter", func(t *testing.T) {
		// proot(1): "-v value ... A negative value makes PRoot quiet
		// except on fatal errors"; `proot -v -1` runs the command.
		out, errOut, code := runGproot(t, nil, "-v", "-1", "-r", r, "cat", "/etc/hostname")
		if code != 0 || out != string(want) {
			t.Errorf("exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
		}
	})
}

// TestDefaultCommand checks that without a command gproot runs /bin/sh,
// which reads its commands from stdin.
func TestDefaultCommand(t *testing.T) {
	r := rootfs(t)
	eachMode(t, func(t *testing.T, env []string) {
		out, errOut, code := runGprootWith(t, cmdOpts{env: env, stdin: "echo hello-from-sh\necho \"$0\"\n"}, "-r", r)
		if want := "hello-from-sh\n/bin/sh\n"; code != 0 || out != want {
			t.Errorf("exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
		}
	})
}

// TestBadWorkDirAndBinding checks gproot's own errors for -w and -b: exit
// status 1 and one line on stderr that names the culprit, and the command
// does not run.
func TestBadWorkDirAndBinding(t *testing.T) {
	r := rootfs(t)
	missing := filepath.Join(readableDir(t), "gproot-missing")
	for _, tc := range []struct {
		name string
		args []string
		bad  string // what the message must name
	}{
		{"missing -w dir", []string{"-w", "/gproot-no-such-dir"}, "/gproot-no-such-dir"},
		{"-w on a file", []string{"-w", "/etc/debian_version"}, "/etc/debian_version"},
		{"-b missing host path", []string{"-b", missing}, missing},
		{"-b missing host path with a guest path", []string{"-b", missing + ":/mnt"}, missing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"-r", r}, tc.args...), "sh", "-c", "echo ran")
			out, errOut, code := runGproot(t, nil, args...)
			if code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			if out != "" {
				t.Errorf("the command ran: stdout %q", out)
			}
			oneLine(t, "stderr", errOut)
			if !strings.Contains(errOut, tc.bad) {
				t.Errorf("stderr %q does not name %s", errOut, tc.bad)
			}
		})
	}
}

// TestWorkDir checks the guest's working directory as getcwd(2) reports
// it (/bin/pwd -P, not the shell's $PWD): the one -w gives, with symlinks
// resolved in the guest; the host's, when it is visible in the guest; /
// when it is not.
func TestWorkDir(t *testing.T) {
	r := rootfs(t)
	host := readableDir(t) // not a path of the guest: its parent is under /tmp
	requireHostLacks(t, guestWorkDir)
	for _, tc := range []struct {
		name string
		dir  string // the host cwd gproot starts in ("" is /)
		args []string
		want string
	}{
		{"-w /usr/share", "", []string{"-w", "/usr/share", "/bin/pwd", "-P"}, "/usr/share\n"},
		{"-w through a guest symlink", "", []string{"-w", "/bin", "/bin/pwd", "-P"}, "/usr/bin\n"},
		{"-w with dot-dot", "", []string{"-w", "/usr/share/doc/..", "/bin/pwd", "-P"}, "/usr/share\n"},
		{"cd in the guest", "", []string{"sh", "-c", "cd /usr/share/doc/.. && /bin/pwd -P"}, "/usr/share\n"},
		{"cd through a symlink: logical and physical", "", []string{"sh", "-c", "cd /bin && pwd && /bin/pwd -P"}, "/bin\n/usr/bin\n"},
		{"-w in a binding", "", []string{"-b", host + ":" + guestWorkDir, "-w", guestWorkDir, "/bin/pwd", "-P"}, guestWorkDir + "\n"},
		{"host cwd bound in the guest", host, []string{"-b", host + ":" + guestWorkDir, "/bin/pwd", "-P"}, guestWorkDir + "\n"},
		{"host cwd invisible in the guest falls back to /", host, []string{"/bin/pwd", "-P"}, "/\n"},
		{"-w wins over the host cwd", host, []string{"-b", host + ":" + guestWorkDir, "-w", "/etc", "/bin/pwd", "-P"}, "/etc\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachMode(t, func(t *testing.T, env []string) {
				out, errOut, code := runGprootWith(t, cmdOpts{env: env, dir: tc.dir}, append([]string{"-r", r}, tc.args...)...)
				if code != 0 || out != tc.want {
					t.Errorf("exit %d, stdout %q, want %q\nstderr:\n%s", code, out, tc.want, errOut)
				}
			})
		})
	}
}

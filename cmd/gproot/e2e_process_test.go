//go:build linux

// End-to-end tests of guest processes: job control, pipes and
// /dev/fd, unix sockets, exec by a thread, waiting for (or killing)
// the guest's background processes, and relative paths.

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestJobControl stops and continues a background guest process with
// SIGSTOP and SIGCONT and reads its state from /proc: stopped, then
// sleeping; then kills it with SIGTERM (wait reports 128+15).
//
// Natively the stopped process is "T (stopped)". A traced process in a
// group-stop is in a ptrace stop instead, which /proc shows as
// "t (tracing stop)" (kernel/signal.c do_signal_stop: a ptraced task
// traps to its tracer rather than entering TASK_STOPPED); both mean
// stopped, and the guest cannot tell them apart otherwise.
func TestJobControl(t *testing.T) {
	r := rootfs(t)
	const script = `sleep 30 & p=$!; kill -STOP $p; sleep 0.3; grep ^State /proc/$p/status; kill -CONT $p; sleep 0.3; grep ^State /proc/$p/status; kill $p; wait $p; echo $?`
	stopped := regexp.MustCompile(`^State:\s+(T \(stopped\)|t \(tracing stop\))$`)
	sleeping := regexp.MustCompile(`^State:\s+S \(sleeping\)$`)
	check := func(t *testing.T, out string) {
		t.Helper()
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 3 || !stopped.MatchString(lines[0]) || !sleeping.MatchString(lines[1]) || lines[2] != "143" {
			t.Errorf("stdout:\n%s\nwant: State T (stopped) or t (tracing stop), then State S (sleeping), then 143", out)
		}
	}
	t.Run("native", func(t *testing.T) {
		out, errOut, code := run(t, nil, asNobody("sh", "-c", script)...)
		if code != 0 {
			t.Fatalf("exit %d\nstderr:\n%s", code, errOut)
		}
		check(t, out)
	})
	eachMode(t, func(t *testing.T, env []string) {
		out, errOut, code := runGproot(t, env, "-r", r, "-b", "/proc", "sh", "-c", script)
		if code != 0 {
			t.Errorf("exit %d\nstderr:\n%s", code, errOut)
		}
		check(t, out)
	})
}

// TestPipesAndDevFd checks file descriptors reached by path: bash's
// process substitution (/dev/fd/N), a here-string read through
// /proc/self/fd/0, and /proc/self/fd/1 of a process whose stdout is a
// pipe, whose link must read "pipe:[N]", not a path.
func TestPipesAndDevFd(t *testing.T) {
	r := rootfs(t)
	cases := []struct {
		name string
		argv []string
		want string
	}{
		{"process-substitution", []string{"bash", "-c", "diff <(echo a) <(echo a) && echo same"}, "same\n"},
		{"process-substitution-differs", []string{"bash", "-c", "diff <(echo a) <(echo b); echo status $?"}, "1c1\n< a\n---\n> b\nstatus 1\n"},
		{"here-string-via-proc-self-fd", []string{"bash", "-c", "cat /proc/self/fd/0 <<< hi"}, "hi\n"},
		{"pipe-via-dev-stdin", []string{"sh", "-c", "echo piped | cat /dev/stdin"}, "piped\n"},
		{"readlink-of-a-pipe", []string{"sh", "-c", "readlink /proc/self/fd/1 | cut -c1-5"}, "pipe:\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := exec.LookPath(c.argv[0]); err == nil {
				// The expectation holds on the host too.
				out, errOut, code := run(t, nil, asNobody(c.argv...)...)
				if code != 0 || out != c.want {
					t.Fatalf("native: exit %d, stdout %q, want %q\nstderr:\n%s", code, out, c.want, errOut)
				}
			}
			for _, opts := range [][]string{{"-r", r, "-b", "/proc", "-b", "/dev"}, {"-R", r}} {
				t.Run(opts[0], func(t *testing.T) {
					eachMode(t, func(t *testing.T, env []string) {
						out, errOut, code := runGproot(t, env, append(opts, c.argv...)...)
						if code != 0 || out != c.want {
							t.Errorf("exit %d, stdout %q, want %q\nstderr:\n%s", code, out, c.want, errOut)
						}
					})
				})
			}
		})
	}
}

// TestUnixSockets runs testdata/guest/unixsock natively and under gproot:
// every socket address the kernel returns (getsockname, getpeername,
// accept, accept4, recvfrom, recvmsg) must be the guest's path. The
// native run uses a host directory; the gproot run binds another at
// guestWorkDir, so the reports are equal once the native directory is
// replaced by guestWorkDir.
func TestUnixSockets(t *testing.T) {
	r := rootfs(t)
	bin := goGuest(t, "unixsock")
	requireHostLacks(t, guestWorkDir)
	for _, tc := range []struct {
		name  string
		extra []string
	}{
		{name: "named-stream-and-datagram"},
		{
			name: "bound-by-relative-path", extra: []string{"relative"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			native := writableDir(t)
			want, wantErr, wantCode := run(t, nil, asNobody(append([]string{bin, native}, tc.extra...)...)...)
			if wantCode != 0 {
				t.Fatalf("native run: exit %d\nstdout:\n%s\nstderr:\n%s", wantCode, want, wantErr)
			}
			want = strings.ReplaceAll(want, native, guestWorkDir)
			eachMode(t, func(t *testing.T, env []string) {
				got, errOut, code := runGproot(t, env, append([]string{"-r", r,
					"-b", filepath.Dir(bin) + ":" + guestBinDir,
					"-b", writableDir(t) + ":" + guestWorkDir,
					guestBinDir + "/" + filepath.Base(bin), guestWorkDir}, tc.extra...)...)
				if code != 0 || got != want {
					t.Errorf("exit %d\n--- gproot:\n%s\n--- native (dir replaced):\n%s\n--- stderr:\n%s", code, got, want, errOut)
				}
			})
		})
	}
}

// TestExecFromThread runs testdata/c/threadexec: a thread that is not
// the leader calls execve while the leader sleeps. The new program
// replaces the whole process and takes the leader's pid; gproot must
// follow it there, with the guest path of the new program.
func TestExecFromThread(t *testing.T) {
	r := rootfs(t)
	static := cGuest(t, "threadexec", "threadexec.c", "-static", "-pthread")
	dynamic := cGuest(t, "threadexec-dyn", "threadexec.c", "-pthread")
	readlink, err := resolveIn(r, "/bin/readlink")
	if err != nil {
		t.Fatal(err)
	}
	guestReadlink := strings.TrimPrefix(readlink, r) // /usr/bin/readlink on merged-/usr
	for _, bin := range []string{static, dynamic} {
		t.Run(filepath.Base(bin), func(t *testing.T) {
			out, errOut, code := run(t, nil, asNobody(bin)...)
			if code != 0 || out != "from-thread\n" {
				t.Fatalf("native: exit %d, stdout %q\nstderr:\n%s", code, out, errOut)
			}
			eachMode(t, func(t *testing.T, env []string) {
				guestBin := guestBinDir + "/" + filepath.Base(bin)
				bind := []string{"-r", r, "-b", "/proc", "-b", filepath.Dir(bin) + ":" + guestBinDir}
				out, errOut, code := runGproot(t, env, append(bind, guestBin)...)
				if code != 0 || out != "from-thread\n" {
					t.Errorf("exit %d, stdout %q, want \"from-thread\\n\"\nstderr:\n%s", code, out, errOut)
				}
				out, errOut, code = runGproot(t, env, append(bind, guestBin, "/bin/readlink", "/proc/self/exe")...)
				if want := guestReadlink + "\n"; code != 0 || out != want {
					t.Errorf("readlink /proc/self/exe after the exec: exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
				}
			})
		})
	}
}

// TestBackgroundProcesses checks how gproot ends: by default it waits for
// every guest process, as PRoot does, so a background job's output is not
// lost; with --kill-on-exit it kills what is left when the first process
// exits and returns at once with that process's status.
func TestBackgroundProcesses(t *testing.T) {
	r := rootfs(t)
	t.Run("waits-for-background-jobs", func(t *testing.T) {
		eachMode(t, func(t *testing.T, env []string) {
			start := time.Now()
			out, errOut, code := runGprootWith(t, cmdOpts{env: env, timeout: 20 * time.Second},
				"-r", r, "sh", "-c", "(sleep 1; echo late) & echo early")
			if code != 0 || out != "early\nlate\n" {
				t.Errorf("exit %d, stdout %q, want \"early\\nlate\\n\"\nstderr:\n%s", code, out, errOut)
			}
			if d := time.Since(start); d < time.Second {
				t.Errorf("gproot returned after %v, before the background job ended", d)
			}
		})
	})
	t.Run("kill-on-exit", func(t *testing.T) {
		eachMode(t, func(t *testing.T, env []string) {
			// A duration no other process uses, to find the sleep in /proc.
			const mark = "97.0314"
			start := time.Now()
			out, errOut, code := runGprootWith(t, cmdOpts{env: env, timeout: 20 * time.Second},
				"--kill-on-exit", "-r", r, "sh", "-c", "sleep "+mark+" & echo started")
			d := time.Since(start)
			if code != 0 || out != "started\n" {
				t.Errorf("exit %d, stdout %q, want \"started\\n\"\nstderr:\n%s", code, out, errOut)
			}
			if d > 5*time.Second {
				t.Errorf("gproot --kill-on-exit took %v", d)
			}
			// The sleep must be gone (it may take a moment to be reaped by
			// its new parent).
			deadline := time.Now().Add(2 * time.Second)
			for {
				pids := processesWithArg(mark)
				if len(pids) == 0 {
					break
				}
				if time.Now().After(deadline) {
					t.Errorf("the background sleep survives --kill-on-exit: pids %v", pids)
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
		})
	})
}

// processesWithArg returns the live (not zombie) processes that have arg
// among their command-line arguments.
func processesWithArg(arg string) []string {
	ents, _ := os.ReadDir("/proc")
	var pids []string
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil || len(b) == 0 { // gone, or a zombie
			continue
		}
		for _, a := range strings.Split(string(b), "\x00") {
			if a == arg {
				pids = append(pids, e.Name())
				break
			}
		}
	}
	return pids
}

// TestRelativePaths runs commands that use paths relative to the cwd and
// to "..", which reach the kernel as *at(AT_FDCWD, "rel", ...) calls, and
// a read-only dpkg query, and compares them with chroot(8).
func TestRelativePaths(t *testing.T) {
	requireRoot(t, "the reference side uses unshare -m, mount and chroot")
	r := rootfs(t)
	for _, c := range []struct{ name, cmd string }{
		{"cat-and-ls-relative", "cd /etc && cat ./debian_version && ls -d ../etc"},
		{"dot-dot-through-a-symlink", "cd /bin && ls -d ../lib/x86_64-linux-gnu && cd .. && /bin/pwd"},
		{"stat-and-find-relative", "cd /usr/share/doc && stat -c '%n %F' ./bash ../doc/bash/copyright && find ./bash -name copyright"},
		{"dpkg-s-bash", "dpkg -s bash | head -2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			want, wantErr, wantCode := runChroot(t, r, c.cmd)
			if wantCode != 0 || want == "" {
				t.Fatalf("reference run under chroot failed (exit %d):\nstdout:\n%s\nstderr:\n%s", wantCode, want, wantErr)
			}
			eachMode(t, func(t *testing.T, env []string) {
				got, gotErr, code := runGproot(t, env, "-r", r, "-b", "/proc", "-b", "/dev", "-w", "/", "sh", "-c", c.cmd)
				if code != wantCode || got != want {
					t.Errorf("exit %d (chroot: %d)\n--- gproot:\n%s\n--- chroot:\n%s\n--- stderr:\n%s", code, wantCode, got, want, gotErr)
				}
			})
		})
	}
}

// TestRelativeWrites creates, links, reads and removes files by relative
// paths in a bound directory (no chroot reference: it would write into the
// shared rootfs).
func TestRelativeWrites(t *testing.T) {
	r := rootfs(t)
	const script = `cd /srv/gproot-work && mkdir d && cd d && echo x > ./f && ln -s f l && ln f h && cat l h && ` +
		`readlink l && mv f ../g && test ! -e l && cat ../g && cd .. && rm d/l d/h g && rmdir ./d && ls -A . && echo done`
	eachMode(t, func(t *testing.T, env []string) {
		host := writableDir(t)
		out, errOut, code := runGprootWith(t, cmdOpts{env: env, timeout: 20 * time.Second}, "-r", r, "-b", host+":"+guestWorkDir, "sh", "-c", script)
		if want := "x\nx\nf\nx\ndone\n"; code != 0 || out != want {
			t.Errorf("exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
		}
	})
}

// TestVforkExecLoop runs 20 external commands from dash, which starts
// them with vfork(2) and execve(2): the execve runs in the parent's
// memory, and never returns there when it succeeds.
func TestVforkExecLoop(t *testing.T) {
	r := rootfs(t)
	const script = `i=0; while [ $i -lt 20 ]; do /bin/true; i=$((i+1)); done; echo ok $i`
	eachMode(t, func(t *testing.T, env []string) {
		out, errOut, code := runGprootWith(t, cmdOpts{env: env, timeout: 20 * time.Second}, "-r", r, "sh", "-c", script)
		if code != 0 || out != "ok 20\n" {
			t.Errorf("exit %d, stdout %q, want \"ok 20\\n\"\nstderr:\n%s", code, out, errOut)
		}
	})
}

// TestSignalHandlerPaths runs path syscalls in a loop that a 1 ms timer
// interrupts with a handler doing path syscalls of its own: each must see
// its own file. With the gate, the interrupted syscall runs from a frame
// in the tracee after the handler's have used theirs.
func TestSignalHandlerPaths(t *testing.T) {
	r := rootfs(t)
	bin := cGuest(t, "sigpaths", "sigpaths.c")
	eachMode(t, func(t *testing.T, env []string) {
		out, errOut, code := runGproot(t, env, "-r", r, "-b", filepath.Dir(bin)+":"+guestBinDir,
			guestBinDir+"/"+filepath.Base(bin), "/etc/debian_version", "/etc/hostname", "5000")
		if want := "wrong 0\nhandler ok\n"; code != 0 || out != want {
			t.Errorf("exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
		}
	})
}

// TestI386SyscallsRefused runs i386 syscalls ("int $0x80") from a 64-bit
// guest: gproot does not translate that ABI yet, so they must fail with
// ENOSYS in every mode, never run with untranslated paths. Natively they
// work.
func TestI386SyscallsRefused(t *testing.T) {
	r := rootfs(t)
	bin := cGuest(t, "int80", "int80.c", "-static", "-no-pie")
	out, errOut, code := run(t, nil, asNobody(bin)...)
	if code != 0 || out != "open 3\ngetpid ok\n" {
		t.Fatalf("native: exit %d, stdout %q\nstderr:\n%s", code, out, errOut)
	}
	eachMode(t, func(t *testing.T, env []string) {
		out, errOut, code := runGproot(t, env, "-r", r, "-b", filepath.Dir(bin)+":"+guestBinDir, guestBinDir+"/"+filepath.Base(bin))
		if want := "open -38\ngetpid failed\n"; code != 0 || out != want {
			t.Errorf("exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
		}
	})
}

// TestInheritedFds checks that the guest inherits gproot's open file
// descriptors unchanged, fd 3 included (a make jobserver passes its pipe
// as fds 3 and 4).
func TestInheritedFds(t *testing.T) {
	r := rootfs(t)
	dir := readableDir(t)
	writeFile(t, filepath.Join(dir, "three"), "from-fd-3\n", 0o644)
	writeFile(t, filepath.Join(dir, "four"), "from-fd-4\n", 0o644)
	eachMode(t, func(t *testing.T, env []string) {
		args := append([]string{"sh", "-c", `exec 3<"$1" 4<"$2"; shift 2; exec "$@"`, "sh",
			filepath.Join(dir, "three"), filepath.Join(dir, "four")}, asNobody(gprootBin(t))...)
		args = append(args, "-r", r, "sh", "-c", "cat <&3; cat <&4")
		out, errOut, code := run(t, env, args...)
		if want := "from-fd-3\nfrom-fd-4\n"; code != 0 || out != want {
			t.Errorf("exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
		}
	})
}

// TestProcSelfRootAndPWD checks paths through /proc/self/root (the
// guest's root, not the host's) and that PWD names the guest's cwd.
func TestProcSelfRootAndPWD(t *testing.T) {
	r := rootfs(t)
	want := string(mustRead(filepath.Join(r, "etc/debian_version")))
	eachMode(t, func(t *testing.T, env []string) {
		out, errOut, code := runGproot(t, env, "-r", r, "-b", "/proc", "-w", "/usr/share", "sh", "-c",
			`cat /proc/self/root/etc/debian_version; readlink /proc/self/root; echo "$PWD"; cd /proc/self/root && /bin/pwd`)
		if want := want + "/\n/usr/share\n/\n"; code != 0 || out != want {
			t.Errorf("exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
		}
	})
	t.Run("directory-as-command", func(t *testing.T) {
		_, errOut, code := runGproot(t, nil, "-r", r, "/etc")
		if code != 126 || !strings.Contains(errOut, "is a directory") {
			t.Errorf("exit %d, stderr %q, want 126 and \"is a directory\"", code, errOut)
		}
	})
}

// TestComm checks the names the kernel gives processes (/proc/PID/comm,
// read by pgrep, pkill, ps): the basename of the path passed to execve,
// as under chroot, not that of the guest's ld.so gproot runs, nor of a
// symlink's target.
func TestComm(t *testing.T) {
	r := rootfs(t)
	dir := readableDir(t)
	if err := os.Symlink("/bin/sleep", filepath.Join(dir, "napper")); err != nil {
		t.Fatal(err)
	}
	const script = `sleep 5 & s=$!; /srv/cm/napper 5 & n=$!; sleep 0.3; cat /proc/$s/comm /proc/$n/comm /proc/$$/comm; kill $s $n`
	eachMode(t, func(t *testing.T, env []string) {
		out, errOut, code := runGproot(t, env, "-r", r, "-b", "/proc", "-b", dir+":/srv/cm", "sh", "-c", script)
		if want := "sleep\nnapper\nsh\n"; code != 0 || out != want {
			t.Errorf("exit %d, stdout %q, want %q\nstderr:\n%s", code, out, want, errOut)
		}
	})
}

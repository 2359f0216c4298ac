package syscalls

import (
	"bytes"
	"encoding/binary"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// maxShebangDepth is how many interpreters may be nested, as the kernel's
// BINPRM_MAX_RECURSION (include/linux/binfmts.h) allows.
const maxShebangDepth = 4

// binprmBufSize is how much of a file the kernel reads to recognise it
// (BINPRM_BUF_SIZE, include/uapi/linux/binfmts.h): a shebang line longer
// than this is cut.
const binprmBufSize = 256

// pageSize is the size of a memory page on the architectures gproot runs.
const pageSize = 4096

// maxArgs bounds the argv a guest may pass; it keeps the rewritten argv
// within the tracee's scratch area.
const maxArgs = 1 << 16

// enterExecve loads a guest program as the kernel would, but from the
// guest's file system: execve(2) (path 0, argv 1, envp 2) and
// execveat(2) (dirfd 0, path 1, argv 2, envp 3, flags 4).
//
//   - "#!" scripts are opened by gproot: the interpreter is looked up in
//     the guest, and argv becomes interpreter [arg] script args..., as in
//     binfmt_script; up to four levels.
//   - An ELF with a PT_INTERP is started through the guest's interpreter
//     (the kernel would load the host's): execve(host path of the
//     interpreter, [argv0, "--argv0", argv0, guest path, args...]). The
//     dynamic loader maps the program itself; its opens are translated as
//     any other. "--argv0" is only passed to loaders that know it (glibc
//     2.33 and later, musl); older ones show the path as argv[0].
//   - A static ELF is executed from its host path.
//
// execveat is turned into execve. The guest path of the program is kept for
// /proc/self/exe and AT_EXECFN, which the exit stop patches.
func enterExecve(c Call, r *Row) error {
	pathArg, argvArg := 0, 1
	dirfd := int32(unix.AT_FDCWD)
	var flags uint64
	if r.At {
		pathArg, argvArg = 1, 2
		dirfd = int32(c.Arg(0))
		flags = c.Arg(4)
	}
	if c.Arg(pathArg) == 0 {
		return unix.EFAULT
	}
	path, err := c.ReadString(c.Arg(pathArg))
	if err != nil {
		return err
	}
	var guest, host string
	if path == "" {
		if flags&unix.AT_EMPTY_PATH == 0 {
			return unix.ENOENT
		}
		if host, err = c.FdHost(dirfd); err != nil {
			return err
		}
		var ok bool
		if guest, ok = c.HostToGuest(host); !ok {
			guest = host
		}
		path = guest
	} else {
		guest, host, err = c.Resolve(dirfd, path, flags&unix.AT_SYMLINK_NOFOLLOW == 0)
		if err != nil {
			return err
		}
	}
	argv, err := readPointers(c, c.Arg(argvArg))
	if err != nil {
		return err
	}

	// prefix holds the argv strings gproot adds, in front of argv[skip:].
	var prefix []string
	skip := 0
	script := path // the name binfmt_script puts after the interpreter
	var elfInterp string
	for depth := 0; ; depth++ {
		f, err := openExec(host)
		if err != nil {
			return err
		}
		interp, arg, isScript := parseShebang(f.head(binprmBufSize))
		if !isScript {
			elfInterp, err = f.interp()
			f.close()
			if err != nil {
				return err
			}
			break
		}
		f.close()
		if depth == maxShebangDepth {
			return unix.ELOOP
		}
		p := []string{interp}
		if arg != "" {
			p = append(p, arg)
		}
		p = append(p, script)
		if skip == 0 && len(prefix) == 0 {
			skip = 1 // argv[0] is replaced by the interpreter
		} else {
			prefix = prefix[1:] // so was the previous interpreter's name
		}
		prefix = append(p, prefix...)
		script = interp
		if guest, host, err = c.Resolve(unix.AT_FDCWD, interp, true); err != nil {
			return err
		}
	}
	if skip > len(argv) {
		skip = len(argv)
	}
	visible := Visible(c.Proc().Root(), guest)
	d := c.Data()
	d.Guest = visible
	d.Path = path
	filename := host
	var newArgv []uint64
	if elfInterp != "" {
		_, ldHost, err := c.Resolve(unix.AT_FDCWD, elfInterp, true)
		if err != nil {
			return err
		}
		if err := checkExec(ldHost); err != nil {
			return err
		}
		filename = ldHost
		d.Interp = true
		// argv0 is what the program must see as argv[0].
		var argv0 uint64
		if len(prefix) > 0 {
			if argv0, err = c.PushString(prefix[0]); err != nil {
				return err
			}
			prefix = prefix[1:]
		} else if len(argv) > 0 {
			argv0 = argv[0]
			skip = 1
		} else if argv0, err = c.PushString(""); err != nil {
			return err
		}
		newArgv = append(newArgv, argv0)
		if loaderKnowsArgv0(ldHost) {
			opt, err := c.PushString("--argv0")
			if err != nil {
				return err
			}
			newArgv = append(newArgv, opt, argv0)
		}
		// The loader opens the program by the name the guest gave (glibc's
		// also points AT_EXECFN at it), unless that name is relative to
		// another directory than the cwd.
		name := script
		if dirfd != unix.AT_FDCWD && !strings.HasPrefix(name, "/") {
			name = visible
		}
		prog, err := c.PushString(name)
		if err != nil {
			return err
		}
		newArgv = append(newArgv, prog)
	}
	for _, s := range prefix {
		ptr, err := c.PushString(s)
		if err != nil {
			return err
		}
		newArgv = append(newArgv, ptr)
	}
	fname, err := c.PushString(filename)
	if err != nil {
		return err
	}
	d.Len = uint64(len(filename))
	d.Loaded = filename
	if r.At {
		// execve(filename, argv, envp): the arguments move down by one.
		c.SetSysno(SysExecve)
		c.SetArg(2, c.Arg(3))
	}
	c.SetArg(0, fname)
	if len(newArgv) > 0 || r.At {
		all := append(newArgv, argv[skip:]...)
		buf := make([]byte, 8*(len(all)+1))
		for i, p := range all {
			binary.LittleEndian.PutUint64(buf[8*i:], p)
		}
		ptr, err := c.Push(buf)
		if err != nil {
			return err
		}
		c.SetArg(1, ptr)
	}
	return nil
}

// ExecDone runs at PTRACE_EVENT_EXEC, when the execve that enterExecve
// rewrote has succeeded and the new program's registers are set: it
// records the new program, and makes AT_EXECFN (getauxval(3)) the path the
// guest passed, as the kernel does, rather than the host path gproot
// passed.
func ExecDone(c Call) {
	d := c.Data()
	c.Proc().SetExe(d.Guest)
	patchAuxv(c, d.Path, d.Len, c.Proc().KernelRelease() != "")
}

// patchAuxv overwrites, in place, the execfn string that the kernel put
// at the top of the new stack (fs/exec.c, create_elf_tables: AT_EXECFN
// points to it) when the guest path fits in it; the stack at exit starts
// with argc, argv[], NULL, envp[], NULL, then the auxv pairs. With
// hideVDSO (-k), AT_SYSINFO_EHDR becomes AT_IGNORE, as PRoot's -k does:
// the vDSO's note tells the real kernel version to glibc, which must
// read the faked one from uname(2).
func patchAuxv(c Call, guest string, hostLen uint64, hideVDSO bool) {
	execfn := uint64(len(guest)) <= hostLen
	if !execfn && !hideVDSO {
		return
	}
	// include/uapi/linux/auxvec.h
	const (
		atIgnore      = 1
		atExecfn      = 31
		atSysinfoEhdr = 33
	)
	sp := c.SP()
	// The words are read a page at a time: the stack's last page may be
	// followed by nothing, and a read must not cross into it.
	var page [pageSize]byte
	base := ^uint64(0)
	word := func(i uint64) (uint64, bool) {
		a := sp + 8*i
		if a&^(pageSize-1) != base {
			base = a &^ (pageSize - 1)
			if c.Read(base, page[:]) != nil {
				base = ^uint64(0)
				return 0, false
			}
		}
		return le64(page[a-base:]), true
	}
	argc, ok := word(0)
	if !ok || argc > maxArgs {
		return
	}
	i := argc + 2 // past argc, argv[] and its NULL
	for n := 0; ; n++ {
		v, ok := word(i)
		if !ok || n > maxArgs {
			return
		}
		i++
		if v == 0 {
			break
		}
	}
	for n := 0; n < 64; n++ {
		key, ok1 := word(i)
		val, ok2 := word(i + 1)
		if !ok1 || !ok2 || key == 0 {
			return
		}
		switch {
		case key == atExecfn && execfn:
			b := make([]byte, len(guest)+1)
			copy(b, guest)
			_ = c.Write(val, b)
			if !hideVDSO {
				return
			}
		case key == atSysinfoEhdr && hideVDSO:
			var b [8]byte
			put64(b[:], atIgnore)
			_ = c.Write(sp+8*i, b[:])
		}
		i += 2
	}
}

// Visible returns the path a process whose root is root sees for the
// view's guest path.
func Visible(root, guest string) string {
	if root == "/" {
		return guest
	}
	if guest == root {
		return "/"
	}
	if rest, ok := strings.CutPrefix(guest, root); ok && strings.HasPrefix(rest, "/") {
		return rest
	}
	return guest
}

// readPointers reads a NULL-terminated array of pointers (argv, envp).
func readPointers(c Call, addr uint64) ([]uint64, error) {
	if addr == 0 {
		return nil, nil
	}
	var out []uint64
	var buf [512]byte
	for {
		if err := c.Read(addr, buf[:]); err != nil {
			// The array may end near the end of a mapping: fall back to
			// one word at a time.
			if err := c.Read(addr, buf[:8]); err != nil {
				return nil, unix.EFAULT
			}
			v := le64(buf[:8])
			if v == 0 {
				return out, nil
			}
			out = append(out, v)
			addr += 8
			continue
		}
		for i := 0; i < len(buf); i += 8 {
			v := le64(buf[i:])
			if v == 0 {
				return out, nil
			}
			out = append(out, v)
		}
		if len(out) > maxArgs {
			return nil, unix.E2BIG
		}
		addr += uint64(len(buf))
	}
}

// checkExec fails as execve(2) would for a file that is not a regular
// executable file.
func checkExec(host string) error {
	f, err := openExec(host)
	if err != nil {
		return err
	}
	f.close()
	return nil
}

// execFile is a program opened by gproot to see what it is, with its
// first bytes read.
type execFile struct {
	fd  int
	buf [4096]byte
	n   int
}

// openExec opens a program and reads its first page. It fails as
// execve(2) would for anything but a regular file this user may execute;
// and, unlike the kernel, for one they may not read.
func openExec(host string) (*execFile, error) {
	if err := unix.Access(host, unix.X_OK); err != nil {
		return nil, errno(err)
	}
	fd, err := unix.Open(host, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, errno(err)
	}
	f := &execFile{fd: fd}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		f.close()
		return nil, errno(err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		f.close()
		return nil, unix.EACCES
	}
	if f.n, err = unix.Pread(fd, f.buf[:], 0); err != nil {
		f.close()
		return nil, errno(err)
	}
	return f, nil
}

func (f *execFile) close() { unix.Close(f.fd) }

// head returns at most n of the first bytes.
func (f *execFile) head(n int) []byte { return f.buf[:min(n, f.n)] }

// read fills b from offset off, from the first page when it holds it.
func (f *execFile) read(b []byte, off uint64) error {
	if off+uint64(len(b)) <= uint64(f.n) {
		copy(b, f.buf[off:])
		return nil
	}
	n, err := unix.Pread(f.fd, b, int64(off))
	if err != nil || n != len(b) {
		return unix.ENOEXEC
	}
	return nil
}

// parseShebang parses a "#!" line as binfmt_script does
// (fs/binfmt_script.c, Linux 5.1 and later). The kernel sees the first
// BINPRM_BUF_SIZE bytes, NUL-padded, and never their last byte. The line
// ends at the first newline or, without one, at that last byte, but only
// if the interpreter name ends (blank or NUL) before it: a name that may
// be cut is refused. Blanks around the line are dropped; the interpreter
// name ends at a blank or NUL; what follows, after blanks, is one optional
// argument, up to the end of the line or a NUL. ok is false for anything
// the kernel would not run as a script.
func parseShebang(head []byte) (interp, arg string, ok bool) {
	if len(head) < 2 || head[0] != '#' || head[1] != '!' {
		return "", "", false
	}
	var b [binprmBufSize]byte
	copy(b[:], head)
	last := len(b) - 1
	end := bytes.IndexByte(b[:], '\n')
	if end < 0 {
		name := nonBlank(b[:], 2, last)
		if name < 0 || terminator(b[:], name, last) < 0 {
			return "", "", false
		}
		end = last
	}
	for isBlank(b[end-1]) {
		end--
	}
	name := nonBlank(b[:], 2, end)
	if name < 0 || name == end {
		return "", "", false
	}
	nameEnd, argAt := end, -1
	if sep := terminator(b[:], name, end); sep >= 0 {
		nameEnd = sep
		if b[sep] != 0 {
			argAt = nonBlank(b[:], sep, end)
		}
	}
	interp = cString(b[name:nameEnd])
	if argAt >= 0 {
		arg = cString(b[argAt:end])
	}
	return interp, arg, true
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }

// nonBlank returns the index of the first byte of b[i:j+1] that is not a
// blank, -1 if there is none.
func nonBlank(b []byte, i, j int) int {
	for ; i <= j; i++ {
		if !isBlank(b[i]) {
			return i
		}
	}
	return -1
}

// terminator returns the index of the first blank or NUL of b[i:j+1], -1
// if there is none.
func terminator(b []byte, i, j int) int {
	for ; i <= j; i++ {
		if isBlank(b[i]) || b[i] == 0 {
			return i
		}
	}
	return -1
}

// cString returns b up to its first NUL.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// readInterp returns the PT_INTERP of an ELF file, "" for a static one, and
// ENOEXEC for anything the kernel would not run.
func readInterp(host string) (string, error) {
	f, err := openExec(host)
	if err != nil {
		return "", err
	}
	defer f.close()
	return f.interp()
}

// interp returns the PT_INTERP of the ELF file f, "" for a static one, and
// ENOEXEC for anything the kernel would not run.
func (f *execFile) interp() (string, error) {
	buf := f.head(len(f.buf))
	n := len(buf)
	if n < 52 || string(buf[:4]) != "\x7fELF" {
		return "", unix.ENOEXEC
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if buf[5] == 2 {
		bo = binary.BigEndian
	}
	var phoff, phentsize, phnum uint64
	is64 := buf[4] == 2
	if is64 {
		if n < 64 {
			return "", unix.ENOEXEC
		}
		phoff = bo.Uint64(buf[32:])
		phentsize = uint64(bo.Uint16(buf[54:]))
		phnum = uint64(bo.Uint16(buf[56:]))
	} else {
		phoff = uint64(bo.Uint32(buf[28:]))
		phentsize = uint64(bo.Uint16(buf[42:]))
		phnum = uint64(bo.Uint16(buf[44:]))
	}
	if phnum == 0 || phnum > 1024 || phentsize < 32 {
		return "", nil
	}
	ph := make([]byte, phentsize*phnum)
	if err := f.read(ph, phoff); err != nil {
		return "", err
	}
	const ptInterp = 3
	for i := uint64(0); i < phnum; i++ {
		e := ph[i*phentsize:]
		if bo.Uint32(e) != ptInterp {
			continue
		}
		var off, size uint64
		if is64 {
			off, size = bo.Uint64(e[8:]), bo.Uint64(e[32:])
		} else {
			off, size = uint64(bo.Uint32(e[4:])), uint64(bo.Uint32(e[16:]))
		}
		if size == 0 || size > PathMax {
			return "", unix.ENOEXEC
		}
		s := make([]byte, size)
		if err := f.read(s, off); err != nil {
			return "", err
		}
		return cString(s), nil
	}
	return "", nil
}

var argv0Cache sync.Map // host path of a loader -> bool

// loaderKnowsArgv0 says whether a dynamic loader takes "--argv0" (glibc's
// ld.so since 2.33, musl's): its text names the option. The answer is
// cached per loader file.
func loaderKnowsArgv0(host string) bool {
	var st unix.Stat_t
	if unix.Stat(host, &st) != nil {
		return false
	}
	key := loaderKey{host, st.Ino, st.Mtim.Sec, st.Mtim.Nsec}
	if v, ok := argv0Cache.Load(key); ok {
		return v.(bool)
	}
	b, err := os.ReadFile(host)
	ok := err == nil && bytes.Contains(b, []byte("--argv0\x00"))
	if !ok && err == nil {
		ok = bytes.Contains(b, []byte("argv0"))
	}
	argv0Cache.Store(key, ok)
	return ok
}

type loaderKey struct {
	path      string
	ino       uint64
	sec, nsec int64
}

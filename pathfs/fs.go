package pathfs

import (
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// pathMax is PATH_MAX from include/uapi/linux/limits.h. It counts the
// terminating NUL, so the longest path the kernel accepts is pathMax-1
// bytes.
const pathMax = 4096

// FS is the file-system access pathfs needs. The real one is OS{}; tests
// may inject fakes. Errors are unix.Errno values.
type FS interface {
	// Lstat returns st_mode from lstat(2) on host; the S_IFMT bits matter.
	Lstat(host string) (mode uint32, err error)
	// Readlink returns the target of the symlink host, as readlink(2).
	Readlink(host string) (string, error)
}

// OS implements FS with the host's system calls. Paths are copied to a
// stack buffer, so Lstat does not allocate.
type OS struct{}

// Lstat implements FS with statx(2) (STATX_TYPE, AT_SYMLINK_NOFOLLOW), or
// lstat(2) where statx is not available.
func (OS) Lstat(host string) (uint32, error) { return lstatPath(host) }

// Readlink implements FS with readlinkat(2).
func (OS) Readlink(host string) (string, error) {
	var buf [pathMax]byte
	n, err := readlinkPath(host, buf[:])
	if err != nil {
		return "", err
	}
	return string(buf[:n]), nil
}

// noStatx is set once statx(2) is known to be missing (Linux < 4.11) or
// blocked by a seccomp filter, as older container runtimes do.
var noStatx atomic.Bool

// cPath copies p into buf as a NUL-terminated C string. Paths the kernel
// would reject get the kernel's errno (ENAMETOOLONG), or EINVAL for an
// inner NUL, as x/sys/unix does.
func cPath[S ~string | ~[]byte](buf *[pathMax]byte, p S) error {
	if len(p) >= len(buf) {
		return unix.ENAMETOOLONG
	}
	n := copy(buf[:], p)
	for _, c := range buf[:n] {
		if c == 0 {
			return unix.EINVAL
		}
	}
	buf[n] = 0
	return nil
}

// lstatPath returns the st_mode of p without following a final symlink.
func lstatPath[S ~string | ~[]byte](p S) (uint32, error) {
	var buf [pathMax]byte
	if err := cPath(&buf, p); err != nil {
		return 0, err
	}
	if !noStatx.Load() {
		var stx unix.Statx_t
		dirfd := unix.AT_FDCWD
		_, _, e := unix.Syscall6(unix.SYS_STATX, uintptr(dirfd), uintptr(unsafe.Pointer(&buf[0])),
			unix.AT_SYMLINK_NOFOLLOW, unix.STATX_TYPE, uintptr(unsafe.Pointer(&stx)), 0)
		switch e {
		case 0:
			return uint32(stx.Mode), nil
		case unix.ENOSYS:
			noStatx.Store(true)
		case unix.EPERM:
			// lstat(2) never fails with EPERM: a filter blocks statx.
			// Latch only once lstat proves it.
		default:
			return 0, e
		}
	}
	var st unix.Stat_t
	if err := unix.Lstat(string(p), &st); err != nil {
		return 0, err
	}
	noStatx.Store(true)
	return st.Mode, nil
}

// readlinkPath reads the target of the symlink p into out, as
// readlinkat(2), and returns its length. A target that fills out may be
// truncated and gets ENAMETOOLONG; symlink(2) caps targets below PATH_MAX,
// so an out of pathMax bytes never hits it.
func readlinkPath[S ~string | ~[]byte](p S, out []byte) (int, error) {
	var buf [pathMax]byte
	if err := cPath(&buf, p); err != nil {
		return 0, err
	}
	dirfd := unix.AT_FDCWD
	n, _, e := unix.Syscall6(unix.SYS_READLINKAT, uintptr(dirfd), uintptr(unsafe.Pointer(&buf[0])),
		uintptr(unsafe.Pointer(unsafe.SliceData(out))), uintptr(len(out)), 0, 0)
	if e != 0 {
		return 0, e
	}
	if int(n) >= len(out) {
		return 0, unix.ENAMETOOLONG
	}
	return int(n), nil
}

package syscalls

import (
	"golang.org/x/sys/unix"
)

// sunPathMax is sizeof(sockaddr_un.sun_path) (include/uapi/linux/un.h).
const sunPathMax = 108

// unixPath returns the path of a sockaddr_un, and false for other families,
// unnamed and abstract sockets (unix(7)).
func unixPath(sa []byte) (string, bool) {
	if len(sa) < 3 || uint16(sa[0])|uint16(sa[1])<<8 != unix.AF_UNIX || sa[2] == 0 {
		return "", false
	}
	p := sa[2:]
	for i, b := range p {
		if b == 0 {
			return string(p[:i]), true
		}
	}
	return string(p), true
}

// sockaddrUnix builds a sockaddr_un for path: NUL-terminated, except a
// path of exactly sizeof(sun_path) bytes, which the kernel takes without
// (unix(7)).
func sockaddrUnix(path string) ([]byte, error) {
	if len(path) > sunPathMax {
		return nil, unix.ENAMETOOLONG
	}
	n := 2 + len(path) + 1
	if len(path) == sunPathMax {
		n--
	}
	sa := make([]byte, n)
	sa[0] = unix.AF_UNIX
	copy(sa[2:], path)
	return sa, nil
}

// translateSockaddr rewrites the unix socket address at addr (len n) for
// the host, returning the new address and length; ok is false if it is no
// path address.
func translateSockaddr(c Call, addr, n uint64, follow bool) (uint64, uint64, bool, error) {
	if addr == 0 || n < 3 {
		return 0, 0, false, nil
	}
	if n > 2+sunPathMax {
		n = 2 + sunPathMax
	}
	var buf [2 + sunPathMax]byte
	if err := c.Read(addr, buf[:n]); err != nil {
		return 0, 0, false, unix.EFAULT
	}
	path, ok := unixPath(buf[:n])
	if !ok {
		return 0, 0, false, nil
	}
	_, host, err := c.Resolve(unix.AT_FDCWD, path, follow)
	if err != nil {
		return 0, 0, false, err
	}
	if c.Unchanged(path, host) {
		return 0, 0, false, nil
	}
	sa, err := sockaddrUnix(host)
	if err != nil {
		return 0, 0, false, err
	}
	ptr, err := c.Push(sa)
	if err != nil {
		return 0, 0, false, err
	}
	return ptr, uint64(len(sa)), true, nil
}

// enterSockaddr translates the unix socket path of bind(2), connect(2)
// and sendto(2): address at addrArg, length at lenArg. bind creates the
// socket file, so its last component is not followed.
func enterSockaddr(addrArg, lenArg int, follow bool) func(Call, *Row) error {
	return func(c Call, r *Row) error {
		ptr, n, ok, err := translateSockaddr(c, c.Arg(addrArg), c.Arg(lenArg), follow)
		if err != nil || !ok {
			return err
		}
		c.SetArg(addrArg, ptr)
		c.SetArg(lenArg, n)
		return nil
	}
}

// msghdr offsets of struct msghdr on 64-bit (include/linux/socket.h):
// msg_name at 0, msg_namelen (u32) at 8; 56 bytes in all.
const (
	msghdrSize    = 56
	msghdrNameLen = 8
)

// enterSendmsg translates msg_name of sendmsg(2) (fd 0, msg 1) with a
// private copy of the msghdr, so the guest's own is never changed.
func enterSendmsg(c Call, r *Row) error {
	var hdr [msghdrSize]byte
	if err := c.Read(c.Arg(1), hdr[:]); err != nil {
		return nil // let the kernel report EFAULT
	}
	ptr, n, ok, err := translateSockaddr(c, le64(hdr[:]), uint64(le32(hdr[msghdrNameLen:])), true)
	if err != nil || !ok {
		return err
	}
	put64(hdr[:], ptr)
	put32(hdr[msghdrNameLen:], uint32(n))
	h, err := c.Push(hdr[:])
	if err != nil {
		return err
	}
	c.SetArg(1, h)
	return nil
}

// exitSockaddr turns the unix socket path that accept(2), accept4(2),
// getsockname(2), getpeername(2) (addr 1, addrlen* 2) and recvfrom(2)
// (addr 4, addrlen* 5) return into the guest's path. The entry records the
// caller's buffer size, which the kernel overwrites.
func exitSockaddr(addrArg, lenArg int) func(Call, *Row) error {
	return func(c Call, r *Row) error {
		if c.Result() < 0 {
			return nil
		}
		fixSockaddr(c, c.Arg(addrArg), c.Arg(lenArg), c.Data().Len)
		return nil
	}
}

// enterSockaddrLen records the buffer size behind addrlen* for the exit.
func enterSockaddrLen(lenArg int) func(Call, *Row) error {
	return func(c Call, r *Row) error {
		if p := c.Arg(lenArg); p != 0 {
			var b [4]byte
			if c.Read(p, b[:]) == nil {
				c.Data().Len = uint64(le32(b[:]))
			}
		}
		c.NeedExit()
		return nil
	}
}

// fixSockaddr rewrites a returned address in a buffer of size bufSize whose
// length the kernel stored at lenPtr.
func fixSockaddr(c Call, addr, lenPtr, bufSize uint64) {
	if addr == 0 || lenPtr == 0 || bufSize < 3 {
		return
	}
	var lb [4]byte
	if c.Read(lenPtr, lb[:]) != nil {
		return
	}
	n := uint64(le32(lb[:]))
	if n > bufSize {
		n = bufSize
	}
	if n > 2+sunPathMax {
		n = 2 + sunPathMax
	}
	var buf [2 + sunPathMax]byte
	if c.Read(addr, buf[:n]) != nil {
		return
	}
	host, ok := unixPath(buf[:n])
	if !ok {
		return
	}
	guest, ok := c.HostToGuest(host)
	if !ok {
		return
	}
	sa, err := sockaddrUnix(guest)
	if err != nil {
		return
	}
	full := uint64(len(sa))
	if uint64(len(sa)) > bufSize {
		sa = sa[:bufSize]
	}
	if c.Write(addr, sa) != nil {
		return
	}
	put32(lb[:], uint32(full))
	_ = c.Write(lenPtr, lb[:])
}

// enterRecvmsg records msg_namelen of recvmsg(2) (fd 0, msg 1).
func enterRecvmsg(c Call, r *Row) error {
	var hdr [msghdrSize]byte
	if c.Read(c.Arg(1), hdr[:]) == nil {
		c.Data().Addr = le64(hdr[:])
		c.Data().Len = uint64(le32(hdr[msghdrNameLen:]))
	}
	c.NeedExit()
	return nil
}

// exitRecvmsg turns the unix socket path of recvmsg(2) into the guest's.
func exitRecvmsg(c Call, r *Row) error {
	if c.Result() < 0 || c.Data().Addr == 0 {
		return nil
	}
	fixSockaddr(c, c.Data().Addr, c.Arg(1)+msghdrNameLen, c.Data().Len)
	return nil
}

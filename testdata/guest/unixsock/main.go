// Command unixsock is a static Go guest program for the gproot end-to-end
// tests. In the directory given as its argument it binds unix sockets
// (unix(7)) and prints every socket address the kernel hands back: from
// getsockname(2), getpeername(2), accept4(2), accept(2), recvfrom(2) and
// recvmsg(2). Under gproot these must be the guest's paths. The report
// holds no pids, inode numbers or times: the test compares it with a
// native run, the directory's path replaced.
//
//	usage: unixsock DIR
//	       unixsock DIR relative
//
// With "relative" it only binds a socket by a path relative to DIR (its
// cwd) and prints what getsockname(2) gives: the kernel keeps the path as
// bound, relative.
//
// The exit status is 0 iff every step succeeded; on failure the report
// ends with a line starting "FAIL".
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	var err error
	switch {
	case len(os.Args) == 2:
		err = run(os.Args[1])
	case len(os.Args) == 3 && os.Args[2] == "relative":
		err = relative(os.Args[1])
	default:
		fmt.Fprintln(os.Stderr, "usage: unixsock DIR [relative]")
		os.Exit(2)
	}
	if err != nil {
		fmt.Printf("FAIL: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("all ok")
}

// name prints a socket address as the report shows it.
func name(sa unix.Sockaddr) string {
	switch sa := sa.(type) {
	case nil:
		return "(none)"
	case *unix.SockaddrUnix:
		if sa.Name == "" {
			return "(unnamed)"
		}
		return sa.Name // an abstract name starts with "@"
	}
	return fmt.Sprintf("(%T)", sa)
}

func socket(typ int) (int, error) {
	return unix.Socket(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
}

func bound(typ int, path string) (int, error) {
	fd, err := socket(typ)
	if err != nil {
		return -1, err
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		return -1, fmt.Errorf("bind %s: %w", path, err)
	}
	return fd, nil
}

// rawAccept calls accept(2) itself: x/sys/unix's Accept uses accept4(2).
func rawAccept(fd int) (int, string, error) {
	var rsa unix.RawSockaddrAny
	n := uint32(unsafe.Sizeof(rsa))
	nfd, _, e := unix.Syscall(unix.SYS_ACCEPT, uintptr(fd), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&n)))
	if e != 0 {
		return -1, "", e
	}
	if n <= 2 {
		return int(nfd), "(unnamed)", nil
	}
	ru := (*unix.RawSockaddrUnix)(unsafe.Pointer(&rsa))
	b := make([]byte, 0, len(ru.Path))
	for _, c := range ru.Path[:n-2] {
		if c == 0 {
			break
		}
		b = append(b, byte(c))
	}
	return int(nfd), string(b), nil
}

func run(dir string) error {
	for _, f := range []string{"srv.sock", "cli.sock", "cli2.sock", "link.sock", "d1.sock", "d2.sock", "rel.sock"} {
		os.Remove(filepath.Join(dir, f))
	}
	srvPath := filepath.Join(dir, "srv.sock")

	// Stream: a listener, a named client connecting through a symlink,
	// and an unnamed one.
	srv, err := bound(unix.SOCK_STREAM, srvPath)
	if err != nil {
		return err
	}
	if err := unix.Listen(srv, 4); err != nil {
		return err
	}
	sa, err := unix.Getsockname(srv)
	if err != nil {
		return err
	}
	fmt.Printf("listener getsockname: %s\n", name(sa))

	if err := os.Symlink("srv.sock", filepath.Join(dir, "link.sock")); err != nil {
		return err
	}
	cli, err := bound(unix.SOCK_STREAM, filepath.Join(dir, "cli.sock"))
	if err != nil {
		return err
	}
	if err := unix.Connect(cli, &unix.SockaddrUnix{Name: filepath.Join(dir, "link.sock")}); err != nil {
		return fmt.Errorf("connect through a symlink: %w", err)
	}
	conn, peer, err := unix.Accept4(srv, unix.SOCK_CLOEXEC)
	if err != nil {
		return err
	}
	fmt.Printf("accept4 peer: %s\n", name(peer))
	if sa, err = unix.Getsockname(conn); err != nil {
		return err
	}
	fmt.Printf("accepted getsockname: %s\n", name(sa))
	if sa, err = unix.Getpeername(conn); err != nil {
		return err
	}
	fmt.Printf("accepted getpeername: %s\n", name(sa))
	if sa, err = unix.Getpeername(cli); err != nil {
		return err
	}
	fmt.Printf("client getpeername: %s\n", name(sa))
	if sa, err = unix.Getsockname(cli); err != nil {
		return err
	}
	fmt.Printf("client getsockname: %s\n", name(sa))
	if _, err := unix.Write(cli, []byte("hello")); err != nil {
		return err
	}
	buf := make([]byte, 64)
	n, err := unix.Read(conn, buf)
	if err != nil {
		return err
	}
	fmt.Printf("stream read: %s\n", buf[:n])

	cli2, err := bound(unix.SOCK_STREAM, filepath.Join(dir, "cli2.sock"))
	if err != nil {
		return err
	}
	if err := unix.Connect(cli2, &unix.SockaddrUnix{Name: srvPath}); err != nil {
		return err
	}
	conn2, peer2, err := rawAccept(srv)
	if err != nil {
		return fmt.Errorf("accept: %w", err)
	}
	fmt.Printf("accept peer: %s\n", peer2)

	anon, err := socket(unix.SOCK_STREAM)
	if err != nil {
		return err
	}
	if err := unix.Connect(anon, &unix.SockaddrUnix{Name: srvPath}); err != nil {
		return err
	}
	conn3, peer3, err := rawAccept(srv) // x/sys/unix shows an unnamed peer as "@"
	if err != nil {
		return err
	}
	fmt.Printf("unnamed client, accept peer: %s\n", peer3)
	for _, fd := range []int{conn, conn2, conn3, cli, cli2, anon} {
		unix.Close(fd)
	}

	// Datagrams between two named sockets: sendto/recvfrom one way,
	// sendmsg/recvmsg the other.
	d1, err := bound(unix.SOCK_DGRAM, filepath.Join(dir, "d1.sock"))
	if err != nil {
		return err
	}
	d2, err := bound(unix.SOCK_DGRAM, filepath.Join(dir, "d2.sock"))
	if err != nil {
		return err
	}
	if err := unix.Sendto(d1, []byte("ping"), 0, &unix.SockaddrUnix{Name: filepath.Join(dir, "d2.sock")}); err != nil {
		return fmt.Errorf("sendto: %w", err)
	}
	n, from, err := unix.Recvfrom(d2, buf, 0)
	if err != nil {
		return err
	}
	fmt.Printf("recvfrom: %s from %s\n", buf[:n], name(from))
	if _, err := unix.SendmsgN(d2, []byte("pong"), nil, &unix.SockaddrUnix{Name: filepath.Join(dir, "d1.sock")}, 0); err != nil {
		return fmt.Errorf("sendmsg: %w", err)
	}
	n, _, _, from, err = unix.Recvmsg(d1, buf, nil, 0)
	if err != nil {
		return err
	}
	fmt.Printf("recvmsg: %s from %s\n", buf[:n], name(from))
	unix.Close(d1)
	unix.Close(d2)

	// An abstract socket has no path: it must pass untouched.
	absName := fmt.Sprintf("@gproot-unixsock-%d", os.Getpid())
	abs, err := bound(unix.SOCK_STREAM, absName)
	if err != nil {
		return err
	}
	if sa, err = unix.Getsockname(abs); err != nil {
		return err
	}
	if got := name(sa); got == absName {
		fmt.Println("abstract getsockname: the name bound")
	} else {
		fmt.Printf("abstract getsockname: %s, not the name bound\n", got)
	}
	unix.Close(abs)
	unix.Close(srv)

	for _, f := range []string{"srv.sock", "cli.sock", "cli2.sock", "link.sock", "d1.sock", "d2.sock"} {
		if err := os.Remove(filepath.Join(dir, f)); err != nil {
			return err
		}
	}
	return nil
}

func relative(dir string) error {
	if err := os.Chdir(dir); err != nil {
		return err
	}
	os.Remove("rel.sock")
	fd, err := bound(unix.SOCK_STREAM, "rel.sock")
	if err != nil {
		return err
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return err
	}
	fmt.Printf("relative getsockname: %s\n", name(sa))
	if _, err := os.Stat(filepath.Join(dir, "rel.sock")); err != nil {
		return fmt.Errorf("socket file not in the directory: %w", err)
	}
	unix.Close(fd)
	return os.Remove("rel.sock")
}

package pathfs

import (
	"bytes"
	"path"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// maxSymlinks is MAXSYMLINKS from include/linux/namei.h: a path walk may
// follow 40 symlinks, the 41st fails with ELOOP.
const maxSymlinks = 40

// Resolve canonicalizes p as the kernel would for a guest process whose
// root is the canonical guest path root ("/" unless the guest called
// chroot(2)) and whose working directory is the canonical guest path cwd,
// under root. It returns the canonical guest path, which is clean,
// absolute and under root, and the host path to hand to the kernel.
// Nothing resolves above root: a cwd outside it (the kernel allows that
// after a chroot(2) without chdir(2)) is taken as root.
//
// The walk follows path_resolution(7), component by component:
//   - a relative p starts at cwd; an empty p gives ENOENT (callers handle
//     AT_EMPTY_PATH);
//   - "." and ".." apply to the directory reached so far, after the
//     symlinks before them are resolved; ".." at root stays at root;
//   - symlinks are followed in the guest view: an absolute target restarts
//     at root, a relative one at the symlink's directory. The last
//     component is followed only if follow is set or p ends in "/";
//   - a missing last component is fine (the call may create it). A
//     missing intermediate component gives ENOENT, an existing
//     non-directory one ENOTDIR;
//   - more than 40 symlinks give ELOOP, a result of PATH_MAX (4096) bytes
//     or more ENAMETOOLONG. The host path counts too: it is longer than
//     the guest path, and the walk looks its prefixes up on the host, so
//     (as in PRoot) deep guest paths fail sooner than under the kernel;
//   - a trailing "/" on p stays on the host path, so the kernel still
//     fails a non-directory with ENOTDIR;
//   - when the guest path reached so far equals a binding's guest path,
//     the walk goes on in that binding's host path.
//
// The host path is always inside the rootfs, a binding's host path or the
// glue tree. Errors are unix.Errno values, for the guest to get as -errno.
func (v *View) Resolve(root, cwd, p string, follow bool) (guest, host string, err error) {
	w := getWalker(v)
	defer putWalker(w)
	trail, err := w.walk(root, cwd, p, follow)
	if err != nil {
		return "", "", err
	}
	if trail && w.h[len(w.h)-1] == '/' {
		trail = false // the host path is "/" itself
	}
	n := len(w.h)
	if trail {
		n++
	}
	if len(w.g) >= pathMax || n >= pathMax {
		return "", "", unix.ENAMETOOLONG
	}
	// One allocation holds both results.
	var sb strings.Builder
	sb.Grow(len(w.g) + n)
	sb.Write(w.g)
	sb.Write(w.h)
	if trail {
		sb.WriteByte('/')
	}
	s := sb.String()
	return s[:len(w.g)], s[len(w.g):], nil
}

// walker holds the state of one path walk. Walkers are pooled, so that a
// walk does not allocate.
type walker struct {
	v *View
	g []byte // canonical guest path reached so far
	h []byte // its host path
	// r[off:] holds the components still to walk. Symlink targets are
	// prepended in place, in the room before off.
	r   []byte
	off int
	// link receives symlink targets.
	link [pathMax]byte

	// lenient lets a missing intermediate component through, for NewView
	// to glue: the rest of the path is then taken lexically, and missing
	// is len(g) up to the first missing component (else -1).
	lenient bool
	missing int
}

var walkers = sync.Pool{New: func() any {
	return &walker{g: make([]byte, 0, 256), h: make([]byte, 0, 256), r: make([]byte, 512)}
}}

func getWalker(v *View) *walker {
	w := walkers.Get().(*walker)
	w.v = v
	w.lenient = false
	w.missing = -1
	return w
}

func putWalker(w *walker) {
	w.v = nil
	if cap(w.g) > 4*pathMax || cap(w.h) > 4*pathMax || len(w.r) > 4*pathMax {
		return // let a rare huge walk's buffers go
	}
	walkers.Put(w)
}

// walk resolves p into w.g and w.h as Resolve documents. It reports
// whether the host path must keep p's trailing slash.
func (w *walker) walk(root, cwd, p string, follow bool) (trailing bool, err error) {
	switch {
	case p == "":
		return false, unix.ENOENT
	case len(p) >= pathMax:
		return false, unix.ENAMETOOLONG
	case strings.IndexByte(p, 0) >= 0:
		return false, unix.EINVAL // a C string cannot hold it
	}
	if !isCleanAbs(root) {
		root = path.Clean("/" + root)
	}
	start := root
	if p[0] != '/' {
		start = cwd
		if !isCleanAbs(start) {
			start = path.Clean("/" + start)
		}
		if !hasPathPrefix(start, root) {
			start = root
		}
	}
	w.g = append(w.g[:0], start...)
	w.setHost()
	w.setRest(p)

	links := 0
	lexical := false // lenient walk past a missing component
	for {
		name, last, trail, ok := w.next()
		if !ok {
			return false, nil
		}
		if len(name) == 1 && name[0] == '.' {
			continue
		}
		if len(name) == 2 && name[0] == '.' && name[1] == '.' {
			if lexical {
				return false, unix.ENOENT
			}
			w.up(root)
			continue
		}
		parentG, parentH := len(w.g), len(w.h)
		bound := w.push(name)
		if lexical || (last && !follow && !trail) {
			if last {
				return trail, nil
			}
			continue
		}
		mode, err := w.lstat()
		if err != nil {
			switch {
			case err != unix.ENOENT:
				return false, err
			case last:
				return trail, nil
			case !w.lenient:
				return false, unix.ENOENT
			}
			lexical = true
			w.missing = len(w.g)
			continue
		}
		switch mode & unix.S_IFMT {
		case unix.S_IFDIR:
			if last {
				return trail, nil
			}
		case unix.S_IFLNK:
			links++
			if links > maxSymlinks {
				return false, unix.ELOOP
			}
			target, err := w.readlink()
			if err == ErrOpaque {
				// A magic link with no path behind it: the kernel
				// follows it itself, a path cannot go through it.
				if !last {
					return false, unix.ENOTDIR
				}
				return trail, nil
			}
			if err != nil {
				return false, err
			}
			if len(target) == 0 {
				return false, unix.ENOENT
			}
			w.g = w.g[:parentG]
			if bound {
				// A binding's host turned into a symlink after
				// NewView: its target is read in the guest view too.
				w.setHost()
			} else {
				w.h = w.h[:parentH]
			}
			if target[0] == '/' {
				w.g = append(w.g[:0], root...)
				w.setHost()
			}
			w.prepend(target)
		default:
			if !last {
				return false, unix.ENOTDIR
			}
			return trail, nil
		}
	}
}

// next consumes the next component of the rest. last is set when no
// component follows it, and trail when slashes do.
func (w *walker) next() (name []byte, last, trail, ok bool) {
	r, i := w.r, w.off
	for i < len(r) && r[i] == '/' {
		i++
	}
	if i == len(r) {
		w.off = i
		return nil, false, false, false
	}
	j := i + 1
	for j < len(r) && r[j] != '/' {
		j++
	}
	k := j
	for k < len(r) && r[k] == '/' {
		k++
	}
	w.off = j
	return r[i:j], k == len(r), k == len(r) && j < len(r), true
}

// push appends the component name to the guest path and to the host path;
// the host path moves to a binding's host when the guest path is that
// binding's guest path, which push reports.
func (w *walker) push(name []byte) (bound bool) {
	if len(w.g) > 1 {
		w.g = append(w.g, '/')
	}
	w.g = append(w.g, name...)
	if e := w.v.bound(w.g); e != nil {
		w.h = append(w.h[:0], e.host...)
		return true
	}
	if len(w.h) > 1 {
		w.h = append(w.h, '/')
	}
	w.h = append(w.h, name...)
	return false
}

// up applies "..": the guest path loses its last component, except at root.
func (w *walker) up(root string) {
	if string(w.g) == root {
		return
	}
	i := bytes.LastIndexByte(w.g, '/')
	w.g = w.g[:max(i, 1)]
	w.setHost()
}

// setHost recomputes the host path from the guest path.
func (w *walker) setHost() {
	e := owner(w.v, w.g)
	w.h = appendJoin(w.h[:0], e.host, pathTail(w.g, e.guest))
}

// setRest makes p the rest to walk.
func (w *walker) setRest(p string) {
	if len(w.r) < len(p) {
		w.r = make([]byte, 2*len(p))
	}
	w.off = len(w.r) - len(p)
	copy(w.r[w.off:], p)
}

// prepend puts a symlink target in front of the rest. The rest starts
// with '/' or is empty, so no separator is needed.
func (w *walker) prepend(t []byte) {
	if w.off >= len(t) {
		w.off -= len(t)
		copy(w.r[w.off:], t)
		return
	}
	rest := len(w.r) - w.off
	r := make([]byte, 2*(len(t)+rest)+64)
	off := len(r) - rest
	copy(r[off:], w.r[w.off:])
	off -= len(t)
	copy(r[off:], t)
	w.r, w.off = r, off
}

// lstat returns the st_mode of the host path.
func (w *walker) lstat() (uint32, error) {
	if w.v.osFS {
		return lstatPath(w.h)
	}
	return w.v.fs.Lstat(string(w.h))
}

// readlink returns the target of the host path, in w.link.
func (w *walker) readlink() ([]byte, error) {
	if w.v.links != nil && hasPathPrefix(w.h, "/proc") {
		if s, ok, err := w.v.links(string(w.h)); ok {
			if err != nil {
				return nil, err
			}
			if len(s) >= len(w.link) {
				return nil, unix.ENAMETOOLONG
			}
			return w.link[:copy(w.link[:], s)], nil
		}
	}
	if w.v.osFS {
		n, err := readlinkPath(w.h, w.link[:])
		return w.link[:n], err
	}
	s, err := w.v.fs.Readlink(string(w.h))
	if err != nil {
		return nil, err
	}
	if len(s) >= len(w.link) {
		return nil, unix.ENAMETOOLONG
	}
	return w.link[:copy(w.link[:], s)], nil
}

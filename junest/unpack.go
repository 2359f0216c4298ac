package junest

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"golang.org/x/sys/unix"
)

// UnpackStats counts what Unpack could not keep as the archive says.
type UnpackStats struct {
	Entries int
	// Devices are character and block devices that could not be made
	// (mknod(2) needs CAP_MKNOD); Xattrs the extended attributes the file
	// system or the user's rights refused; Owners the files whose owner
	// was not set (only root may chown).
	Devices, Xattrs, Owners int
}

// decompress detects the archive's compression from its magic number:
// gzip, zstd, xz, or none (a plain tar).
func decompress(r io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(6)
	if err != nil && len(magic) == 0 {
		if err == io.EOF {
			return nil, nil, errors.New("the image is empty")
		}
		return nil, nil, err
	}
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		z, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		return z, func() { z.Close() }, nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		z, err := zstd.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("zstd: %w", err)
		}
		return z, z.Close, nil
	case bytes.HasPrefix(magic, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		z, err := xz.NewReader(br)
		if err != nil {
			return nil, nil, fmt.Errorf("xz: %w", err)
		}
		return z, func() {}, nil
	}
	// A plain tar has "ustar" at offset 257.
	head, _ := br.Peek(262)
	if len(head) == 262 && bytes.Equal(head[257:262], []byte("ustar")) {
		return br, func() {}, nil
	}
	return nil, nil, errors.New("not a tar archive compressed with gzip, zstd or xz")
}

// Unpack extracts the tar archive read from r (gzip, zstd, xz or plain)
// into dir, an existing empty directory. It keeps modes (set-id bits
// included), symlinks, hard links, FIFOs, modification times and the
// extended attributes the file system takes; as root also owners and
// devices. An entry whose path would leave dir, directly or through a
// symlink of the archive, fails the whole unpacking: dir is then left
// half-filled, for the caller to remove. ctx stops it between entries.
func Unpack(ctx context.Context, r io.Reader, dir string) (UnpackStats, error) {
	var st UnpackStats
	dr, closeFn, err := decompress(r)
	if err != nil {
		return st, err
	}
	defer closeFn()
	u := &unpacker{dir: dir, root: os.Geteuid() == 0, st: &st}
	tr := tar.NewReader(dr)
	for {
		if err := ctx.Err(); err != nil {
			return st, err
		}
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return st, fmt.Errorf("reading the archive after %d entries: %w", st.Entries, truncated(err))
		}
		st.Entries++
		if err := u.entry(h, tr); err != nil {
			return st, err
		}
	}
	if st.Entries == 0 {
		return st, errors.New("the archive holds no files")
	}
	return st, u.finishDirs()
}

// truncated names the usual cause of an unexpected EOF.
func truncated(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w (the image is truncated)", err)
	}
	return err
}

type unpacker struct {
	dir  string
	root bool
	dirs []dirAttrs
	st   *UnpackStats
}

// dirAttrs are applied to a directory once everything is in it: a
// read-only directory must stay writable until then.
type dirAttrs struct {
	path, rel string
	mtime     time.Time
	h         *tar.Header
}

// clean turns an entry name into a path relative to dir, refusing names
// that leave it.
func clean(name string) (string, error) {
	n := path.Clean(strings.TrimLeft(name, "/"))
	if n == ".." || strings.HasPrefix(n, "../") {
		return "", fmt.Errorf("entry %q points outside the destination: refusing the image", name)
	}
	return n, nil
}

// checkParents refuses a relative path one of whose parents is not a
// real directory in dir: a symlink the archive made (directly or through
// a hard link to one) could take the write outside dir. Missing parents
// are fine: they are made as directories.
func (u *unpacker) checkParents(rel, name string) error {
	if p, ok := u.notDir(path.Dir(rel)); !ok {
		if fi, err := os.Lstat(filepath.Join(u.dir, p)); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			return fmt.Errorf("entry %q goes through the symlink %q: refusing the image", name, p)
		}
		return fmt.Errorf("entry %q goes through %q, which is not a directory: refusing the image", name, p)
	}
	return nil
}

// notDir walks rel's components in dir from the top and returns the path
// (relative to dir) of the first that exists and is not a directory
// (lstat: a symlink is not one).
func (u *unpacker) notDir(rel string) (string, bool) {
	if rel == "." || rel == "" {
		return "", true
	}
	for i := 0; i <= len(rel); i++ {
		if i < len(rel) && rel[i] != '/' {
			continue
		}
		fi, err := os.Lstat(filepath.Join(u.dir, rel[:i]))
		if err != nil {
			return "", true
		}
		if !fi.IsDir() {
			return rel[:i], false
		}
	}
	return "", true
}

func (u *unpacker) entry(h *tar.Header, r io.Reader) error {
	rel, err := clean(h.Name)
	if err != nil {
		return err
	}
	if err := u.checkParents(rel, h.Name); err != nil {
		return err
	}
	target := filepath.Join(u.dir, rel)
	if rel == "." {
		if h.Typeflag == tar.TypeDir {
			u.dirs = append(u.dirs, dirAttrs{path: target, rel: rel, mtime: h.ModTime, h: h})
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return fmt.Errorf("%s: %w", h.Name, err)
	}
	// An entry replaces what an earlier one made there, as tar(1) does,
	// but never follows it: remove it first (a directory stays).
	if fi, err := os.Lstat(target); err == nil && !(fi.IsDir() && h.Typeflag == tar.TypeDir) {
		if err := os.RemoveAll(target); err != nil {
			return fmt.Errorf("%s: %w", h.Name, err)
		}
	}
	mode := uint32(h.Mode) & 0o7777
	switch h.Typeflag {
	case tar.TypeDir:
		if err := os.Mkdir(target, 0o700); err != nil && !os.IsExist(err) {
			return fmt.Errorf("%s: %w", h.Name, err)
		}
		u.dirs = append(u.dirs, dirAttrs{path: target, rel: rel, mtime: h.ModTime, h: h})
		return nil
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("%s: %w", h.Name, err)
		}
		_, err = io.Copy(f, r)
		if err != nil {
			f.Close()
			return fmt.Errorf("%s: %w", h.Name, truncated(err))
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("%s: %w", h.Name, err)
		}
	case tar.TypeSymlink:
		if err := os.Symlink(h.Linkname, target); err != nil {
			return fmt.Errorf("%s: %w", h.Name, err)
		}
		u.owner(target, h)
		u.xattrs(target, h)
		return unix.Lutimes(target, []unix.Timeval{unix.NsecToTimeval(h.ModTime.UnixNano()), unix.NsecToTimeval(h.ModTime.UnixNano())})
	case tar.TypeLink:
		old, err := clean(h.Linkname)
		if err != nil {
			return err
		}
		if err := u.checkParents(old, h.Linkname); err != nil {
			return err
		}
		// link(2) does not follow a final symlink: the link is to the
		// entry itself, inside dir.
		if err := os.Link(filepath.Join(u.dir, old), target); err != nil {
			return fmt.Errorf("%s: hard link to %s: %w", h.Name, h.Linkname, err)
		}
		return nil
	case tar.TypeFifo, tar.TypeChar, tar.TypeBlock:
		kind := map[byte]uint32{tar.TypeFifo: unix.S_IFIFO, tar.TypeChar: unix.S_IFCHR, tar.TypeBlock: unix.S_IFBLK}[h.Typeflag]
		dev := unix.Mkdev(uint32(h.Devmajor), uint32(h.Devminor))
		if err := unix.Mknod(target, kind|0o600, int(dev)); err != nil {
			if h.Typeflag != tar.TypeFifo && (err == unix.EPERM || err == unix.EACCES) {
				u.st.Devices++
				return nil
			}
			return fmt.Errorf("%s: mknod: %w", h.Name, err)
		}
	case tar.TypeXGlobalHeader:
		return nil
	default:
		return fmt.Errorf("%s: unsupported tar entry type %q", h.Name, h.Typeflag)
	}
	u.owner(target, h)
	u.xattrs(target, h)
	// chmod after chown: chown clears the set-id bits.
	if err := os.Chmod(target, posixMode(mode)); err != nil {
		return fmt.Errorf("%s: %w", h.Name, err)
	}
	return os.Chtimes(target, h.ModTime, h.ModTime)
}

// posixMode turns permission and set-id bits into an os.FileMode.
func posixMode(m uint32) os.FileMode {
	fm := os.FileMode(m & 0o777)
	if m&unix.S_ISUID != 0 {
		fm |= os.ModeSetuid
	}
	if m&unix.S_ISGID != 0 {
		fm |= os.ModeSetgid
	}
	if m&unix.S_ISVTX != 0 {
		fm |= os.ModeSticky
	}
	return fm
}

// owner gives the file its archive owner when running as root.
func (u *unpacker) owner(p string, h *tar.Header) {
	if !u.root {
		if h.Uid != os.Getuid() || h.Gid != os.Getgid() {
			u.st.Owners++
		}
		return
	}
	if err := os.Lchown(p, h.Uid, h.Gid); err != nil {
		u.st.Owners++
	}
}

// xattrs sets the entry's extended attributes (PAX SCHILY.xattr.*), as
// far as the file system and the user's rights allow.
func (u *unpacker) xattrs(p string, h *tar.Header) {
	for k, v := range h.PAXRecords {
		name, ok := strings.CutPrefix(k, "SCHILY.xattr.")
		if !ok {
			continue
		}
		if err := unix.Lsetxattr(p, name, []byte(v), 0); err != nil {
			u.st.Xattrs++
		}
	}
}

// finishDirs gives the directories their modes, owners and times, deepest
// first, so that a parent's time is not changed by its children after.
func (u *unpacker) finishDirs() error {
	sort.SliceStable(u.dirs, func(i, j int) bool { return len(u.dirs[i].path) > len(u.dirs[j].path) })
	for _, d := range u.dirs {
		// A later entry may have replaced the directory, or one of its
		// parents, by a symlink or a file: chmod(2) would follow it.
		if _, ok := u.notDir(d.rel); !ok {
			continue
		}
		u.owner(d.path, d.h)
		u.xattrs(d.path, d.h)
		if err := os.Chmod(d.path, posixMode(uint32(d.h.Mode)&0o7777)); err != nil {
			return err
		}
		ts := []unix.Timespec{unix.NsecToTimespec(d.mtime.UnixNano()), unix.NsecToTimespec(d.mtime.UnixNano())}
		if err := unix.UtimesNanoAt(unix.AT_FDCWD, d.path, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return err
		}
	}
	return nil
}

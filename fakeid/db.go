package fakeid

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// DBFile is where a rootfs keeps its remembered ownerships, relative to
// the rootfs.
const DBFile = "var/lib/gproot/fakeid.log"

// dbMagic is the first line of a database file.
const dbMagic = "gproot-fakeid 1"

// Key identifies a file while gproot runs: its device and inode numbers.
type Key struct{ Dev, Ino uint64 }

// Record is what a faked identity changed on one file and the kernel did
// not (or was not asked to) apply.
type Record struct {
	// Path locates the file across runs: relative to the rootfs for files
	// in it (only those are saved), else an absolute host path.
	Path string
	// UID and GID are the owner shown, Keep for the file's own.
	UID, GID uint32
	// Mode, if HasMode, replaces the permission bits (07777) shown.
	Mode    uint32
	HasMode bool
	// Type, if not 0, replaces the file type (S_IFCHR, S_IFBLK) of a
	// device node created as a regular file; Rdev is its device number.
	Type uint32
	Rdev uint64
}

func (r *Record) empty() bool { return r.UID == Keep && r.GID == Keep && !r.HasMode && r.Type == 0 }

// DB holds the records of one run, by file, and appends every change to
// the rootfs's log so that later runs see them.
//
// The log (DBFile) is a text file: a first line "gproot-fakeid 1", then
// one line per change, fields separated by one space, the path last and
// quoted as a Go string:
//
//	set UID GID MODE TYPE RDEV PATH   the whole record of PATH (UID, GID: -1 for
//	                                  the file's own; MODE: octal, - for the file's
//	                                  own; TYPE: c, b or -; RDEV: decimal)
//	del PATH                          PATH has no record any more
//	mv OLD NEW                        OLD and every path below it moved to NEW
//
// Each change is one write(2) of one line in O_APPEND mode, so a crash
// loses at most the line being written, which the reader skips. When no
// other gproot uses the log (an flock(2) on it), a run rewrites it
// compacted, to a temporary file then renamed over it.
type DB struct {
	root  string // host path of the rootfs, "" for no saving
	byKey map[Key]*Record
	log   *os.File
	// Err is the first error writing the log; later changes stay in memory.
	Err error
}

// Stat is the part of a file's status that faked identities change.
type Stat struct {
	Dev, Ino uint64
	Mode     uint32 // type and permission bits
	UID, GID uint32
	Rdev     uint64
	Nlink    uint64
}

// NewMemDB returns a database of the rootfs at root ("" for none) that
// saves nothing.
func NewMemDB(root string) *DB {
	if root != "" {
		root = filepath.Clean(root)
	}
	return &DB{root: root, byKey: map[Key]*Record{}}
}

// Unsaved is the number of records of files in the rootfs that are not in
// its log: all of them for a NewMemDB.
func (db *DB) Unsaved() int {
	if db.log != nil {
		return 0
	}
	n := 0
	for _, r := range db.byKey {
		if r.Path != "" && !strings.HasPrefix(r.Path, "/") {
			n++
		}
	}
	return n
}

// OpenDB opens (creating it if needed) the log of the rootfs at root and
// loads its records; files that are gone are dropped. The log is
// compacted first when no other gproot holds it.
func OpenDB(root string) (*DB, error) {
	root = filepath.Clean(root)
	p := filepath.Join(root, DBFile)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil, fmt.Errorf("fake ownership database: %w", err)
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("fake ownership database: %w", err)
	}
	db := &DB{root: root, byKey: map[Key]*Record{}, log: f}
	// Shared while running; exclusive (not waiting) to compact.
	exclusive := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) == nil
	if !exclusive {
		if err := unix.Flock(int(f.Fd()), unix.LOCK_SH); err != nil {
			f.Close()
			return nil, fmt.Errorf("fake ownership database %s: flock: %w", p, err)
		}
	}
	recs, lines, err := readLog(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("fake ownership database %s: %w", p, err)
	}
	for path, r := range recs {
		var st unix.Stat_t
		if unix.Lstat(filepath.Join(root, path), &st) != nil {
			delete(recs, path)
			continue
		}
		db.byKey[Key{st.Dev, st.Ino}] = r
	}
	if exclusive {
		if lines == 0 || lines > len(recs) {
			if err := db.rewrite(recs); err != nil {
				f.Close()
				return nil, err
			}
		}
		unix.Flock(int(db.log.Fd()), unix.LOCK_SH)
	}
	return db, nil
}

// Close closes the log.
func (db *DB) Close() error {
	if db.log == nil {
		return nil
	}
	err := db.log.Close()
	db.log = nil
	return err
}

// Len is the number of records.
func (db *DB) Len() int { return len(db.byKey) }

// Lookup returns the record of a file, nil if it has none.
func (db *DB) Lookup(k Key) *Record { return db.byKey[k] }

// Path turns a host path into a record path.
func (db *DB) Path(host string) string {
	if db.root != "" {
		if rel, ok := strings.CutPrefix(host, db.root+"/"); ok {
			return rel
		}
		if db.root == "/" && strings.HasPrefix(host, "/") {
			return host[1:]
		}
	}
	return host
}

// saved says whether a record path is saved in the log.
func (db *DB) saved(path string) bool {
	return db.log != nil && path != "" && !strings.HasPrefix(path, "/")
}

// Update changes the record of the file k at host path host with f, and
// drops it if nothing is left to fake.
func (db *DB) Update(k Key, host string, f func(r *Record)) {
	r := db.byKey[k]
	if r == nil {
		r = &Record{UID: Keep, GID: Keep}
	}
	before := *r
	if host != "" {
		r.Path = db.Path(host)
	}
	f(r)
	if r.empty() {
		db.Remove(k)
		return
	}
	db.byKey[k] = r
	if *r != before && db.saved(r.Path) {
		db.append(setLine(r))
	}
}

// Remove drops the record of k, if any: the file was removed.
func (db *DB) Remove(k Key) {
	r := db.byKey[k]
	if r == nil {
		return
	}
	delete(db.byKey, k)
	if db.saved(r.Path) {
		db.append("del " + strconv.Quote(r.Path))
	}
}

// Moved renames the records of the file (and, for a directory, of
// everything below it) at host path oldHost to newHost.
func (db *DB) Moved(oldHost, newHost string) {
	oldP, newP := db.Path(oldHost), db.Path(newHost)
	var moved []*Record
	var olds []string
	for _, r := range db.byKey {
		if rest, ok := under(r.Path, oldP); ok {
			olds = append(olds, r.Path)
			r.Path = newP + rest
			moved = append(moved, r)
		}
	}
	switch {
	case len(moved) == 0:
	case db.saved(oldP) && db.saved(newP):
		db.append("mv " + strconv.Quote(oldP) + " " + strconv.Quote(newP))
	default: // in or out of the rootfs
		db.logMoved(olds, moved)
	}
}

// logMoved logs records that moved from the paths olds: the old paths
// are deleted first, since a new path may be another record's old one.
func (db *DB) logMoved(olds []string, moved []*Record) {
	for _, o := range olds {
		if db.saved(o) {
			db.append("del " + strconv.Quote(o))
		}
	}
	for _, r := range moved {
		if db.saved(r.Path) {
			db.append(setLine(r))
		}
	}
}

func setLine(r *Record) string {
	mode, typ := "-", "-"
	if r.HasMode {
		mode = strconv.FormatUint(uint64(r.Mode), 8)
	}
	switch r.Type {
	case unix.S_IFCHR:
		typ = "c"
	case unix.S_IFBLK:
		typ = "b"
	}
	return fmt.Sprintf("set %d %d %s %s %d %s", idField(r.UID), idField(r.GID), mode, typ, r.Rdev, strconv.Quote(r.Path))
}

func idField(id uint32) int64 {
	if id == Keep {
		return -1
	}
	return int64(id)
}

func (db *DB) append(line string) {
	if db.log == nil || db.Err != nil {
		return
	}
	if _, err := db.log.Write([]byte(line + "\n")); err != nil {
		db.Err = fmt.Errorf("fake ownership database: %w", err)
	}
}

// rewrite replaces the log by one set line per record: a temporary file
// beside it, renamed over it, then reopened.
func (db *DB) rewrite(recs map[string]*Record) error {
	p := filepath.Join(db.root, DBFile)
	var b bytes.Buffer
	b.WriteString(dbMagic + "\n")
	paths := make([]string, 0, len(recs))
	for path := range recs {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		b.WriteString(setLine(recs[path]) + "\n")
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".fakeid-*.tmp")
	if err != nil {
		return fmt.Errorf("fake ownership database: %w", err)
	}
	_, err = tmp.Write(b.Bytes())
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("fake ownership database: %w", err)
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("fake ownership database: %w", err)
	}
	// The old file's lock goes with it; take the new one's.
	unix.Flock(int(f.Fd()), unix.LOCK_EX)
	db.log.Close()
	db.log = f
	return nil
}

// readLog replays a log: the records by path, and the number of change
// lines read. A torn last line is ignored; a file of another format is
// an error.
func readLog(r io.Reader) (map[string]*Record, int, error) {
	recs := map[string]*Record{}
	br := bufio.NewReader(r)
	lines := 0
	for first := true; ; first = false {
		line, err := br.ReadString('\n')
		if err == io.EOF {
			return recs, lines, nil // "" or a torn line
		}
		if err != nil {
			return nil, 0, err
		}
		line = strings.TrimSuffix(line, "\n")
		if first {
			if line != dbMagic {
				return nil, 0, fmt.Errorf("not a gproot fake ownership log (first line %q, want %q)", line, dbMagic)
			}
			continue
		}
		lines++
		if err := replay(recs, line); err != nil {
			return nil, 0, fmt.Errorf("line %d: %w", lines+1, err)
		}
	}
}

var errBadLine = errors.New("malformed line")

func replay(recs map[string]*Record, line string) error {
	verb, rest, _ := strings.Cut(line, " ")
	switch verb {
	case "set":
		f := strings.SplitN(rest, " ", 6)
		if len(f) != 6 {
			return errBadLine
		}
		uid, err1 := strconv.ParseInt(f[0], 10, 64)
		gid, err2 := strconv.ParseInt(f[1], 10, 64)
		rdev, err3 := strconv.ParseUint(f[4], 10, 64)
		path, err4 := strconv.Unquote(f[5])
		if err := errors.Join(err1, err2, err3, err4); err != nil {
			return errBadLine
		}
		r := &Record{Path: path, UID: uint32(uid), GID: uint32(gid), Rdev: rdev}
		if f[2] != "-" {
			m, err := strconv.ParseUint(f[2], 8, 32)
			if err != nil {
				return errBadLine
			}
			r.Mode, r.HasMode = uint32(m)&07777, true
		}
		switch f[3] {
		case "c":
			r.Type = unix.S_IFCHR
		case "b":
			r.Type = unix.S_IFBLK
		case "-":
		default:
			return errBadLine
		}
		recs[path] = r
	case "del":
		path, err := strconv.Unquote(rest)
		if err != nil {
			return errBadLine
		}
		delete(recs, path)
	case "mv":
		oldQ, newQ, ok := cutQuoted(rest)
		if !ok {
			return errBadLine
		}
		var moved []*Record
		for p, r := range recs {
			if tail, ok := under(p, oldQ); ok {
				delete(recs, p)
				r.Path = newQ + tail
				moved = append(moved, r)
			}
		}
		for _, r := range moved {
			recs[r.Path] = r
		}
	default:
		return errBadLine
	}
	return nil
}

// cutQuoted splits two space-separated Go-quoted strings.
func cutQuoted(s string) (a, b string, ok bool) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil || len(s) <= len(q) || s[len(q)] != ' ' {
		return "", "", false
	}
	a, err1 := strconv.Unquote(q)
	b, err2 := strconv.Unquote(s[len(q)+1:])
	return a, b, err1 == nil && err2 == nil
}

// under says whether path is p or below it, and returns the rest.
func under(path, p string) (string, bool) {
	rest, ok := strings.CutPrefix(path, p)
	return rest, ok && (rest == "" || rest[0] == '/')
}

// Exchanged swaps the records at (and below) two host paths, which
// renameat2(RENAME_EXCHANGE) swapped.
func (db *DB) Exchanged(a, b string) {
	pa, pb := db.Path(a), db.Path(b)
	var moved []*Record
	var olds []string
	for _, r := range db.byKey {
		old := r.Path
		if rest, ok := under(old, pa); ok {
			r.Path = pb + rest
		} else if rest, ok := under(old, pb); ok {
			r.Path = pa + rest
		} else {
			continue
		}
		olds = append(olds, old)
		moved = append(moved, r)
	}
	db.logMoved(olds, moved)
}

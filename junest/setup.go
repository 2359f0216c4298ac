package junest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// SetupOptions are setup's: -i, -a.
type SetupOptions struct {
	// FromFile is -i's image; "" downloads junest-ARCH.tar.gz.
	FromFile string
	// Arch is -a's architecture; "" is the host's.
	Arch string
}

// Setup installs an image into JUNEST_HOME: the file of -i, or one
// downloaded from the repository (JUNEST_REPO). It unpacks into a
// temporary directory beside JUNEST_HOME and renames that into place only
// when all went well, so a failed or interrupted setup leaves JUNEST_HOME
// as it was. ctx interrupts it (the caller cancels it on SIGINT).
func (e *Env) Setup(ctx context.Context, o SetupOptions) error {
	arch := o.Arch
	if arch == "" {
		arch = HostArch()
	}
	if !slices.Contains(Archs, arch) {
		return errorf(ExitArchUnknown, "-a %s: unknown architecture; JuNest images exist for %s", arch, strings.Join(Archs, ", "))
	}
	if fi, err := os.Lstat(e.Home); err == nil && !fi.IsDir() {
		return fmt.Errorf("JUNEST_HOME %s exists and is not a directory: move it away, or choose another JUNEST_HOME", e.Home)
	}
	if e.Installed() {
		return fmt.Errorf("JuNest is already installed in %s: delete it first with 'junest setup -d', or choose another JUNEST_HOME", e.Home)
	}
	var src io.Reader
	var verify func() error
	if o.FromFile != "" {
		f, err := os.Open(o.FromFile)
		if errors.Is(err, os.ErrNotExist) {
			return errorf(ExitNoFile, "image %s does not exist: give the path of a junest-ARCH.tar.gz with -i", o.FromFile)
		}
		if err != nil {
			return fmt.Errorf("image %s: %w", o.FromFile, err)
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil && st.IsDir() {
			return errorf(ExitNoFile, "image %s is a directory: give the path of a junest-ARCH.tar.gz with -i", o.FromFile)
		}
		e.info("installing JuNest from %s into %s", o.FromFile, e.Home)
		src = f
	} else {
		body, check, err := e.download(ctx, arch)
		if err != nil {
			return err
		}
		defer body.Close()
		src, verify = body, check
	}

	parent := filepath.Dir(e.Home)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("JUNEST_HOME's parent %s: %w", parent, err)
	}
	prefix := "." + filepath.Base(e.Home) + ".setup-"
	removeStale(parent, prefix)
	tmp, err := os.MkdirTemp(parent, prefix+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return fmt.Errorf("temporary directory beside %s: %w", e.Home, err)
	}
	done := false
	defer func() {
		if !done {
			removeTree(tmp)
		}
	}()
	stats, err := Unpack(ctx, src, tmp)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("setup interrupted: %s left as it was", e.Home)
		}
		what := o.FromFile
		if what == "" {
			what = "the downloaded image"
		}
		return fmt.Errorf("cannot unpack %s: %w", what, err)
	}
	if verify != nil {
		if err := verify(); err != nil {
			return err
		}
	}
	imgArch, err := ImageArch(tmp)
	if err != nil {
		return fmt.Errorf("the image's %s: %w", InfoFile, err)
	}
	if imgArch != arch && o.Arch == "" {
		return errorf(ExitArchMismatch, "the image is for %s, this host is %s: give -a %s to install it anyway (it then runs through QEMU)", imgArch, arch, imgArch)
	}
	if imgArch != arch {
		return errorf(ExitArchMismatch, "-a %s, but the image is for %s", arch, imgArch)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	// An empty JUNEST_HOME counts as not installed: it is replaced.
	if err := os.Remove(e.Home); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("JUNEST_HOME %s: %w", e.Home, err)
	}
	if err := os.Rename(tmp, e.Home); err != nil {
		return fmt.Errorf("moving the image into %s: %w", e.Home, err)
	}
	done = true
	if stats.Devices > 0 {
		e.warn("%d device files of the image were not made: that needs root (the guest's /dev is the host's)", stats.Devices)
	}
	e.info("JuNest installed successfully in %s (%d files)", e.Home, stats.Entries)
	return nil
}

// removeStale removes what setups killed before they could clean up left
// beside JUNEST_HOME: PREFIX-PID-* directories of processes that are gone.
func removeStale(parent, prefix string) {
	ents, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, ent := range ents {
		rest, ok := strings.CutPrefix(ent.Name(), prefix)
		if !ok || !ent.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		removeTree(filepath.Join(parent, ent.Name()))
	}
}

// removeTree removes a directory tree even where the image made parts of
// it read-only.
func removeTree(dir string) error {
	if err := os.RemoveAll(dir); err == nil {
		return nil
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

// imageName is the file name of an architecture's image in the repository.
func imageName(arch string) string { return "junest-" + arch + ".tar.gz" }

// client is the HTTP client of downloads: no overall timeout (images are
// large), but a connection that says nothing for a minute fails.
var client = &http.Client{Transport: &http.Transport{
	Proxy:                 http.ProxyFromEnvironment,
	ResponseHeaderTimeout: time.Minute,
	TLSHandshakeTimeout:   30 * time.Second,
}}

// download opens the image of arch from the repository and returns its
// body, with progress shown as it is read, and a function that checks the
// SHA-256 of what was read against the checksum the repository publishes
// beside the image (IMAGE.sha256), if it publishes one.
func (e *Env) download(ctx context.Context, arch string) (io.ReadCloser, func() error, error) {
	url := e.Repo + "/" + imageName(arch)
	want, err := e.fetchChecksum(ctx, url+".sha256")
	if err != nil {
		return nil, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("download %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("download %s: %w (check the network, or set JUNEST_REPO, or use 'junest setup -i FILE')", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, nil, fmt.Errorf("download %s: %s (is -a %s right? set JUNEST_REPO for another repository)", url, resp.Status, arch)
	}
	e.info("downloading %s", url)
	h := sha256.New()
	p := &progress{w: e.Stderr, total: resp.ContentLength, bar: e.Interactive, start: time.Now()}
	body := &readCloser{Reader: io.TeeReader(io.TeeReader(resp.Body, h), p), Closer: resp.Body}
	check := func() error {
		p.finish()
		// The unpacker may stop before the archive's trailing padding:
		// the checksum is of the whole file.
		if _, err := io.Copy(io.MultiWriter(h, p), resp.Body); err != nil {
			return fmt.Errorf("download %s: %w", url, err)
		}
		if resp.ContentLength >= 0 && p.n != resp.ContentLength {
			return fmt.Errorf("download %s: got %d of %d bytes: the connection was cut; run 'junest setup' again", url, p.n, resp.ContentLength)
		}
		if want == "" {
			e.info("the repository publishes no checksum for %s: not verified", imageName(arch))
			return nil
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != want {
			return fmt.Errorf("download %s: SHA-256 %s, but the repository says %s: the image is corrupt or was changed; nothing installed", url, got, want)
		}
		e.info("checksum verified (SHA-256 %s)", want)
		return nil
	}
	return body, check, nil
}

// fetchChecksum reads a sha256sum(1) file: "" if the repository has none
// (404).
func (e *Env) fetchChecksum(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("download %s: %w (check the network, or set JUNEST_REPO, or use 'junest setup -i FILE')", url, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusForbidden:
		return "", nil
	default:
		return "", fmt.Errorf("download %s: %s", url, resp.Status)
	}
	line, err := bufio.NewReader(io.LimitReader(resp.Body, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("download %s: %w", url, err)
	}
	sum := strings.ToLower(strings.Fields(line + " x")[0])
	if len(sum) != 64 || strings.Trim(sum, "0123456789abcdef") != "" {
		return "", fmt.Errorf("%s is not a sha256sum(1) line: %q", url, strings.TrimSpace(line))
	}
	return sum, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// progress shows a download's progress: a bar redrawn in place on a
// terminal, else a line every 10%.
type progress struct {
	w      io.Writer
	total  int64
	n      int64
	bar    bool
	start  time.Time
	last   time.Time
	lastPc int64
	done   bool
}

func (p *progress) Write(b []byte) (int, error) {
	p.n += int64(len(b))
	if p.done {
		return len(b), nil
	}
	now := time.Now()
	switch {
	case p.bar && now.Sub(p.last) >= 200*time.Millisecond:
		p.last = now
		p.draw()
	case !p.bar && p.total > 0:
		if pc := p.n * 100 / p.total; pc/10 > p.lastPc/10 {
			p.lastPc = pc
			fmt.Fprintf(p.w, "junest: downloaded %d%% (%s of %s)\n", pc, mib(p.n), mib(p.total))
		}
	}
	return len(b), nil
}

func (p *progress) draw() {
	const width = 40
	if p.total <= 0 {
		fmt.Fprintf(p.w, "\r%s", mib(p.n))
		return
	}
	fill := int(p.n * width / p.total)
	if fill > width {
		fill = width
	}
	rate := float64(p.n) / time.Since(p.start).Seconds()
	fmt.Fprintf(p.w, "\r[%s%s] %3d%% %s/%s %s/s ", strings.Repeat("#", fill), strings.Repeat(" ", width-fill), p.n*100/p.total, mib(p.n), mib(p.total), mib(int64(rate)))
}

func (p *progress) finish() {
	if p.bar && !p.done {
		p.draw()
		fmt.Fprintln(p.w)
	}
	p.done = true
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// Delete removes JUNEST_HOME after asking on a terminal (unless yes). It
// refuses while anything is mounted inside it (a groot session still
// running, or one killed before it unmounted).
func (e *Env) Delete(yes bool) error {
	if _, err := os.Lstat(e.Home); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("nothing to delete: %s does not exist", e.Home)
	}
	if m, err := mountsUnder(e.Home); err != nil {
		return err
	} else if len(m) > 0 {
		return fmt.Errorf("%s still has mounts inside (%s): end the JuNest sessions using it, or unmount them as root, then delete again", e.Home, strings.Join(m, ", "))
	}
	if !yes {
		// As upstream, the answer is read from stdin whether or not it
		// is a terminal, and anything but yes keeps JuNest: `echo n |`
		// and `</dev/null` delete nothing, `yes |` deletes.
		fmt.Fprintf(e.Stderr, "Are you sure to delete JuNest located in %s? (y/N)> ", e.Home)
		answer, _ := bufio.NewReader(e.Stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			e.info("not deleted")
			return nil
		}
	}
	if err := removeTree(e.Home); err != nil {
		return fmt.Errorf("cannot delete %s: %w (files of root in it? try as root)", e.Home, err)
	}
	e.info("JuNest deleted in %s", e.Home)
	return nil
}

// mountsUnder lists the mount points at or below dir, from
// /proc/self/mountinfo.
func mountsUnder(dir string) ([]string, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("cannot tell what is mounted (%w): is /proc mounted?", err)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		real = dir
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMount(f[4])
		if mp == real || strings.HasPrefix(mp, real+"/") {
			out = append(out, mp)
		}
	}
	return out, nil
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v byte
			ok := true
			for _, c := range s[i+1 : i+4] {
				if c < '0' || c > '7' {
					ok = false
					break
				}
				v = v*8 + byte(c-'0')
			}
			if ok {
				b.WriteByte(v)
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

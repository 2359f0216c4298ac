package syscalls

// utsFieldLen is the size of each field of struct utsname
// (__NEW_UTS_LEN + 1, include/uapi/linux/utsname.h); release is the third
// field, after sysname and nodename.
const (
	utsFieldLen  = 65
	utsReleaseAt = 2 * utsFieldLen
)

// exitUname makes uname(2) (buf 0) report the kernel release given with
// -k, as proot's -k does: glibc and programs that refuse "too old" a
// kernel read it there.
func exitUname(c Call, r *Row) error {
	release := c.Proc().KernelRelease()
	if c.Result() != 0 || release == "" {
		return nil
	}
	var field [utsFieldLen]byte
	copy(field[:utsFieldLen-1], release)
	_ = c.Write(c.Arg(0)+utsReleaseAt, field[:])
	return nil
}

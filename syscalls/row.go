package syscalls

import "golang.org/x/sys/unix"

// Follow says how the last component of a path argument is treated when it
// is a symlink.
type Follow uint8

const (
	// Always follows it (stat(2), open(2) without O_NOFOLLOW, chdir(2)...).
	Always Follow = iota
	// Never follows it (lstat(2), unlink(2), mkdir(2), rename(2)...).
	Never
	// UnlessFlag follows it unless the flags argument has Row.Flag set
	// (AT_SYMLINK_NOFOLLOW, IN_DONT_FOLLOW, UMOUNT_NOFOLLOW...).
	UnlessFlag
	// IfFlag follows it only if the flags argument has Row.Flag set
	// (AT_SYMLINK_FOLLOW of linkat(2) and name_to_handle_at(2)).
	IfFlag
	// OpenFlags follows the rule of open(2): not with O_NOFOLLOW, nor with
	// O_CREAT|O_EXCL ("symbolic links are not followed").
	OpenFlags
)

// PathArg is one path argument: its position, the position of its dirfd
// (-1: AT_FDCWD) and its follow rule.
type PathArg struct {
	Dir, Path int8
	Follow    Follow
	// NullOK: a NULL pointer is valid and means "no path" (utimensat(2),
	// acct(2), fanotify_mark(2)).
	NullOK bool
	// Flag and EmptyPath, when not zero, replace the row's for this
	// path: move_mount(2) has a pair for each of its two paths.
	Flag, EmptyPath uint64
}

// Row is what gproot does with one syscall.
type Row struct {
	Paths []PathArg
	// FlagArg is the position of the flags argument (-1: none); Flag is the
	// bit the follow rule tests; EmptyPath is the bit that lets an empty
	// path mean the dirfd itself (AT_EMPTY_PATH), 0 if none.
	FlagArg   int8
	Flag      uint64
	EmptyPath uint64
	// Enter runs at the entry stop (nil: translate Paths); Exit, if not
	// nil, runs at the exit stop with the kernel's result.
	// When is the feature a row needs to be traced at all (0: always).
	When Feature
	// FakeEnter, when identities are faked (-0, -i), replaces the entry
	// handling; FakeExit is then the exit handler, run if FakeEnter asked
	// for an exit stop (NeedExit).
	FakeEnter, FakeExit func(c Call, r *Row) error
	// At marks the *at variant of a call that has its own handler
	// (readlinkat, execveat): arguments move by one.
	At    bool
	Enter func(c Call, r *Row) error
	Exit  func(c Call, r *Row) error
}

func p(path int8, f Follow) PathArg       { return PathArg{Dir: -1, Path: path, Follow: f} }
func at(dir, path int8, f Follow) PathArg { return PathArg{Dir: dir, Path: path, Follow: f} }
func atNull(dir, path int8, f Follow) PathArg {
	return PathArg{Dir: dir, Path: path, Follow: f, NullOK: true}
}

// Rows is the handling of every traced syscall, by Sysno. Calls without a
// row run untouched: the seccomp filter does not even stop them.
var Rows = [numSysno]*Row{
	SysOpen:       {Paths: []PathArg{p(0, OpenFlags)}, FlagArg: 1, FakeEnter: fakeEnterCreate, FakeExit: fakeExitCreate},
	SysCreat:      {Paths: []PathArg{p(0, Always)}, FlagArg: -1, FakeEnter: fakeEnterCreate, FakeExit: fakeExitCreate},
	SysOpenat:     {Paths: []PathArg{at(0, 1, OpenFlags)}, FlagArg: 2, FakeEnter: fakeEnterCreate, FakeExit: fakeExitCreate},
	SysOpenat2:    {Paths: []PathArg{at(0, 1, OpenFlags)}, FlagArg: -1, Enter: enterOpenat2, FakeEnter: fakeEnterCreate, FakeExit: fakeExitCreate},
	SysAccess:     {Paths: []PathArg{p(0, Always)}, FlagArg: -1, FakeEnter: fakeEnterAccess},
	SysFaccessat:  {Paths: []PathArg{at(0, 1, Always)}, FlagArg: -1, FakeEnter: fakeEnterAccess},
	SysFaccessat2: {Paths: []PathArg{at(0, 1, UnlessFlag)}, FlagArg: 3, Flag: unix.AT_SYMLINK_NOFOLLOW, EmptyPath: unix.AT_EMPTY_PATH, FakeEnter: fakeEnterAccess},
	SysStat:       {Paths: []PathArg{p(0, Always)}, FlagArg: -1, FakeEnter: fakeEnterStat},
	SysLstat:      {Paths: []PathArg{p(0, Never)}, FlagArg: -1, FakeEnter: fakeEnterStat},
	SysNewfstatat: {Paths: []PathArg{at(0, 1, UnlessFlag)}, FlagArg: 3, Flag: unix.AT_SYMLINK_NOFOLLOW, EmptyPath: unix.AT_EMPTY_PATH, FakeEnter: fakeEnterStat},
	SysStatx:      {Paths: []PathArg{at(0, 1, UnlessFlag)}, FlagArg: 2, Flag: unix.AT_SYMLINK_NOFOLLOW, EmptyPath: unix.AT_EMPTY_PATH, FakeEnter: fakeEnterStatx},
	SysStatfs:     {Paths: []PathArg{p(0, Always)}, FlagArg: -1},
	SysChdir:      {Paths: []PathArg{p(0, Always)}, FlagArg: -1},
	SysChroot:     {Paths: []PathArg{p(0, Always)}, FlagArg: -1, Enter: enterChroot},
	SysMkdir:      {Paths: []PathArg{p(0, Never)}, FlagArg: -1, FakeEnter: fakeEnterCreate, FakeExit: fakeExitCreate},
	SysMkdirat:    {Paths: []PathArg{at(0, 1, Never)}, FlagArg: -1, FakeEnter: fakeEnterCreate, FakeExit: fakeExitCreate},
	SysMknod:      {Paths: []PathArg{p(0, Never)}, FlagArg: -1, FakeEnter: fakeEnterMknod, FakeExit: fakeExitMknod},
	SysMknodat:    {Paths: []PathArg{at(0, 1, Never)}, FlagArg: -1, FakeEnter: fakeEnterMknod, FakeExit: fakeExitMknod},
	SysRmdir:      {Paths: []PathArg{p(0, Never)}, FlagArg: -1, FakeEnter: fakeEnterUnlink, FakeExit: fakeExitUnlink},
	SysUnlink:     {Paths: []PathArg{p(0, Never)}, FlagArg: -1, FakeEnter: fakeEnterUnlink, FakeExit: fakeExitUnlink},
	SysUnlinkat:   {Paths: []PathArg{at(0, 1, Never)}, FlagArg: -1, FakeEnter: fakeEnterUnlink, FakeExit: fakeExitUnlink},
	SysRename:     {Paths: []PathArg{p(0, Never), p(1, Never)}, FlagArg: -1, FakeEnter: fakeEnterRename, FakeExit: fakeExitRename},
	SysRenameat:   {Paths: []PathArg{at(0, 1, Never), at(2, 3, Never)}, FlagArg: -1, FakeEnter: fakeEnterRename, FakeExit: fakeExitRename},
	SysRenameat2:  {Paths: []PathArg{at(0, 1, Never), at(2, 3, Never)}, FlagArg: -1, FakeEnter: fakeEnterRename, FakeExit: fakeExitRename},
	SysLink:       {Paths: []PathArg{p(0, Never), p(1, Never)}, FlagArg: -1},
	SysLinkat:     {Paths: []PathArg{at(0, 1, IfFlag), at(2, 3, Never)}, FlagArg: 4, Flag: unix.AT_SYMLINK_FOLLOW, EmptyPath: unix.AT_EMPTY_PATH},
	// symlink(2): the target is the link's content and is kept as is; an
	// absolute one is resolved in the guest's view when followed.
	SysSymlink:         {Paths: []PathArg{p(1, Never)}, FlagArg: -1, FakeEnter: fakeEnterCreate, FakeExit: fakeExitCreate},
	SysSymlinkat:       {Paths: []PathArg{at(1, 2, Never)}, FlagArg: -1, FakeEnter: fakeEnterCreate, FakeExit: fakeExitCreate},
	SysReadlink:        {Paths: []PathArg{p(0, Never)}, FlagArg: -1, Enter: enterReadlink},
	SysReadlinkat:      {Paths: []PathArg{at(0, 1, Never)}, FlagArg: -1, At: true, Enter: enterReadlink},
	SysChmod:           {Paths: []PathArg{p(0, Always)}, FlagArg: -1, FakeEnter: fakeEnterChmod},
	SysFchmodat:        {Paths: []PathArg{at(0, 1, Always)}, FlagArg: -1, FakeEnter: fakeEnterChmod},
	SysFchmodat2:       {Paths: []PathArg{at(0, 1, UnlessFlag)}, FlagArg: 3, Flag: unix.AT_SYMLINK_NOFOLLOW, EmptyPath: unix.AT_EMPTY_PATH, FakeEnter: fakeEnterChmod},
	SysChown:           {Paths: []PathArg{p(0, Always)}, FlagArg: -1, FakeEnter: fakeEnterChown},
	SysLchown:          {Paths: []PathArg{p(0, Never)}, FlagArg: -1, FakeEnter: fakeEnterChown},
	SysFchownat:        {Paths: []PathArg{at(0, 1, UnlessFlag)}, FlagArg: 4, Flag: unix.AT_SYMLINK_NOFOLLOW, EmptyPath: unix.AT_EMPTY_PATH, FakeEnter: fakeEnterChown},
	SysTruncate:        {Paths: []PathArg{p(0, Always)}, FlagArg: -1},
	SysUtime:           {Paths: []PathArg{p(0, Always)}, FlagArg: -1},
	SysUtimes:          {Paths: []PathArg{p(0, Always)}, FlagArg: -1},
	SysUtimensat:       {Paths: []PathArg{atNull(0, 1, UnlessFlag)}, FlagArg: 3, Flag: unix.AT_SYMLINK_NOFOLLOW, EmptyPath: unix.AT_EMPTY_PATH},
	SysFutimesat:       {Paths: []PathArg{atNull(0, 1, Always)}, FlagArg: -1},
	SysExecve:          {Paths: []PathArg{p(0, Always)}, FlagArg: -1, Enter: enterExecve},
	SysExecveat:        {Paths: []PathArg{at(0, 1, UnlessFlag)}, FlagArg: 4, Flag: unix.AT_SYMLINK_NOFOLLOW, EmptyPath: unix.AT_EMPTY_PATH, At: true, Enter: enterExecve},
	SysSetxattr:        {Paths: []PathArg{p(0, Always)}, FlagArg: -1, FakeEnter: fakeEnterSetxattr, FakeExit: fakeExitSetxattr},
	SysLsetxattr:       {Paths: []PathArg{p(0, Never)}, FlagArg: -1, FakeEnter: fakeEnterSetxattr, FakeExit: fakeExitSetxattr},
	SysGetxattr:        {Paths: []PathArg{p(0, Always)}, FlagArg: -1},
	SysLgetxattr:       {Paths: []PathArg{p(0, Never)}, FlagArg: -1},
	SysListxattr:       {Paths: []PathArg{p(0, Always)}, FlagArg: -1},
	SysLlistxattr:      {Paths: []PathArg{p(0, Never)}, FlagArg: -1},
	SysRemovexattr:     {Paths: []PathArg{p(0, Always)}, FlagArg: -1},
	SysLremovexattr:    {Paths: []PathArg{p(0, Never)}, FlagArg: -1},
	SysInotifyAddWatch: {Paths: []PathArg{p(1, UnlessFlag)}, FlagArg: 2, Flag: unix.IN_DONT_FOLLOW},
	SysFanotifyMark:    {Paths: []PathArg{atNull(3, 4, UnlessFlag)}, FlagArg: 1, Flag: unix.FAN_MARK_DONT_FOLLOW},
	SysNameToHandleAt:  {Paths: []PathArg{at(0, 1, IfFlag)}, FlagArg: 4, Flag: unix.AT_SYMLINK_FOLLOW, EmptyPath: unix.AT_EMPTY_PATH},
	SysMount:           {Paths: []PathArg{p(1, Always)}, FlagArg: 3, Enter: enterMount},
	SysUmount2:         {Paths: []PathArg{p(0, UnlessFlag)}, FlagArg: 1, Flag: unix.UMOUNT_NOFOLLOW},
	SysPivotRoot:       {Paths: []PathArg{p(0, Always), p(1, Always)}, FlagArg: -1},
	SysSwapon:          {Paths: []PathArg{p(0, Always)}, FlagArg: -1},
	SysSwapoff:         {Paths: []PathArg{p(0, Always)}, FlagArg: -1},
	SysAcct:            {Paths: []PathArg{{Dir: -1, Path: 0, Follow: Always, NullOK: true}}, FlagArg: -1},
	SysUselib:          {Paths: []PathArg{p(0, Always)}, FlagArg: -1},
	SysOpenTree:        {Paths: []PathArg{at(0, 1, UnlessFlag)}, FlagArg: 2, Flag: unix.AT_SYMLINK_NOFOLLOW, EmptyPath: unix.AT_EMPTY_PATH},
	SysMountSetattr:    {Paths: []PathArg{at(0, 1, UnlessFlag)}, FlagArg: 2, Flag: unix.AT_SYMLINK_NOFOLLOW, EmptyPath: unix.AT_EMPTY_PATH},
	SysMoveMount: {Paths: []PathArg{
		{Dir: 0, Path: 1, Follow: IfFlag, Flag: unix.MOVE_MOUNT_F_SYMLINKS, EmptyPath: unix.MOVE_MOUNT_F_EMPTY_PATH},
		{Dir: 2, Path: 3, Follow: IfFlag, Flag: unix.MOVE_MOUNT_T_SYMLINKS, EmptyPath: unix.MOVE_MOUNT_T_EMPTY_PATH},
	}, FlagArg: 4},
	SysFspick:        {Paths: []PathArg{at(0, 1, UnlessFlag)}, FlagArg: 2, Flag: unix.FSPICK_SYMLINK_NOFOLLOW, EmptyPath: unix.FSPICK_EMPTY_PATH},
	SysQuotactl:      {Paths: []PathArg{{Dir: -1, Path: 1, Follow: Always, NullOK: true}}, FlagArg: -1},
	SysSetxattrat:    {Paths: []PathArg{at(0, 1, UnlessFlag)}, FlagArg: 2, Flag: unix.AT_SYMLINK_NOFOLLOW, EmptyPath: unix.AT_EMPTY_PATH, FakeEnter: fakeEnterSetxattr, FakeExit: fakeExitSetxattr},
	SysGetxattrat:    {Paths: []PathArg{at(0, 1, UnlessFlag)}, FlagArg: 2, Flag: unix.AT_SYMLINK_NOFOLLOW, EmptyPath: unix.AT_EMPTY_PATH},
	SysListxattrat:   {Paths: []PathArg{at(0, 1, UnlessFlag)}, FlagArg: 2, Flag: unix.AT_SYMLINK_NOFOLLOW, EmptyPath: unix.AT_EMPTY_PATH},
	SysRemovexattrat: {Paths: []PathArg{at(0, 1, UnlessFlag)}, FlagArg: 2, Flag: unix.AT_SYMLINK_NOFOLLOW, EmptyPath: unix.AT_EMPTY_PATH},
	SysUname:         {FlagArg: -1, When: FeatKernel, Enter: enterNeedExit, Exit: exitUname},
	SysFstat:         {FlagArg: -1, When: FeatFakeID, FakeEnter: fakeEnterStat},
	SysFchown:        {FlagArg: -1, When: FeatFakeID, FakeEnter: fakeEnterChown},
	SysFchmod:        {FlagArg: -1, When: FeatFakeID, FakeEnter: fakeEnterChmod},
	SysFsetxattr:     {FlagArg: -1, When: FeatFakeID, FakeEnter: fakeEnterSetxattr, FakeExit: fakeExitSetxattr},
	SysSethostname:   {FlagArg: -1, When: FeatFakeID, FakeEnter: fakeEnterSethostname},
	SysSetdomainname: {FlagArg: -1, When: FeatFakeID, FakeEnter: fakeEnterSethostname},
	SysGetuid:        {FlagArg: -1, When: FeatFakeID, FakeEnter: enterGetID},
	SysGeteuid:       {FlagArg: -1, When: FeatFakeID, FakeEnter: enterGetID},
	SysGetgid:        {FlagArg: -1, When: FeatFakeID, FakeEnter: enterGetID},
	SysGetegid:       {FlagArg: -1, When: FeatFakeID, FakeEnter: enterGetID},
	SysGetresuid:     {FlagArg: -1, When: FeatFakeID, FakeEnter: enterGetresID},
	SysGetresgid:     {FlagArg: -1, When: FeatFakeID, FakeEnter: enterGetresID},
	SysGetgroups:     {FlagArg: -1, When: FeatFakeID, FakeEnter: enterGetgroups},
	SysSetuid:        {FlagArg: -1, When: FeatFakeID, FakeEnter: enterSetID},
	SysSetgid:        {FlagArg: -1, When: FeatFakeID, FakeEnter: enterSetID},
	SysSetreuid:      {FlagArg: -1, When: FeatFakeID, FakeEnter: enterSetID},
	SysSetregid:      {FlagArg: -1, When: FeatFakeID, FakeEnter: enterSetID},
	SysSetresuid:     {FlagArg: -1, When: FeatFakeID, FakeEnter: enterSetID},
	SysSetresgid:     {FlagArg: -1, When: FeatFakeID, FakeEnter: enterSetID},
	SysSetfsuid:      {FlagArg: -1, When: FeatFakeID, FakeEnter: enterSetID},
	SysSetfsgid:      {FlagArg: -1, When: FeatFakeID, FakeEnter: enterSetID},
	SysSetgroups:     {FlagArg: -1, When: FeatFakeID, FakeEnter: enterSetgroups},
	SysCapget:        {FlagArg: -1, When: FeatFakeID, FakeEnter: enterCapget},
	SysCapset:        {FlagArg: -1, When: FeatFakeID, FakeEnter: enterCapset},
	SysGetcwd:        {FlagArg: -1, Enter: enterNeedExit, Exit: exitGetcwd},
	SysBind:          {FlagArg: -1, Enter: enterSockaddr(1, 2, false)},
	SysConnect:       {FlagArg: -1, Enter: enterSockaddr(1, 2, true)},
	SysSendto:        {FlagArg: -1, Enter: enterSockaddr(4, 5, true)},
	SysSendmsg:       {FlagArg: -1, Enter: enterSendmsg},
	SysAccept:        {FlagArg: -1, Enter: enterSockaddrLen(2), Exit: exitSockaddr(1, 2)},
	SysAccept4:       {FlagArg: -1, Enter: enterSockaddrLen(2), Exit: exitSockaddr(1, 2)},
	SysGetsockname:   {FlagArg: -1, Enter: enterSockaddrLen(2), Exit: exitSockaddr(1, 2)},
	SysGetpeername:   {FlagArg: -1, Enter: enterSockaddrLen(2), Exit: exitSockaddr(1, 2)},
	SysRecvfrom:      {FlagArg: -1, Enter: enterSockaddrLen(5), Exit: exitSockaddr(4, 5)},
	SysRecvmsg:       {FlagArg: -1, Enter: enterRecvmsg, Exit: exitRecvmsg},
}

// Feature is a set of options that make more syscalls need the tracer.
type Feature uint8

const (
	// FeatKernel: -k, a faked kernel release.
	FeatKernel Feature = 1 << iota
	// FeatFakeID: -0 or -i, faked identities.
	FeatFakeID
)

// Traced returns the syscalls the seccomp filter must send to the tracer
// in every run.
func Traced() []Sysno { return TracedWith(0) }

// TracedWith returns them, with the rows of the features on.
func TracedWith(on Feature) []Sysno {
	var out []Sysno
	for s, r := range Rows {
		if r != nil && r.When&^on == 0 {
			out = append(out, Sysno(s))
		}
	}
	return out
}

func enterNeedExit(c Call, r *Row) error { c.NeedExit(); return nil }

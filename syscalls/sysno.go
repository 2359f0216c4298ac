package syscalls

// Sysno is an architecture-neutral syscall number: an index into names.
// Only the calls gproot handles, or must know about, are listed.
type Sysno uint16

// The handled syscalls. Keep names in step: it gives each its kernel name.
const (
	SysNone Sysno = iota
	SysOpen
	SysCreat
	SysOpenat
	SysOpenat2
	SysAccess
	SysFaccessat
	SysFaccessat2
	SysStat
	SysLstat
	SysNewfstatat
	SysStatx
	SysStatfs
	SysChdir
	SysChroot
	SysMkdir
	SysMkdirat
	SysMknod
	SysMknodat
	SysRmdir
	SysUnlink
	SysUnlinkat
	SysRename
	SysRenameat
	SysRenameat2
	SysLink
	SysLinkat
	SysSymlink
	SysSymlinkat
	SysReadlink
	SysReadlinkat
	SysChmod
	SysFchmodat
	SysFchmodat2
	SysChown
	SysLchown
	SysFchownat
	SysTruncate
	SysUtime
	SysUtimes
	SysUtimensat
	SysFutimesat
	SysExecve
	SysExecveat
	SysSetxattr
	SysLsetxattr
	SysGetxattr
	SysLgetxattr
	SysListxattr
	SysLlistxattr
	SysRemovexattr
	SysLremovexattr
	SysInotifyAddWatch
	SysFanotifyMark
	SysNameToHandleAt
	SysMount
	SysUmount2
	SysPivotRoot
	SysSwapon
	SysSwapoff
	SysAcct
	SysUselib
	SysOpenTree
	SysMountSetattr
	SysGetcwd
	SysBind
	SysConnect
	SysSendto
	SysSendmsg
	SysAccept
	SysAccept4
	SysGetsockname
	SysGetpeername
	SysRecvfrom
	SysRecvmsg
	SysMmap
	SysMoveMount
	SysFspick
	SysQuotactl
	SysSetxattrat
	SysGetxattrat
	SysListxattrat
	SysRemovexattrat
	SysUname
	SysGetuid
	SysGeteuid
	SysGetgid
	SysGetegid
	SysGetresuid
	SysGetresgid
	SysGetgroups
	SysSetuid
	SysSetgid
	SysSetreuid
	SysSetregid
	SysSetresuid
	SysSetresgid
	SysSetfsuid
	SysSetfsgid
	SysSetgroups
	SysCapget
	SysFchown
	SysFstat
	SysFchmod
	SysFsetxattr
	SysSethostname
	SysSetdomainname
	SysCapset
	numSysno
)

var names = [numSysno]string{
	SysNone:            "",
	SysOpen:            "open",
	SysCreat:           "creat",
	SysOpenat:          "openat",
	SysOpenat2:         "openat2",
	SysAccess:          "access",
	SysFaccessat:       "faccessat",
	SysFaccessat2:      "faccessat2",
	SysStat:            "stat",
	SysLstat:           "lstat",
	SysNewfstatat:      "newfstatat",
	SysStatx:           "statx",
	SysStatfs:          "statfs",
	SysChdir:           "chdir",
	SysChroot:          "chroot",
	SysMkdir:           "mkdir",
	SysMkdirat:         "mkdirat",
	SysMknod:           "mknod",
	SysMknodat:         "mknodat",
	SysRmdir:           "rmdir",
	SysUnlink:          "unlink",
	SysUnlinkat:        "unlinkat",
	SysRename:          "rename",
	SysRenameat:        "renameat",
	SysRenameat2:       "renameat2",
	SysLink:            "link",
	SysLinkat:          "linkat",
	SysSymlink:         "symlink",
	SysSymlinkat:       "symlinkat",
	SysReadlink:        "readlink",
	SysReadlinkat:      "readlinkat",
	SysChmod:           "chmod",
	SysFchmodat:        "fchmodat",
	SysFchmodat2:       "fchmodat2",
	SysChown:           "chown",
	SysLchown:          "lchown",
	SysFchownat:        "fchownat",
	SysTruncate:        "truncate",
	SysUtime:           "utime",
	SysUtimes:          "utimes",
	SysUtimensat:       "utimensat",
	SysFutimesat:       "futimesat",
	SysExecve:          "execve",
	SysExecveat:        "execveat",
	SysSetxattr:        "setxattr",
	SysLsetxattr:       "lsetxattr",
	SysGetxattr:        "getxattr",
	SysLgetxattr:       "lgetxattr",
	SysListxattr:       "listxattr",
	SysLlistxattr:      "llistxattr",
	SysRemovexattr:     "removexattr",
	SysLremovexattr:    "lremovexattr",
	SysInotifyAddWatch: "inotify_add_watch",
	SysFanotifyMark:    "fanotify_mark",
	SysNameToHandleAt:  "name_to_handle_at",
	SysMount:           "mount",
	SysUmount2:         "umount2",
	SysPivotRoot:       "pivot_root",
	SysSwapon:          "swapon",
	SysSwapoff:         "swapoff",
	SysAcct:            "acct",
	SysUselib:          "uselib",
	SysOpenTree:        "open_tree",
	SysMountSetattr:    "mount_setattr",
	SysGetcwd:          "getcwd",
	SysBind:            "bind",
	SysConnect:         "connect",
	SysSendto:          "sendto",
	SysSendmsg:         "sendmsg",
	SysAccept:          "accept",
	SysAccept4:         "accept4",
	SysGetsockname:     "getsockname",
	SysGetpeername:     "getpeername",
	SysRecvfrom:        "recvfrom",
	SysRecvmsg:         "recvmsg",
	SysMmap:            "mmap",
	SysMoveMount:       "move_mount",
	SysFspick:          "fspick",
	SysQuotactl:        "quotactl",
	SysSetxattrat:      "setxattrat",
	SysGetxattrat:      "getxattrat",
	SysListxattrat:     "listxattrat",
	SysRemovexattrat:   "removexattrat",
	SysUname:           "uname",
	SysGetuid:          "getuid",
	SysGeteuid:         "geteuid",
	SysGetgid:          "getgid",
	SysGetegid:         "getegid",
	SysGetresuid:       "getresuid",
	SysGetresgid:       "getresgid",
	SysGetgroups:       "getgroups",
	SysSetuid:          "setuid",
	SysSetgid:          "setgid",
	SysSetreuid:        "setreuid",
	SysSetregid:        "setregid",
	SysSetresuid:       "setresuid",
	SysSetresgid:       "setresgid",
	SysSetfsuid:        "setfsuid",
	SysSetfsgid:        "setfsgid",
	SysSetgroups:       "setgroups",
	SysCapget:          "capget",
	SysFchown:          "fchown",
	SysFstat:           "fstat",
	SysFchmod:          "fchmod",
	SysFsetxattr:       "fsetxattr",
	SysSethostname:     "sethostname",
	SysSetdomainname:   "setdomainname",
	SysCapset:          "capset",
}

// String returns the kernel's name of the syscall.
func (s Sysno) String() string {
	if int(s) < len(names) {
		return names[s]
	}
	return "sysno(?)"
}

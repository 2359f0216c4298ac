// Package fakeid fakes the identities a guest sees (proot -0 and -i):
// each thread's credentials and the kernel's rules to change them
// (Creds: credentials(7), setresuid(2), capabilities(7)); the rules of
// chown(2), chmod(2) and access(2) for those credentials; and what a faked
// identity changed that the kernel refused or was never asked, remembered
// per file across runs (DB, Session). It holds no ptrace code:
// syscalls/identity.go and syscalls/fakefs.go apply it to the guest's
// calls.
package fakeid

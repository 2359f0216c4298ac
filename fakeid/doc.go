// Package fakeid fakes user and group identities and the kernel release
// seen by a guest (proot -0, -i and -k). It holds no ptrace code.
package fakeid

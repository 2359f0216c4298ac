// Package fakeid will fake user and group identities and the kernel
// release seen by a guest (proot -0, -i and -k). It holds no code yet:
// gproot rejects those options until it does (issue 3). Like pathfs, it
// is to hold no ptrace code.
package fakeid

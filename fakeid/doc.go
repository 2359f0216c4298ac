// Package fakeid will fake the user and group identities a guest sees
// (proot -0 and -i). It holds no code yet: gproot rejects those options
// until it does (issue 3). Like pathfs, it is to hold no ptrace code.
package fakeid

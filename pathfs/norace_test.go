//go:build !race

package pathfs

const raceEnabled = false

//go:build race

package pathfs

const raceEnabled = true

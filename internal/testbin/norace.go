//go:build !race

package testbin

// RaceEnabled reports whether the tests run under -race (see race.go).
const RaceEnabled = false

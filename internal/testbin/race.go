//go:build race

package testbin

// RaceEnabled reports whether the tests run under -race, so that the binary
// they drive can be built with the race detector too and a data race inside
// the server fails the run.
const RaceEnabled = true

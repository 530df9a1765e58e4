//go:build race

package stress

// raceEnabled builds the server binary with the race detector when the tests
// themselves run under it, so a data race inside the server fails the run.
const raceEnabled = true

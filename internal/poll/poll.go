// Package poll waits in tests for a condition that something else makes
// true (a delivery recorded, a stream opened), for the cases where there is
// nothing to block on.
package poll

import (
	"testing"
	"time"
)

// deadline is ample for a loaded -race run; a condition that holds returns
// at once, so only a failing test waits this long.
const deadline = 20 * time.Second

// Until calls cond every few milliseconds until it holds, and fails tb,
// naming what it waited for, if it has not held within the deadline.
func Until(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	end := time.Now().Add(deadline)
	for !cond() {
		if time.Now().After(end) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

package tools

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
)

type outcomeLog struct {
	mu       sync.Mutex
	started  []string
	outcomes []string
}

func (l *outcomeLog) CallStarted(tool string) func(string) {
	l.mu.Lock()
	l.started = append(l.started, tool)
	l.mu.Unlock()
	return func(outcome string) {
		l.mu.Lock()
		l.outcomes = append(l.outcomes, tool+":"+outcome)
		l.mu.Unlock()
	}
}

// Every call reaching the adapter is reported once with the outcome the
// agent saw: refused by policy, or an error result.
func TestCallObserverSeesEveryOutcome(t *testing.T) {
	var log outcomeLog
	c := newTestCatalog(t, Options{Observer: &log})
	readOnly := WithPolicy(context.Background(), Policy{ReadOnly: true})
	if res := c.run(readOnly, c.byName["create_workspace"], json.RawMessage(`{"name":"x"}`)); !res.IsError {
		t.Fatal("a write tool ran under a read-only policy")
	}
	if res := c.run(context.Background(), c.byName["get_workspace"], json.RawMessage(`{"workspace_id":"nope"}`)); !res.IsError {
		t.Fatal("a malformed workspace_id was accepted")
	}
	want := []string{"create_workspace:" + OutcomeDenied, "get_workspace:" + OutcomeError}
	if len(log.outcomes) != len(want) || log.outcomes[0] != want[0] || log.outcomes[1] != want[1] {
		t.Fatalf("outcomes %v, want %v", log.outcomes, want)
	}
	if len(log.started) != 2 {
		t.Fatalf("started %v, want two calls", log.started)
	}
}

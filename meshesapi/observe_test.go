package meshesapi

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

type seenAttempt struct {
	op      string
	status  int
	attempt int
}

type recordingObserver struct {
	mu   sync.Mutex
	seen []seenAttempt
}

func (o *recordingObserver) ObserveRequest(op string, status, attempt int, _ time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.seen = append(o.seen, seenAttempt{op, status, attempt})
}

// The observer sees every attempt, retries included, under an operation
// name that carries no id, and the request id of the caller's context
// reaches Meshes as X-Request-Id.
func TestObserverAndRequestID(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			reply(w, 503, `{"message":"busy"}`)
			return
		}
		reply(w, 200, `{"id":"`+wsID+`","name":"Acme"}`)
	})
	var obs recordingObserver
	cfg := testConfig(f.srv.URL)
	cfg.Observer = &obs
	c, _ := newTestClient(t, cfg)
	ctx := WithRequestID(context.Background(), "req-123")
	if _, err := c.GetWorkspace(ctx, wsID); err != nil {
		t.Fatal(err)
	}
	want := []seenAttempt{{"GET /workspaces/{workspace_id}", 503, 1}, {"GET /workspaces/{workspace_id}", 200, 2}}
	if len(obs.seen) != len(want) {
		t.Fatalf("observed %+v, want %+v", obs.seen, want)
	}
	for i := range want {
		if obs.seen[i] != want[i] {
			t.Errorf("attempt %d observed %+v, want %+v", i, obs.seen[i], want[i])
		}
		if strings.Contains(obs.seen[i].op, wsID) {
			t.Errorf("operation %q carries an id", obs.seen[i].op)
		}
	}
	for _, r := range f.requests() {
		if got := r.Header.Get("X-Request-Id"); got != "req-123" {
			t.Errorf("X-Request-Id = %q, want req-123", got)
		}
	}
	if _, err := c.GetWorkspace(context.Background(), wsID); err != nil {
		t.Fatal(err)
	}
	if got := f.requests()[2].Header.Values("X-Request-Id"); len(got) != 0 {
		t.Errorf("a call without a request id sent X-Request-Id %q", got)
	}
}

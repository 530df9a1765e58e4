package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestConcurrentIngest fires 1,000 events from 50 goroutines at a workspace
// with two matching rules (a real webhook and a simulated Slack) and one
// non-matching rule, then checks that nothing was lost or duplicated: every
// event has exactly its two deliveries, each delivered once, and the
// receiver saw every event id exactly once.
func TestConcurrentIngest(t *testing.T) {
	if testing.Short() {
		t.Skip("a load run (1,000 concurrent events); skipped under -short, CI runs it")
	}
	const workers, perWorker = 50, 20
	e := newEnv(t, Options{})
	rc := newReceiver(t, http.StatusOK)
	ws, _, _ := webhookFixture(t, e, rc, nil)
	slack := e.connection(ws, "slack", "Slack", map[string]any{})
	e.rule(ws, slack, "order.completed", map[string]any{"action": "send_message", "id": "C0123456789", "template": "{{email}}"}, nil)
	e.rule(ws, slack, "order.refunded", map[string]any{"action": "send_message", "id": "C0123456789", "template": "{{email}}"}, nil)

	ids := make(chan string, workers*perWorker)
	errs := make(chan error, workers*perWorker)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perWorker {
				body, _ := json.Marshal(map[string]any{"workspace": ws, "event": "order.completed",
					"payload": map[string]any{"email": fmt.Sprintf("u%d_%d@example.com", w, i)}})
				req, _ := http.NewRequest("POST", e.url+"/api/v1/events", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+mint(t, e.claims(), e.creds.AccessKey, e.creds.SecretKey))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					errs <- err
					continue
				}
				var out struct{ Event struct{ ID string } }
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusCreated {
					errs <- fmt.Errorf("status %d, decode %v", resp.StatusCode, err)
					continue
				}
				ids <- out.Event.ID
			}
		}()
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for id := range ids {
		want[id] = true
	}
	if len(want) != workers*perWorker {
		t.Fatalf("%d distinct event ids, want %d", len(want), workers*perWorker)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := e.srv.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}

	seen := map[string]int{}
	for _, r := range rc.requests() {
		var body struct{ UUID string }
		if err := json.Unmarshal(r.body, &body); err != nil {
			t.Fatal(err)
		}
		seen[body.UUID]++
	}
	for id := range want {
		if seen[id] != 1 {
			t.Fatalf("receiver saw event %s %d times", id, seen[id])
		}
	}
	if len(seen) != len(want) {
		t.Fatalf("receiver saw %d events, want %d", len(seen), len(want))
	}

	if st := e.srv.Stats(); st.Deliveries != 2*len(want) || st.InFlight != 0 {
		t.Fatalf("stats %+v", st)
	}
	e.srv.db.mu.Lock()
	defer e.srv.db.mu.Unlock()
	for id := range want {
		ev := e.srv.db.events[id]
		if ev.Status != statusCompleted || ev.TotalRules != 2 || ev.CompletedCount != 2 || len(ev.deliveries) != 2 {
			t.Fatalf("event %s: status %s total %d completed %d", id, ev.Status, ev.TotalRules, ev.CompletedCount)
		}
		types := map[string]bool{}
		for _, re := range ev.deliveries {
			if re.Status != statusCompleted || re.AttemptCount != 1 || len(re.attempts) != 1 {
				t.Fatalf("delivery %+v", re)
			}
			types[re.IntegrationType] = true
		}
		if !types["webhook"] || !types["slack"] {
			t.Fatalf("event %s deliveries %v", id, types)
		}
	}
}

package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

func TestPackBatches(t *testing.T) {
	full := slices.Repeat([]int64{10}, 250)
	tests := []struct {
		name        string
		sizes       []int64
		limit       int64
		wantBatches [][]int
		wantTooBig  []int
	}{
		{"by count", full, 1 << 20,
			[][]int{seq(0, 100), seq(100, 200), seq(200, 250)}, nil},
		// [10,10]: 1 + 10+1 + 10+1 = 23 bytes.
		{"by size, exactly at the limit", []int64{10, 10, 10, 10}, 23,
			[][]int{{0, 1}, {2, 3}}, nil},
		{"by size, one byte short", []int64{10, 10, 10}, 22,
			[][]int{{0}, {1}, {2}}, nil},
		{"mixed sizes", []int64{30, 50, 10, 90, 5, 5}, 100,
			[][]int{{0, 1, 2}, {3, 4}, {5}}, nil},
		{"one oversize in the middle", []int64{30, 40, 99, 20, 10}, 100,
			[][]int{{0, 1, 3}, {4}}, []int{2}},
		{"an event that fits only alone", []int64{10, 98, 10}, 100,
			[][]int{{0}, {1}, {2}}, nil},
		{"all oversize", []int64{200, 101, 99}, 100, nil, []int{0, 1, 2}},
		{"nothing", nil, 100, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			batches, tooBig := packBatches(tt.sizes, tt.limit)
			if !slices.EqualFunc(batches, tt.wantBatches, slices.Equal) || !slices.Equal(tooBig, tt.wantTooBig) {
				t.Errorf("packBatches = %v, too large %v; want %v, %v", batches, tooBig, tt.wantBatches, tt.wantTooBig)
			}
			seen := make([]int, len(tt.sizes))
			for _, b := range batches {
				bytes := meshesapi.BulkFraming(len(b))
				for _, i := range b {
					seen[i]++
					bytes += tt.sizes[i]
				}
				if len(b) == 0 || len(b) > meshesapi.MaxBulkEvents || bytes > tt.limit {
					t.Errorf("batch %v: %d events, %d bytes; want 1..%d events within %d bytes", b, len(b), bytes, meshesapi.MaxBulkEvents, tt.limit)
				}
			}
			for _, i := range tooBig {
				seen[i]++
			}
			for i, n := range seen {
				if n != 1 {
					t.Errorf("event %d placed %d times", i, n)
				}
			}
		})
	}
}

func seq(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}

// fakeIngest is a Meshes stand-in for ingestion: it records the size of
// every request body and which events (by payload "n") arrived, and accepts
// each with an id derived from n, so a result's item can be traced back to
// the event it reports on.
type fakeIngest struct {
	mu       sync.Mutex
	bodies   []int
	counts   []int
	received map[int]int
}

func (f *fakeIngest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var events []struct {
		Payload struct {
			N int `json:"n"`
		} `json:"payload"`
	}
	if r.URL.Path != "/api/v1/events/bulk" || json.Unmarshal(body, &events) != nil {
		http.Error(w, `{"message":"unexpected request"}`, http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.bodies = append(f.bodies, len(body))
	f.counts = append(f.counts, len(events))
	records := make([]map[string]any, len(events))
	for i, ev := range events {
		f.received[ev.Payload.N]++
		records[i] = map[string]any{"id": eventID(ev.Payload.N), "event": "e", "workspace": testUUID}
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"count": len(records), "records": records})
}

// cappedCatalog is a catalog whose client refuses bodies over maxRequest.
func cappedCatalog(t *testing.T, h http.Handler, maxRequest int64) *Catalog {
	t.Helper()
	return fakeCatalog(t, h, Limits{}, func(c *meshesapi.Config) { c.MaxRequestBytes = maxRequest })
}

// blobEvents makes one event per blob length; payload.n is its index.
func blobEvents(blobs ...int) []any {
	events := make([]any, len(blobs))
	for i, n := range blobs {
		events[i] = map[string]any{"workspace_id": testUUID, "event": "bulk.test",
			"payload": map[string]any{"n": i, "blob": strings.Repeat("x", n)}}
	}
	return events
}

// send_events packs requests by count and size, sends every event that can
// be sent exactly once, reports the ones too large to send by index, and
// keeps every item's index pointing at its own event.
func TestSendEventsPacksRequestsToTheCap(t *testing.T) {
	tests := []struct {
		name         string
		events       []any
		limit        int64
		wantRequests int
		oversize     []int
	}{
		{"many small events: batches of 100", blobEvents(slices.Repeat([]int{1}, 250)...), 1 << 20, 3, nil},
		{"large events: two per request", blobEvents(slices.Repeat([]int{1500}, 9)...), 4096, 5, nil},
		{"mixed sizes, one oversize in the middle", blobEvents(10, 3000, 10, 5000, 2000, 1900, 10), 4096, 3, []int{3}},
		{"all oversize", blobEvents(5000, 4096, 9000), 4096, 0, []int{0, 1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeIngest{received: map[int]int{}}
			limit := tt.limit
			c := cappedCatalog(t, f, limit)
			raw, _ := json.Marshal(map[string]any{"events": tt.events})
			res, err := c.Call(context.Background(), "send_events", raw)
			if err != nil || res.IsError {
				t.Fatalf("send_events failed: %v %v", err, res)
			}
			var out schemas.SendEventsOutput
			b, _ := json.Marshal(res.StructuredContent)
			if err := json.Unmarshal(b, &out); err != nil {
				t.Fatal(err)
			}

			f.mu.Lock()
			defer f.mu.Unlock()
			if len(f.bodies) != tt.wantRequests {
				t.Errorf("%d requests (events per request %v), want %d", len(f.bodies), f.counts, tt.wantRequests)
			}
			for i, size := range f.bodies {
				if int64(size) > limit || f.counts[i] > meshesapi.MaxBulkEvents {
					t.Errorf("request %d: %d bytes, %d events; over the cap %d or %d events", i, size, f.counts[i], limit, meshesapi.MaxBulkEvents)
				}
			}
			for i := range tt.events {
				wantSent := 1
				if slices.Contains(tt.oversize, i) {
					wantSent = 0
				}
				if f.received[i] != wantSent {
					t.Errorf("event %d reached Meshes %d times, want %d", i, f.received[i], wantSent)
				}
			}

			if out.Total != len(tt.events) || out.NotSent != len(tt.oversize) || out.Accepted != len(tt.events)-len(tt.oversize) {
				t.Errorf("counts %+v, want %d total, %d not sent", out, len(tt.events), len(tt.oversize))
			}
			statuses := map[int]int{}
			for _, it := range out.Items {
				statuses[it.Index]++
				switch {
				case slices.Contains(tt.oversize, it.Index):
					field := fmt.Sprintf("events[%d].payload", it.Index)
					if it.Status != statusNotSent || !strings.Contains(it.Error, field) || !strings.Contains(it.Error, fmt.Sprintf("%d-byte limit", limit)) {
						t.Errorf("oversize item %+v: want not_sent naming %s and the limit", it, field)
					}
				case it.Status != statusAccepted || it.EventID != eventID(it.Index):
					t.Errorf("item %+v: want accepted with the id of event %d", it, it.Index)
				}
			}
			// Every problem is listed; accepted events one by one only when
			// few, else the first and the last.
			wantListed := len(tt.oversize) + min(out.Accepted, listedAccepted)
			if out.Accepted > listedAccepted {
				wantListed = len(tt.oversize) + 2
			}
			if len(statuses) != wantListed {
				t.Errorf("%d items for %d events (%d not sent), want %d", len(statuses), len(tt.events), len(tt.oversize), wantListed)
			}
			for i, n := range statuses {
				if n != 1 {
					t.Errorf("event %d has %d statuses", i, n)
				}
			}
		})
	}
}

// A body over the cap never reaches Meshes; the tool error names what to
// shrink and the rule, and says nothing was sent.
func TestOversizedWritesAreRefusedBeforeSending(t *testing.T) {
	const limit = 2048
	big := strings.Repeat("x", 3000)
	tests := []struct {
		tool string
		args map[string]any
		want []string
	}{
		{"send_event", map[string]any{"workspace_id": testUUID, "event": "big", "payload": map[string]any{"blob": big}},
			[]string{"invalid arguments: payload is too large", "2048-byte limit", "nothing was sent", "send a reference"}},
		{"create_rule", map[string]any{"workspace_id": testUUID, "connection_id": testUUID, "event": "big", "action": "a", "metadata": map[string]any{"blob": big}},
			[]string{"over the 2048-byte limit", "nothing was sent", "less metadata"}},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			var requests int
			var mu sync.Mutex
			c := cappedCatalog(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				requests++
				mu.Unlock()
				http.Error(w, "{}", http.StatusInternalServerError)
			}), limit)
			raw, _ := json.Marshal(tt.args)
			res, err := c.Call(context.Background(), tt.tool, raw)
			if err != nil {
				t.Fatal(err)
			}
			text := callText(res)
			if !res.IsError {
				t.Fatalf("%s succeeded: %s", tt.tool, text)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("error %q lacks %q", text, w)
				}
			}
			if strings.Contains(text, "xxxx") {
				t.Errorf("error carries the payload: %.200s", text)
			}
			mu.Lock()
			defer mu.Unlock()
			if requests != 0 {
				t.Errorf("%d requests reached Meshes, want 0", requests)
			}
		})
	}
}

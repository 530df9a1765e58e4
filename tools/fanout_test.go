package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// fakeEvents is a minimal Meshes stand-in for the delivery listing: two
// pages of workspace events, the first without embedded rule_events (so
// they must be fetched one by one), the second with them.
type fakeEvents struct {
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
	mu          sync.Mutex
	fetchedIDs  []string
}

func eventID(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

func deliveriesOf(i, n int) []map[string]any {
	var out []map[string]any
	for j := range n {
		status := "completed"
		if j == 0 {
			status = "failed"
		}
		out = append(out, map[string]any{"id": eventID(100 + i*10 + j), "type": "rule", "workspace": wsA, "event": "user.signup",
			"event_id": eventID(i), "connection": wsB, "rule": eventID(900 + j), "integration_type": "webhook",
			"status": status, "attempt_count": 1, "last_error": map[bool]string{true: "500", false: ""}[status == "failed"],
			"created_by": "t", "created_at": "2026-01-01T00:00:00Z"})
	}
	return out
}

func (f *fakeEvents) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxInFlight.Load()
		if n <= m || f.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	event := func(i int, embed bool) map[string]any {
		e := map[string]any{"id": eventID(i), "workspace": wsA, "event": "user.signup", "status": "failed",
			"total_rules": 3, "created_by": "t", "created_at": "2026-01-01T00:00:00Z"}
		if embed {
			e["rule_events"] = deliveriesOf(i, 2)
			e["total_rules"] = 2
		}
		return e
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.URL.Path == "/api/v1/workspaces/"+wsA+"/events" && r.URL.Query().Get("status") != "" && r.URL.Query().Get("status") != "failed":
		// Every event of this fake has failed.
		_ = json.NewEncoder(w).Encode(map[string]any{"count": 0, "limit": 200, "next_cursor": nil, "records": []any{}})
	case r.URL.Path == "/api/v1/workspaces/"+wsA+"/events":
		if r.URL.Query().Get("cursor") == "p2" {
			_ = json.NewEncoder(w).Encode(map[string]any{"count": 1, "limit": 50, "next_cursor": nil, "records": []any{event(3, true)}})
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"count": 3, "limit": 50, "next_cursor": "p2",
			"records": []any{event(0, false), event(1, false), event(2, false)}})
	case strings.HasPrefix(r.URL.Path, "/api/v1/events/"):
		id := strings.TrimPrefix(r.URL.Path, "/api/v1/events/")
		f.mu.Lock()
		f.fetchedIDs = append(f.fetchedIDs, id)
		f.mu.Unlock()
		time.Sleep(5 * time.Millisecond) // lets concurrent fetches overlap
		var i int
		fmt.Sscanf(id[len(id)-12:], "%d", &i)
		e := event(i, false)
		e["rule_events"] = deliveriesOf(i, 3)
		_ = json.NewEncoder(w).Encode(e)
	default:
		http.NotFound(w, r)
	}
}

// fakeCatalog is a catalog whose client talks to h; adjust, when given,
// changes the client's configuration first.
func fakeCatalog(t *testing.T, h http.Handler, limits Limits, adjust ...func(*meshesapi.Config)) *Catalog {
	t.Helper()
	return fakeCatalogWith(t, h, Options{Limits: limits}, adjust...)
}

// fakeCatalogWith is fakeCatalog with all of the catalog's options.
func fakeCatalogWith(t *testing.T, h http.Handler, opts Options, adjust ...func(*meshesapi.Config)) *Catalog {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := meshesapi.Config{
		AccessKey: "mk_" + strings.Repeat("a", 22), SecretKey: strings.Repeat("s", 43), OrgID: testUUID, APIURL: srv.URL,
	}
	for _, f := range adjust {
		f(&cfg)
	}
	client, err := meshesapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(client, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func callJSON[T any](t *testing.T, c *Catalog, tool string, args map[string]any) T {
	t.Helper()
	raw, _ := json.Marshal(args)
	res, err := c.Call(context.Background(), tool, raw)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res.StructuredContent)
	if res.IsError {
		t.Fatalf("%s: %v", tool, res.Content)
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Paging list_deliveries two at a time visits every delivery exactly once,
// resuming inside an event, and fetches only the events whose list entry
// lacked its deliveries, a bounded number at a time.
func TestListDeliveriesFanOutAndCursor(t *testing.T) {
	fake := &fakeEvents{}
	c := fakeCatalog(t, fake, Limits{ReadFanout: 2})
	seen := map[string]bool{}
	var cursor string
	for calls := 0; ; calls++ {
		if calls > 20 {
			t.Fatal("cursor does not advance")
		}
		args := map[string]any{"workspace_id": wsA, "limit": 2}
		if cursor != "" {
			args["cursor"] = cursor
		}
		out := callJSON[schemas.ListDeliveriesOutput](t, c, "list_deliveries", args)
		for _, d := range out.Deliveries {
			key := d.EventID + "/" + d.Rule
			if seen[key] {
				t.Errorf("delivery %s returned twice", key)
			}
			seen[key] = true
		}
		if out.NextCursor == "" {
			break
		}
		cursor = out.NextCursor
	}
	if len(seen) != 3*3+2 {
		t.Errorf("saw %d deliveries, want 11", len(seen))
	}
	for _, id := range fake.fetchedIDs {
		if id == eventID(3) {
			t.Error("fetched an event whose list entry already carried its deliveries")
		}
	}
	if m := fake.maxInFlight.Load(); m > 2 {
		t.Errorf("%d requests in flight at once, limit 2", m)
	}

	failed := callJSON[schemas.ListDeliveriesOutput](t, c, "list_deliveries", map[string]any{"workspace_id": wsA, "status": "failed"})
	if failed.Count != 4 || failed.ByStatus["failed"] != 4 || failed.ByStatus["completed"] != 7 || failed.EventsScanned != 4 {
		t.Errorf("status filter: %+v", failed)
	}
	for _, d := range failed.Deliveries {
		if d.Status != "failed" {
			t.Errorf("status filter returned %+v", d)
		}
	}
}

// A page of events larger than the byte budget is cut with a cursor that
// resumes inside the same Meshes page, then moves on to Meshes' next page.
func TestListEventsCutsToBudgetAndResumes(t *testing.T) {
	fake := &fakeEvents{}
	c := fakeCatalog(t, fake, Limits{MaxResultBytes: envelopeReserve + 300})
	var ids []string
	cursor, notices := "", 0
	for calls := 0; calls < 10; calls++ {
		args := map[string]any{"workspace_id": wsA}
		if cursor != "" {
			args["cursor"] = cursor
		}
		out := callJSON[schemas.ListEventsOutput](t, c, "list_events", args)
		for _, e := range out.Events {
			ids = append(ids, e.ID)
		}
		if out.Notice != "" {
			notices++
		}
		if out.NextCursor == "" {
			break
		}
		cursor = out.NextCursor
	}
	if notices == 0 {
		t.Error("no result said it was cut to fit the budget")
	}
	want := []string{eventID(0), eventID(1), eventID(2), eventID(3)}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Errorf("events = %v, want %v once each in order", ids, want)
	}
}

// A Meshes that knows only the original four statuses refuses
// status=retrying: status failed still lists the failed deliveries and
// says what it could not list.
func TestListDeliveriesWhenMeshesRefusesRetrying(t *testing.T) {
	fake := &fakeEvents{}
	refusing := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("status") == "retrying" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"message":"Bad Request","error":{"data":[{"param":"status","msg":"must be one of pending, processing, completed, failed"}]}}`))
			return
		}
		fake.ServeHTTP(w, r)
	})
	c := fakeCatalog(t, refusing, Limits{})
	out := callJSON[schemas.ListDeliveriesOutput](t, c, "list_deliveries", map[string]any{"workspace_id": wsA, "status": "failed"})
	if out.Count != 4 || !strings.Contains(out.Notice, `refused status filter "retrying"`) {
		t.Errorf("got %d deliveries, notice %q; want the 4 failed ones and a notice", out.Count, out.Notice)
	}
	// Asked for retrying alone, the refusal is the answer.
	res, err := c.Call(context.Background(), "list_deliveries", json.RawMessage(`{"workspace_id":"`+wsA+`","status":"retrying"}`))
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(res.Content); !res.IsError || !strings.Contains(string(b), "status: must be one of") {
		t.Errorf("status retrying on a Meshes that refuses it: %s", b)
	}
}

// Paging status failed one delivery at a time walks the retrying events,
// then the failed ones, each delivery once.
func TestListDeliveriesPagesAcrossRetryingAndFailed(t *testing.T) {
	fake := &fakeEvents{}
	both := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("status") == "retrying" {
			re := deliveriesOf(7, 1)[0]
			re["status"] = "retrying"
			ev := map[string]any{"id": eventID(7), "workspace": wsA, "event": "user.signup", "status": "retrying",
				"total_rules": 1, "created_by": "t", "created_at": "2026-01-02T00:00:00Z", "rule_events": []any{re}}
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"count": 1, "limit": 200, "next_cursor": nil, "records": []any{ev}})
			return
		}
		fake.ServeHTTP(w, r)
	})
	c := fakeCatalog(t, both, Limits{})
	var got []string
	cursor := ""
	for calls := 0; calls < 20; calls++ {
		args := map[string]any{"workspace_id": wsA, "status": "failed", "limit": 1}
		if cursor != "" {
			args["cursor"] = cursor
		}
		out := callJSON[schemas.ListDeliveriesOutput](t, c, "list_deliveries", args)
		for _, d := range out.Deliveries {
			got = append(got, d.Status+" "+d.EventID)
		}
		if cursor = out.NextCursor; cursor == "" {
			break
		}
	}
	want := []string{"retrying " + eventID(7), "failed " + eventID(0), "failed " + eventID(1), "failed " + eventID(2), "failed " + eventID(3)}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("paged\n %v\nwant\n %v", got, want)
	}
}

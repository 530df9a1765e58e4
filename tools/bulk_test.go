package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

func TestBatchOutcome(t *testing.T) {
	receipt := func(id string) meshesapi.BulkRecord {
		return meshesapi.BulkRecord{EventReceipt: meshesapi.EventReceipt{ID: id}}
	}
	tests := []struct {
		name   string
		res    *meshesapi.BulkResult
		err    error
		want   []string
		detail string
	}{
		{"all accepted", &meshesapi.BulkResult{Status: 201, Records: []meshesapi.BulkRecord{receipt("e1"), receipt("e2")}}, nil,
			[]string{statusAccepted, statusAccepted}, ""},
		{"mixed 207", &meshesapi.BulkResult{Status: 207, Records: []meshesapi.BulkRecord{receipt("e1"), {Message: "payload is required"}}}, nil,
			[]string{statusAccepted, statusRejected}, "payload is required"},
		{"a record with neither id nor reason: that event's outcome is unknown", &meshesapi.BulkResult{Status: 201, Records: []meshesapi.BulkRecord{receipt("e1"), {}}}, nil,
			[]string{statusAccepted, statusUnknown}, "check list_events before resending"},
		{"records do not line up", &meshesapi.BulkResult{Status: 207, Records: []meshesapi.BulkRecord{receipt("e1")}}, nil,
			[]string{statusUnknown, statusUnknown}, "check list_events before resending"},
		{"5xx on POST: outcome unknown", nil, &meshesapi.APIError{Status: 503, Method: http.MethodPost, Path: "/events/bulk"},
			[]string{statusUnknown, statusUnknown}, "never resend blindly"},
		{"timeout after sending: outcome unknown", nil, &meshesapi.NetworkError{Method: http.MethodPost, Sent: true, Timeout: true, Err: context.DeadlineExceeded},
			[]string{statusUnknown, statusUnknown}, "check list_events"},
		{"never connected: safe to resend", nil, &meshesapi.NetworkError{Method: http.MethodPost, Sent: false, Err: errors.New("connection refused")},
			[]string{statusNotSent, statusNotSent}, "safe to resend"},
		{"whole batch refused", nil, &meshesapi.APIError{Status: 400, Method: http.MethodPost, Path: "/events/bulk", Message: "bad"},
			[]string{statusRejected, statusRejected}, "rejected the request as invalid"},
		{"refused by the client for its size: nothing left", nil, &meshesapi.RequestTooLargeError{Method: http.MethodPost, Path: "/events/bulk", Size: 5000, Limit: 4096},
			[]string{statusNotSent, statusNotSent}, "nothing was sent"},
		{"413 from Meshes", nil, &meshesapi.APIError{Status: 413, Method: http.MethodPost, Path: "/events/bulk"},
			[]string{statusRejected, statusRejected}, "nothing was stored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			batch := []int{100, 105} // a batch need not be contiguous
			got := batchOutcome(batch, tt.res, tt.err)
			for i, it := range got {
				if it.Index != batch[i] || it.Status != tt.want[i] {
					t.Errorf("item %d = %+v, want index %d status %s", i, it, batch[i], tt.want[i])
				}
				if it.Status == statusAccepted && it.EventID == "" {
					t.Errorf("accepted item %d has no event id", i)
				}
			}
			if tt.detail != "" && !strings.Contains(got[len(got)-1].Error, tt.detail) {
				t.Errorf("error %q does not say %q", got[len(got)-1].Error, tt.detail)
			}
		})
	}
}

// The merged result keeps complete counts and lists problems first, within
// the budget, however many events there were.
func TestBulkResultListsProblemsFirst(t *testing.T) {
	c := newTestCatalog(t, Options{Limits: Limits{MaxResultBytes: 5000}})
	events, items := bulkCall(3000)
	for i := 2000; i < 2200; i++ {
		items[i].Status, items[i].Error, items[i].EventID = statusRejected, "bad payload", ""
	}
	out := c.bulkResult(events, items)
	if out.Total != 3000 || out.Accepted != 2800 || out.Rejected != 200 {
		t.Errorf("counts = %+v", out)
	}
	if out.Items[0].Index != 2000 || out.Items[0].Status != statusRejected {
		t.Errorf("first item = %+v, want the rejected one", out.Items[0])
	}
	if len(out.Items) >= 200 || !strings.Contains(out.Notice, "problems first") {
		t.Errorf("200 problems listed without cutting (%d) or no notice: %q", len(out.Items), out.Notice)
	}
}

// bulkCall is n events of one workspace, all accepted.
func bulkCall(n int) ([]schemas.EventItem, []schemas.BulkItem) {
	events := make([]schemas.EventItem, n)
	items := make([]schemas.BulkItem, n)
	for i := range items {
		events[i] = schemas.EventItem{WorkspaceID: testUUID, Event: "user.signup"}
		items[i] = schemas.BulkItem{Index: i, Status: statusAccepted, EventID: fmt.Sprintf("evt-%04d", i)}
	}
	return events, items
}

// A thousand accepted events cost a few lines, not one item each: every
// problem keeps its item, the accepted ones are summarised by their first
// and last id, and the notice names the list_events filters that read them
// all back. A few accepted events are still listed one by one.
func TestBulkResultSummarisesAcceptedEvents(t *testing.T) {
	c := newTestCatalog(t, Options{})
	events, items := bulkCall(1000)
	events[500].Event = "order.placed"
	items[3].Status, items[3].Error, items[3].EventID = statusRejected, "payload is required", ""
	items[7].Status, items[7].Error, items[7].EventID = statusUnknown, "outcome unknown: check list_events", ""
	out := c.bulkResult(events, items)
	if out.Accepted != 998 || out.Rejected != 1 || out.Unknown != 1 {
		t.Errorf("counts = %+v", out)
	}
	var got []string
	for _, it := range out.Items {
		got = append(got, fmt.Sprintf("%d %s %s", it.Index, it.Status, it.EventID))
	}
	want := []string{"3 rejected ", "7 unknown ", "0 accepted evt-0000", "999 accepted evt-0999"}
	if !slices.Equal(got, want) {
		t.Errorf("items = %q, want %q", got, want)
	}
	for _, w := range []string{"996 accepted events", "events[0]", "events[999]",
		`{"workspace_id": "` + testUUID + `", "event": "user.signup"}`, `"event": "order.placed"}`} {
		if !strings.Contains(out.Notice, w) {
			t.Errorf("notice %q does not say %s", out.Notice, w)
		}
	}
	raw, _ := json.Marshal(out)
	if len(raw) > 2000 {
		t.Errorf("result for 1000 events is %d bytes", len(raw))
	}

	events, items = bulkCall(listedAccepted)
	if out := c.bulkResult(events, items); len(out.Items) != listedAccepted || out.Notice != "" {
		t.Errorf("%d accepted events: %d items listed, notice %q; want all listed", listedAccepted, len(out.Items), out.Notice)
	}
}

// send_events where no event is accepted because every batch failed as a
// whole is an error result that states each cause once; when some events
// are accepted, the per-item report stays, and no event that may have
// reached Meshes is ever called not sent.
func TestSendEventsTotalFailureIsOneError(t *testing.T) {
	events := make([]any, 250)
	for i := range events {
		events[i] = map[string]any{"workspace_id": testUUID, "event": "a.b", "payload": map[string]any{"n": i + 1}}
	}
	raw, _ := json.Marshal(map[string]any{"events": events})
	var (
		mu    sync.Mutex
		calls int
	)
	upstream := func(okFirst bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			calls++
			first := calls == 1
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			if okFirst && first {
				var in []any
				_ = json.Unmarshal(body, &in)
				recs := make([]any, len(in))
				for i := range recs {
					recs[i] = map[string]any{"id": testUUID, "event": "a.b", "workspace": testUUID}
				}
				w.WriteHeader(201)
				_ = json.NewEncoder(w).Encode(map[string]any{"count": len(recs), "records": recs})
				return
			}
			w.WriteHeader(503)
			_, _ = w.Write([]byte(`{"message":"Service Unavailable"}`))
		}
	}
	noRetry := func(cfg *meshesapi.Config) {
		cfg.EventsURL = cfg.APIURL
		cfg.Retry = meshesapi.RetryPolicy{MaxAttempts: 1, MaxReadAttempts: 1}
	}

	t.Run("upstream down", func(t *testing.T) {
		calls = 0
		c := fakeCatalog(t, upstream(false), Limits{Concurrency: 1}, noRetry)
		res, err := c.Call(context.Background(), "send_events", raw)
		if err != nil || !res.IsError {
			t.Fatalf("want an error result, got %v %+v", err, res)
		}
		text := res.Content[0].(mcp.TextContent).Text
		for _, want := range []string{"none of the 250 events was accepted", "events 0-249", "outcome unknown", "Meshes failed (503"} {
			if !strings.Contains(text, want) {
				t.Errorf("%q lacks %q", text, want)
			}
		}
		if n := strings.Count(text, "Meshes failed"); n != 1 {
			t.Errorf("the cause is repeated %d times: %q", n, text)
		}
		if strings.Contains(text, "not sent") {
			t.Errorf("events that may have reached Meshes are called not sent: %q", text)
		}
	})

	t.Run("partial failure stays a per-item report", func(t *testing.T) {
		calls = 0
		c := fakeCatalog(t, upstream(true), Limits{Concurrency: 1}, noRetry)
		res, err := c.Call(context.Background(), "send_events", raw)
		if err != nil || res.IsError {
			t.Fatalf("want a per-item report, got %v %+v", err, res)
		}
		var out schemas.SendEventsOutput
		b, _ := json.Marshal(res.StructuredContent)
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		if out.Accepted != 100 || out.Unknown != 150 || out.NotSent != 0 {
			t.Errorf("accepted %d unknown %d not_sent %d, want 100, 150, 0", out.Accepted, out.Unknown, out.NotSent)
		}
	})
}

package tools

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
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
	items := make([]schemas.BulkItem, 3000)
	for i := range items {
		items[i] = schemas.BulkItem{Index: i, Status: statusAccepted, EventID: "e"}
	}
	items[2500].Status, items[2500].Error = statusRejected, "bad payload"
	out := c.bulkResult(items)
	if out.Total != 3000 || out.Accepted != 2999 || out.Rejected != 1 {
		t.Errorf("counts = %+v", out)
	}
	if out.Items[0].Index != 2500 || out.Items[0].Status != statusRejected {
		t.Errorf("first item = %+v, want the rejected one", out.Items[0])
	}
	if len(out.Items) == 3000 || out.Notice == "" {
		t.Errorf("3000 items listed without cutting (%d) or no notice", len(out.Items))
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

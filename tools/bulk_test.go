package tools

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

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

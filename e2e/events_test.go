package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/poll"
	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// send_events with 250 events: three bulk requests, one merged result with
// every item accounted for, and a progress notification per batch.
func TestSendEventsBatchesWithProgress(t *testing.T) {
	f := newFixture(t)
	c := connect(t, f.env(t))
	progress := testbin.Progress(c)
	var ws schemas.CreateWorkspaceOutput
	ok(t, c, "create_workspace", map[string]any{"name": "Bulk Tenant"}, &ws)
	events := make([]any, 250)
	for i := range events {
		events[i] = map[string]any{"workspace_id": ws.ID, "event": "user.signup", "payload": map[string]any{"email": fmt.Sprintf("u%d@example.com", i)}}
	}
	// One item the API itself refuses: an unknown workspace.
	events[137] = map[string]any{"workspace_id": "123e4567-e89b-42d3-a456-426614174000", "event": "user.signup", "payload": map[string]any{"email": "x@example.com"}}

	before := f.requestsMatching("POST /api/v1/events/bulk")
	res, err := callErr(c, "send_events", map[string]any{"events": events}, &mcp.Meta{ProgressToken: "bulk-1"})
	if err != nil || res.IsError {
		t.Fatalf("send_events: %v %s", err, text(res))
	}
	var out schemas.SendEventsOutput
	raw, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(raw, &out)
	if n := f.requestsMatching("POST /api/v1/events/bulk") - before; n != 3 {
		t.Errorf("%d bulk requests for 250 events, want 3", n)
	}
	if out.Total != 250 || out.Accepted+out.Rejected != 250 || out.Unknown != 0 || out.NotSent != 0 {
		t.Errorf("counts = %+v", out)
	}
	if out.Rejected != 1 || out.Items[0].Index != 137 || out.Items[0].Status != "rejected" || out.Items[0].Error == "" {
		t.Errorf("rejected item not reported first by index: %+v", out.Items[0])
	}
	// The accepted events are summarised by the first and the last; the
	// notice's list_events filters read every one of them back.
	var listed []string
	for _, it := range out.Items {
		listed = append(listed, fmt.Sprintf("%d %s", it.Index, it.Status))
	}
	if want := []string{"137 rejected", "0 accepted", "249 accepted"}; !slices.Equal(listed, want) {
		t.Errorf("items = %q, want %q", listed, want)
	}
	filter := fmt.Sprintf(`{"workspace_id": %q, "event": "user.signup"}`, ws.ID)
	if !strings.Contains(out.Notice, filter) {
		t.Errorf("notice %q does not give the list_events filter %s", out.Notice, filter)
	}
	stored := map[string]bool{}
	for cursor := ""; ; {
		var page schemas.ListEventsOutput
		ok(t, c, "list_events", map[string]any{"workspace_id": ws.ID, "event": "user.signup", "limit": 200, "cursor": cursor}, &page)
		for _, e := range page.Events {
			stored[e.ID] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(stored) != 249 || !stored[out.Items[1].EventID] || !stored[out.Items[2].EventID] {
		t.Errorf("list_events read back %d events (want 249, including the first and last accepted)", len(stored))
	}
	poll.Until(t, "three progress notifications", func() bool { return len(progress()) == 3 })
	got := progress()
	last := got[0]
	for _, p := range got {
		if p["progressToken"] != "bulk-1" || p["total"] != float64(250) {
			t.Errorf("progress notification = %v", p)
		}
		if p["progress"].(float64) > last["progress"].(float64) {
			last = p
		}
	}
	if last["progress"] != float64(250) {
		t.Errorf("final progress = %v, want 250", last["progress"])
	}
}

// Cancelling a call aborts its request to Meshes: the sandbox sees the
// request's context end while the handler is still waiting.
func TestCancellationAbortsTheRequest(t *testing.T) {
	f := newFixture(t)
	c := connect(t, f.env(t))
	var ws schemas.CreateWorkspaceOutput
	ok(t, c, "create_workspace", map[string]any{"name": "Slow Tenant"}, &ws)
	aborted := make(chan struct{})
	hook := func(r *http.Request) {
		if strings.HasSuffix(r.URL.Path, ws.ID+"/event-types") {
			select {
			case <-r.Context().Done():
				close(aborted)
			case <-time.After(15 * time.Second):
			}
		}
	}
	f.hook.Store(&hook)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = "list_event_types", map[string]any{"workspace_id": ws.ID}
	if _, err := c.CallTool(ctx, req); err == nil {
		t.Fatal("call finished although the sandbox was holding it")
	}
	select {
	case <-aborted:
	case <-time.After(10 * time.Second):
		t.Fatal("the HTTP request to Meshes was not aborted after the call was cancelled")
	}
	f.hook.Store(nil)
	ok(t, c, "list_event_types", map[string]any{"workspace_id": ws.ID}, nil)
}

package tools

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// panickingTransport panics, once, on the first request whose path ends in
// suffix: a stand-in for any bug in code a call runs on a worker goroutine
// (here the client's transport, which runs on the goroutine that sends).
type panickingTransport struct {
	suffix string
	fired  atomic.Bool
}

func (p *panickingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, p.suffix) && p.fired.CompareAndSwap(false, true) {
		panic("injected fault in " + r.URL.Path)
	}
	return http.DefaultTransport.RoundTrip(r)
}

func panicOn(suffix string) func(*meshesapi.Config) {
	return func(c *meshesapi.Config) {
		c.HTTPClient = &http.Client{Transport: &panickingTransport{suffix: suffix}}
	}
}

// checkPanicLogged requires the recovered panic in the log, with its stack.
func checkPanicLogged(t *testing.T, log *testbin.SyncBuffer) {
	t.Helper()
	if got := log.String(); !strings.Contains(got, "injected fault") || !strings.Contains(got, "goroutine") {
		t.Errorf("the panic was not logged with its stack: %s", got)
	}
}

// A panic in a send_events batch worker becomes that batch's item errors,
// reported as an unknown outcome (the request may have reached Meshes),
// while the other batches are sent; the MCP server keeps answering.
func TestPanicInSendEventsBatchIsContained(t *testing.T) {
	ingest := &fakeIngest{received: map[int]int{}}
	var log testbin.SyncBuffer
	c := fakeCatalogWith(t, ingest, Options{Logger: slog.New(slog.NewTextHandler(&log, nil)), Limits: Limits{Concurrency: 1}},
		panicOn("/events/bulk"))
	srv := c.MCPServer("test")
	events := blobEvents(make([]int, meshesapi.MaxBulkEvents+10)...)

	resp := rpc(t, t.Context(), srv, "tools/call", map[string]any{"name": "send_events", "arguments": map[string]any{"events": events}})
	res, _ := resp["result"].(map[string]any)
	var out schemas.SendEventsOutput
	if b, _ := json.Marshal(res["structuredContent"]); json.Unmarshal(b, &out) != nil || out.Total == 0 {
		t.Fatalf("send_events: no result after the panic: %v", resp)
	}
	if out.Unknown != meshesapi.MaxBulkEvents || out.Accepted != 10 || out.NotSent != 0 {
		t.Fatalf("want %d unknown (the batch that panicked) and 10 accepted, got %+v", meshesapi.MaxBulkEvents, out)
	}
	for _, it := range out.Items {
		if it.Status == statusUnknown && !strings.Contains(it.Error, "outcome unknown") {
			t.Errorf("item %d: the error does not say the outcome is unknown: %q", it.Index, it.Error)
		}
	}
	checkPanicLogged(t, &log)

	again := rpc(t, t.Context(), srv, "tools/call", map[string]any{"name": "send_events", "arguments": map[string]any{"events": blobEvents(1)}})
	if res, _ := again["result"].(map[string]any); res == nil || res["isError"] == true {
		t.Errorf("the server did not answer the next call: %v", again)
	}
}

// A panic in a diagnose_event lookup is that object's error: the diagnosis
// still comes back, saying the rule could not be read (not that it is gone).
func TestPanicInDiagnoseLookupIsContained(t *testing.T) {
	var log testbin.SyncBuffer
	c := fakeCatalogWith(t, &scopeFake{}, Options{Logger: slog.New(slog.NewTextHandler(&log, nil))}, panicOn("/rules/"+fakeRuleID))
	out := callJSON[schemas.DiagnoseEventOutput](t, c, "diagnose_event", map[string]any{"event_id": fakeEventID})
	if len(out.Findings) != 1 || !strings.Contains(out.Findings[0].Cause, "could not be read just now") {
		t.Errorf("the panicked lookup is not reported as unreadable: %+v", out.Findings)
	}
	checkPanicLogged(t, &log)
}

// A panic in list_deliveries' fan-out is an error result, not a crash.
func TestPanicInListDeliveriesFanOutIsContained(t *testing.T) {
	var log testbin.SyncBuffer
	c := fakeCatalogWith(t, &fakeEvents{}, Options{Logger: slog.New(slog.NewTextHandler(&log, nil))}, panicOn(eventID(1)))
	res, err := c.Call(context.Background(), "list_deliveries", []byte(`{"workspace_id":"`+wsA+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.Contains(toJSON(res.Content), "internal error") {
		t.Errorf("want an internal-error result, got %v", res.Content)
	}
	checkPanicLogged(t, &log)
}

// A panic in one of get_delivery's concurrent reads is an error result, not
// a crash of the server.
func TestPanicInGetDeliveryReadIsContained(t *testing.T) {
	var log testbin.SyncBuffer
	c := fakeCatalogWith(t, &scopeFake{}, Options{Logger: slog.New(slog.NewTextHandler(&log, nil))}, panicOn("/attempts"))
	res, err := c.Call(context.Background(), "get_delivery", []byte(`{"event_id":"`+fakeEventID+`","rule_id":"`+fakeRuleID+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.Contains(toJSON(res.Content), "internal error") {
		t.Errorf("want an internal-error result, got %v", res.Content)
	}
	checkPanicLogged(t, &log)
}

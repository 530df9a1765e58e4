package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"

	"github.com/meshes-mcp/meshes-mcp/internal/poll"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// webhookRoute creates a workspace, a webhook connection to url with
// metadata md, and a rule for event, over MCP.
func webhookRoute(t *testing.T, c *client.Client, name, url, event string, md map[string]any) (ws, conn, rule string) {
	t.Helper()
	var w schemas.CreateWorkspaceOutput
	ok(t, c, "create_workspace", map[string]any{"name": name}, &w)
	md["url"] = url
	var cn schemas.CreateConnectionOutput
	ok(t, c, "create_connection", map[string]any{"workspace_id": w.ID, "type": "webhook", "name": name + " Hook", "metadata": md}, &cn)
	var r schemas.CreateRuleOutput
	ok(t, c, "create_rule", map[string]any{"workspace_id": w.ID, "connection_id": cn.ID, "event": event, "action": "send_webhook"}, &r)
	return w.ID, cn.ID, r.ID
}

// A receiver refuses the token it is sent and quotes it back: the attempts
// show auth_failed and its answer with the token redacted, diagnose_event
// names the credential fix, and after exactly that fix a retry delivers.
func TestCredentialFixJourney(t *testing.T) {
	f := newFixture(t)
	const badToken, goodToken = "tok_live_7c1e9a0b5d2f4e6a8b3c1d0e9f8a7b6c", "tok_live_0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d"
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "); got != goodToken {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"invalid_token","detail":"token %s is not valid for this endpoint"}`, got)
		}
	}))
	defer receiver.Close()
	c := connect(t, f.env(t))
	ws, conn, rule := webhookRoute(t, c, "Credential Tenant", receiver.URL+"/in", "invoice.paid",
		map[string]any{"auth_scheme": "bearer", "auth_token": badToken})
	var sent schemas.SendEventOutput
	ok(t, c, "send_event", map[string]any{"workspace_id": ws, "event": "invoice.paid", "payload": map[string]any{"email": "jo@example.com"}}, &sent)
	delivery := map[string]any{"event_id": sent.EventID, "rule_id": rule}

	var got schemas.GetDeliveryOutput
	poll.Until(t, "the delivery to fail", func() bool {
		ok(t, c, "get_delivery", delivery, &got)
		return got.Status == "failed"
	})
	a := got.Attempts[0]
	if a.OutcomeCode != "auth_failed" || a.Response == nil || a.Response.Status != 401 ||
		!strings.Contains(a.Response.Body, "invalid_token") || !strings.Contains(a.Response.Body, schemas.Redacted) {
		t.Fatalf("attempt %+v (response %+v): want auth_failed with the receiver's 401 answer, token redacted", a, a.Response)
	}
	if raw := text(call(t, c, "get_delivery", delivery)); strings.Contains(raw, badToken) {
		t.Fatalf("the token the receiver quoted reached the model: %s", raw)
	}

	var diag schemas.DiagnoseEventOutput
	ok(t, c, "diagnose_event", map[string]any{"event_id": sent.EventID}, &diag)
	finding := diag.Findings[0]
	if finding.OutcomeCode != "auth_failed" || !strings.Contains(finding.Cause, "credentials") || !strings.Contains(finding.Said, "invalid_token") {
		t.Fatalf("finding %+v", finding)
	}
	if raw := text(call(t, c, "diagnose_event", map[string]any{"event_id": sent.EventID})); strings.Contains(raw, badToken) {
		t.Fatalf("the token reached the diagnosis: %s", raw)
	}
	next := finding.Next
	if next == nil || next.Tool != "update_connection" || next.Arguments["connection_id"] != conn {
		t.Fatalf("next call %+v, want update_connection of %s", next, conn)
	}
	md, _ := next.Arguments["metadata"].(map[string]any)
	if md["auth_token"] != schemas.Redacted {
		t.Fatalf("suggested metadata %v: the token to replace should read %s", md, schemas.Redacted)
	}
	// The agent makes the suggested call with the real token, then retries.
	md["auth_token"] = goodToken
	ok(t, c, "update_connection", next.Arguments, nil)
	ok(t, c, "retry_delivery", delivery, nil)
	poll.Until(t, "the retried delivery to complete", func() bool {
		ok(t, c, "get_delivery", delivery, &got)
		return got.Status == "completed"
	})
	if len(got.Attempts) != 2 || got.Attempts[0].OutcomeCode != "delivered" || got.Attempts[1].OutcomeCode != "auth_failed" {
		t.Errorf("attempts after the fix %+v", got.Attempts)
	}
}

// A receiver that keeps failing is retried until the delivery is
// canceled; after that it sees no further request.
func TestCancelStopsARunawayDelivery(t *testing.T) {
	backoff := make([]time.Duration, 50)
	for i := range backoff {
		backoff[i] = 40 * time.Millisecond
	}
	f := newRetryingFixture(t, backoff)
	var received atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		http.Error(w, "upstream maintenance", http.StatusServiceUnavailable)
	}))
	defer receiver.Close()
	c := connect(t, f.env(t))
	ws, _, rule := webhookRoute(t, c, "Runaway Tenant", receiver.URL+"/in", "order.shipped", map[string]any{})
	var sent schemas.SendEventOutput
	ok(t, c, "send_event", map[string]any{"workspace_id": ws, "event": "order.shipped", "payload": map[string]any{"order_id": "o1"}}, &sent)
	poll.Until(t, "a few retries", func() bool { return received.Load() >= 3 })

	var diag schemas.DiagnoseEventOutput
	ok(t, c, "diagnose_event", map[string]any{"event_id": sent.EventID}, &diag)
	if f := diag.Findings[0]; f.Severity != "error" || !strings.Contains(f.What, "Meshes is retrying") {
		t.Errorf("a delivery in a retry loop is not reported as failing: %+v", f)
	}

	var canceled schemas.CancelDeliveryOutput
	ok(t, c, "cancel_delivery", map[string]any{"event_id": sent.EventID, "rule_id": rule}, &canceled)
	if len(canceled.Canceled) != 1 || canceled.Canceled[0].Status != "canceled" {
		t.Fatalf("cancel result %+v", canceled)
	}
	// An attempt on the wire at the cancel completes; wait until it has.
	var got schemas.GetDeliveryOutput
	poll.Until(t, "the last attempt to be recorded", func() bool {
		ok(t, c, "get_delivery", map[string]any{"event_id": sent.EventID, "rule_id": rule}, &got)
		return got.Attempts[0].OutcomeCode != ""
	})
	after := received.Load()
	if int64(got.AttemptCount) != after {
		t.Errorf("the delivery records %d attempts, the receiver saw %d requests", got.AttemptCount, after)
	}
	time.Sleep(400 * time.Millisecond) // ten backoff periods: a queued retry would have arrived
	if n := received.Load(); n != after {
		t.Fatalf("the receiver saw %d more requests after the cancel", n-after)
	}
	fails(t, c, "cancel_delivery", map[string]any{"event_id": sent.EventID}, "nothing to cancel")
}

// A workspace with 1,000 newer successful events: list_deliveries with
// status failed finds the failure in one call.
func TestFailureFoundInOneCallOnABusyWorkspace(t *testing.T) {
	f := newFixture(t)
	var healthy atomic.Bool
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if !healthy.Load() {
			http.Error(w, "disk full", http.StatusInsufficientStorage)
		}
	}))
	defer receiver.Close()
	c := connect(t, f.env(t))
	ws, _, rule := webhookRoute(t, c, "Busy Tenant", receiver.URL+"/in", "user.signup", map[string]any{})
	var failed schemas.SendEventOutput
	ok(t, c, "send_event", map[string]any{"workspace_id": ws, "event": "user.signup", "payload": map[string]any{"email": "first@example.com"}}, &failed)
	var ev schemas.GetEventOutput
	poll.Until(t, "the first delivery to fail", func() bool {
		ok(t, c, "get_event", map[string]any{"event_id": failed.EventID}, &ev)
		return ev.Status == "failed"
	})
	healthy.Store(true)
	events := make([]any, 1000)
	for i := range events {
		events[i] = map[string]any{"workspace_id": ws, "event": "user.signup", "payload": map[string]any{"email": fmt.Sprintf("u%d@example.com", i)}}
	}
	ok(t, c, "send_events", map[string]any{"events": events}, nil)
	direct, err := meshesapi.New(meshesapi.Config{AccessKey: f.sb.Credentials.AccessKey, SecretKey: f.sb.Credentials.SecretKey,
		OrgID: f.sb.Credentials.OrgID, APIURL: f.sb.URL})
	if err != nil {
		t.Fatal(err)
	}
	poll.Until(t, "the 1,000 deliveries to complete", func() bool {
		l, err := direct.ListWorkspaceEvents(context.Background(), ws, meshesapi.EventQuery{Page: meshesapi.Page{Limit: 200}, Status: "completed"})
		if err != nil {
			t.Fatal(err)
		}
		return len(l.Records) == 200 && l.NextCursor != nil && pendingNone(t, direct, ws)
	})

	var out schemas.ListDeliveriesOutput
	ok(t, c, "list_deliveries", map[string]any{"workspace_id": ws, "status": "failed"}, &out)
	if out.Count != 1 || out.Deliveries[0].EventID != failed.EventID || out.Deliveries[0].Rule != rule {
		raw, _ := json.Marshal(out)
		t.Fatalf("one call did not find the failed delivery behind 1,000 newer successes: %s", raw)
	}
	if !strings.Contains(out.Window, "status retrying or failed") {
		t.Errorf("window %q does not say what the counts cover", out.Window)
	}
}

// pendingNone reports whether no event of ws is still pending or processing.
func pendingNone(t *testing.T, c *meshesapi.Client, ws string) bool {
	for _, status := range []string{"pending", "processing"} {
		l, err := c.ListWorkspaceEvents(context.Background(), ws, meshesapi.EventQuery{Page: meshesapi.Page{Limit: 1}, Status: status})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Records) > 0 {
			return false
		}
	}
	return true
}

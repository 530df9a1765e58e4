package tools_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/poll"
	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// destination is a webhook receiver for tests: it counts requests and
// answers with what answer returns, optionally holding each request until
// released.
type destination struct {
	*httptest.Server
	mu     sync.Mutex
	n      int
	answer func(r *http.Request) (int, string)
	hold   chan struct{}
}

func newDestination(t *testing.T, answer func(r *http.Request) (int, string)) *destination {
	d := &destination{answer: answer}
	d.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		d.mu.Lock()
		d.n++
		hold := d.hold
		d.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
				return
			}
		}
		status, body := d.answer(r)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "session=abc")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(func() {
		d.release()
		d.Close()
	})
	return d
}

func (d *destination) requests() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n
}

func (d *destination) holdRequests() {
	d.mu.Lock()
	d.hold = make(chan struct{})
	d.mu.Unlock()
}

func (d *destination) release() {
	d.mu.Lock()
	if d.hold != nil {
		close(d.hold)
		d.hold = nil
	}
	d.mu.Unlock()
}

// webhookRoute creates a webhook connection to d that authenticates with a
// bearer token, a rule for event, and returns their ids.
func webhookRoute(t *testing.T, s *teststack.Stack, d *destination, token, event string) (conn, rule string) {
	t.Helper()
	ctx := context.Background()
	c, err := s.Client.CreateConnection(ctx, meshesapi.CreateConnectionRequest{Workspace: s.IDs.Workspace, Type: "webhook",
		Name: "Receiver " + strings.ReplaceAll(event, ".", "-"), Metadata: map[string]any{"url": d.URL + "/hook", "auth_scheme": "bearer", "auth_token": token}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Client.CreateRule(ctx, meshesapi.CreateRuleRequest{Workspace: s.IDs.Workspace, Connection: c.ID, Event: event,
		Metadata: map[string]any{"action": "send_webhook"}})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID, r.ID
}

func sendEvent(t *testing.T, s *teststack.Stack, event string) string {
	t.Helper()
	r, err := s.Client.SendEvent(context.Background(), meshesapi.EventInput{Workspace: s.IDs.Workspace, Event: event,
		Payload: json.RawMessage(`{"email":"a@example.com"}`)})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func eventStatus(t *testing.T, s *teststack.Stack, id string) string {
	e, err := s.Client.GetEvent(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e.Status
}

// revokedToken is the credential refusedDelivery's destination refuses.
const revokedToken = "tok_live_4f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c"

// refusedDelivery routes invoice.paid to a destination that answers 401
// quoting the bearer token it was sent, sends one, and waits for the
// delivery to fail.
func refusedDelivery(t *testing.T, s *teststack.Stack) (conn, rule, eventID string) {
	t.Helper()
	d := newDestination(t, func(r *http.Request) (int, string) {
		return 401, `{"error":"invalid_token","message":"token ` + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + ` was revoked"}`
	})
	conn, rule = webhookRoute(t, s, d, revokedToken, "invoice.paid")
	eventID = sendEvent(t, s, "invoice.paid")
	poll.Until(t, "the delivery to fail", func() bool { return eventStatus(t, s, eventID) == "failed" })
	return conn, rule, eventID
}

// The destination quotes the token it was sent in its 401 body: the
// attempts show auth_failed and its answer, with the token redacted.
func TestGetDeliveryShowsTheDestinationsAnswerRedacted(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	_, rule, id := refusedDelivery(t, s)

	out, errText := callTool[schemas.GetDeliveryOutput](t, s, "get_delivery", map[string]any{"event_id": id, "rule_id": rule})
	if errText != "" {
		t.Fatal(errText)
	}
	raw, _ := json.Marshal(out)
	if strings.Contains(string(raw), revokedToken) || strings.Contains(string(raw), "session=abc") {
		t.Fatalf("the credential or a cookie reached the result: %s", raw)
	}
	if out.Status != "failed" || len(out.Attempts) == 0 {
		t.Fatalf("delivery %+v", out)
	}
	a := out.Attempts[0]
	if a.OutcomeCode != "auth_failed" || a.DurationMs == nil || a.Response == nil {
		t.Fatalf("newest attempt %+v", a)
	}
	if a.Response.Status != 401 || !strings.Contains(a.Response.Body, "invalid_token") || !strings.Contains(a.Response.Body, schemas.Redacted) ||
		a.Response.Headers["content-type"] != "application/json" {
		t.Fatalf("destination's answer %+v", a.Response)
	}

	_, errText = callTool[schemas.GetDeliveryOutput](t, s, "get_delivery", map[string]any{"event_id": id, "rule_id": s.IDs.Rule})
	if !strings.Contains(errText, "has no delivery through rule "+s.IDs.Rule) || !strings.Contains(errText, rule) {
		t.Errorf("unknown rule: %q", errText)
	}
}

// Canceling while an attempt is on the wire: the result says it is in
// flight, it completes, and the destination sees no further request.
func TestCancelDeliveryStopsARunawayDelivery(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	d := newDestination(t, func(*http.Request) (int, string) { return 503, `{"error":"maintenance"}` })
	d.holdRequests()
	_, rule := webhookRoute(t, s, d, "tok_x", "order.shipped")
	id := sendEvent(t, s, "order.shipped")
	poll.Until(t, "the first attempt", func() bool { return d.requests() == 1 })

	out, errText := callTool[schemas.CancelDeliveryOutput](t, s, "cancel_delivery", map[string]any{"event_id": id})
	if errText != "" {
		t.Fatal(errText)
	}
	if len(out.Canceled) != 1 || out.Canceled[0].Rule != rule || len(out.InFlight) != 1 || !strings.Contains(out.Summary, "will still complete") {
		t.Fatalf("cancel result %+v", out)
	}
	d.release()
	poll.Until(t, "the in-flight attempt to be recorded", func() bool {
		got, _ := callTool[schemas.GetDeliveryOutput](t, s, "get_delivery", map[string]any{"event_id": id, "rule_id": rule})
		return got != nil && len(got.Attempts) == 1 && got.Attempts[0].OutcomeCode != ""
	})
	time.Sleep(100 * time.Millisecond) // ten backoff periods of the stack's sandbox
	if n := d.requests(); n != 1 {
		t.Fatalf("the destination saw %d requests, want only the one in flight at the cancel", n)
	}
	_, errText = callTool[schemas.CancelDeliveryOutput](t, s, "cancel_delivery", map[string]any{"event_id": id, "rule_id": rule})
	if !strings.Contains(errText, "already canceled") || !strings.Contains(errText, "retry_delivery") {
		t.Errorf("second cancel: %q", errText)
	}
}

// diagnose_event reads the attempts: the outcome code classifies the
// failure, the destination's answer is quoted once and redacted, and the
// next call edits the connection's credentials.
func TestDiagnoseEventReadsTheAttempts(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	conn, rule, id := refusedDelivery(t, s)

	out, errText := callTool[schemas.DiagnoseEventOutput](t, s, "diagnose_event", map[string]any{"event_id": id})
	if errText != "" {
		t.Fatal(errText)
	}
	raw, _ := json.Marshal(out)
	if strings.Contains(string(raw), revokedToken) {
		t.Fatalf("the credential reached the result: %s", raw)
	}
	if n := strings.Count(string(raw), "invalid_token"); n != 1 {
		t.Errorf("the destination's answer appears %d times, want once: %s", n, raw)
	}
	f := out.Findings[0]
	if f.OutcomeCode != "auth_failed" || !strings.Contains(f.Said, "invalid_token") || !strings.Contains(f.Cause, "credentials") {
		t.Fatalf("finding %+v", f)
	}
	if f.Next == nil || f.Next.Tool != "update_connection" || f.Next.Arguments["connection_id"] != conn {
		t.Fatalf("next call %+v, want update_connection of %s", f.Next, conn)
	}
	md, _ := f.Next.Arguments["metadata"].(map[string]any)
	if url, _ := md["url"].(string); md["auth_token"] != schemas.Redacted || !strings.HasSuffix(url, "/hook") {
		t.Errorf("suggested metadata %v: the credential to replace should read %s, the rest stay", md, schemas.Redacted)
	}
	if f.RuleID != rule || !strings.Contains(out.Summary, "update_connection") {
		t.Errorf("summary %q", out.Summary)
	}
}

// A destination nobody listens on: the URL to fix is shown whole, its
// password redacted, and the next call edits it.
func TestDiagnoseEventShowsTheURLToFixWhole(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	closed := httptest.NewServer(http.NotFoundHandler())
	addr := closed.Listener.Addr().String()
	closed.Close()
	target := "http://hook-user:hunter2hunter2@" + addr + "/integrations/meshes/v2/tenants/acme-production/receivers/signups-and-upgrades"
	c, err := s.Client.CreateConnection(context.Background(), meshesapi.CreateConnectionRequest{Workspace: s.IDs.Workspace, Type: "webhook",
		Name: "Gone", Metadata: map[string]any{"url": target}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.CreateRule(context.Background(), meshesapi.CreateRuleRequest{Workspace: s.IDs.Workspace, Connection: c.ID,
		Event: "trial.ended", Metadata: map[string]any{"action": "send_webhook"}}); err != nil {
		t.Fatal(err)
	}
	id := sendEvent(t, s, "trial.ended")
	poll.Until(t, "the delivery to fail", func() bool { return eventStatus(t, s, id) == "failed" })

	out, _ := callTool[schemas.DiagnoseEventOutput](t, s, "diagnose_event", map[string]any{"event_id": id})
	f := out.Findings[0]
	// Whole: scheme, user, host and the full path; only the password hidden.
	whole := strings.HasPrefix(f.URL, "http://hook-user:") &&
		strings.HasSuffix(f.URL, "@"+addr+"/integrations/meshes/v2/tenants/acme-production/receivers/signups-and-upgrades")
	if f.OutcomeCode != "network_error" || !whole || f.Next == nil || f.Next.Tool != "update_connection" {
		t.Fatalf("finding %+v, want the whole url with its password redacted", f)
	}
	if raw, _ := json.Marshal(out); strings.Contains(string(raw), "hunter2") {
		t.Fatalf("the URL's password reached the result: %s", raw)
	}
}

// An event whose name matched no rule is reported as such, not as
// completed, naming the routed name it is a typo of.
func TestDiagnoseEventNamesTheLikelyTypo(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	id := sendEvent(t, s, "user.singup")
	poll.Until(t, "routing", func() bool { return eventStatus(t, s, id) != "pending" })
	out, _ := callTool[schemas.DiagnoseEventOutput](t, s, "diagnose_event", map[string]any{"event_id": id})
	if !strings.Contains(out.Summary, "matched no rule") || len(out.Findings) != 1 {
		t.Fatalf("diagnosis %+v", out)
	}
	ev, _ := callTool[schemas.GetEventOutput](t, s, "get_event", map[string]any{"event_id": id})
	if !strings.Contains(ev.Notice, "matched no rule") {
		t.Errorf("get_event of an unrouted event reads as %s without a notice: %+v", ev.Status, ev)
	}
	f := out.Findings[0]
	if f.Severity != "error" || !strings.Contains(f.Cause, `typo of "user.signup"`) || f.Next.Tool != "list_rules" || f.Next.Arguments["event"] != "user.signup" {
		t.Errorf("finding %+v", f)
	}
}

package sandbox

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/poll"
)

// webhookFixture is a workspace with one webhook connection to rc and a
// rule for event "order.completed".
func webhookFixture(t *testing.T, e *testEnv, rc *receiver, md map[string]any) (ws, conn, rule string) {
	t.Helper()
	ws = e.workspace("Webhooks")
	if md == nil {
		md = map[string]any{}
	}
	md["url"] = rc.URL + "/hook"
	conn = e.connection(ws, "webhook", "Receiver", md)
	rule = e.rule(ws, conn, "order.completed", map[string]any{"action": "send_webhook"}, nil)
	return ws, conn, rule
}

func TestWebhookFailsThenRecoversViaRetry(t *testing.T) {
	e := newEnv(t, Options{Backoff: []time.Duration{10 * time.Millisecond}})
	rc := newReceiver(t, http.StatusInternalServerError)
	ws, _, rule := webhookFixture(t, e, rc, nil)
	id := e.emit(ws, "order.completed", map[string]any{"email": "a@example.com", "order_id": "o1"})

	ev := e.waitEvent(id, "failed")
	re := ev.RuleEvents[0]
	if re.Status != "failed" || re.AttemptCount != 2 || re.LastError != "webhook responded 500 Internal Server Error: receiver down" {
		t.Fatalf("failed delivery %+v", re)
	}
	if ev.FailedCount != 1 || ev.CompletedCount != 0 || ev.CompletedAt == "" || ev.StartedAt == "" {
		t.Fatalf("failed event %+v", ev)
	}

	base := "/events/" + id + "/rules/" + rule
	var attempts listPage[map[string]any]
	e.do("GET", base+"/attempts", nil).decode(t, &attempts)
	if attempts.Count != 2 || attempts.Records[0]["attempt_number"] != 2.0 {
		t.Fatalf("attempts (newest first) %+v", attempts)
	}
	first := attempts.Records[1]
	if first["outcome_code"] != "rejected_server_error" || first["response_status"] != 500.0 || first["completed_at"] == nil {
		t.Fatalf("attempt %v", first)
	}
	aid := first["id"].(string)
	if got := e.must(200, e.do("GET", base+"/attempts/"+aid, nil)); got["id"] != aid {
		t.Fatalf("get attempt %v", got)
	}
	details := e.must(200, e.do("GET", base+"/attempts/"+aid+"/response-details", nil))
	if details["status_code"] != 500.0 || details["body"] != "receiver down" {
		t.Fatalf("response details %v", details)
	}
	assertError(t, e.do("GET", base+"/attempts/"+newUUID(), nil), 404)

	rc.status.Store(http.StatusNoContent)
	retried := e.must(200, e.do("POST", base+"/retry", nil))
	if retried["status"] != "pending" || retried["rule"] != rule || retried["id"] != re.ID || retried["integration_type"] != "webhook" {
		t.Fatalf("retry response %v", retried)
	}
	ev = e.waitEvent(id, "completed")
	re = ev.RuleEvents[0]
	if re.Status != "completed" || re.AttemptCount != 3 || re.LastError != "" || ev.FailedCount != 0 || ev.CompletedCount != 1 {
		t.Fatalf("recovered: event %+v", ev)
	}
	assertError(t, e.do("POST", base+"/retry", nil), 409)
	assertError(t, e.do("POST", "/events/"+id+"/rules/"+newUUID()+"/retry", nil), 404)
	assertError(t, e.do("POST", "/events/"+newUUID()+"/rules/"+rule+"/retry", nil), 404)
	assertError(t, e.do("POST", "/events/"+id+"/rules/"+re.ID[:8]+"/retry", nil), 400, "rule_id")

	reqs := rc.requests()
	if len(reqs) != 3 {
		t.Fatalf("receiver saw %d requests, want 3", len(reqs))
	}
	for i, r := range reqs {
		var body map[string]any
		if err := json.Unmarshal(r.body, &body); err != nil || body["uuid"] != id || r.header.Get("X-Meshes-Delivery-Id") != re.ID {
			t.Fatalf("request %d: %s %v", i, r.body, r.header)
		}
		if got := r.header.Get("X-Meshes-Attempt"); got != string(rune('1'+i)) {
			t.Errorf("request %d X-Meshes-Attempt %q", i, got)
		}
	}
}

func TestWebhookRequestFormat(t *testing.T) {
	e := newEnv(t, Options{})
	rc := newReceiver(t, http.StatusOK)
	ws := e.workspace("Formats")
	payload := map[string]any{"email": "a@example.com", "plan": "pro", "seats": 3}
	mac := func(newHash func() hash.Hash, secret string, body []byte) string {
		m := hmac.New(newHash, []byte(secret))
		m.Write(body)
		return hex.EncodeToString(m.Sum(nil))
	}
	cases := []struct {
		name  string
		md    map[string]any
		check func(t *testing.T, r received, eventID string)
	}{
		{"wrapped POST, no auth", map[string]any{}, func(t *testing.T, r received, id string) {
			var b map[string]any
			_ = json.Unmarshal(r.body, &b)
			if r.method != "POST" || b["uuid"] != id || b["event"] != "order.completed" || b["resource"] != "order" || b["resource_id"] != "o_1" ||
				b["payload"].(map[string]any)["plan"] != "pro" || b["time_created"] == nil || b["time_sent"] == nil {
				t.Fatalf("wrapped body %s", r.body)
			}
			if r.header.Get("Authorization") != "" || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("headers %v", r.header)
			}
		}},
		{"raw PUT with metadata headers", map[string]any{"payload_mode": "raw", "http_method": "PUT"}, func(t *testing.T, r received, id string) {
			var b map[string]any
			_ = json.Unmarshal(r.body, &b)
			if r.method != "PUT" || b["plan"] != "pro" || b["uuid"] != nil {
				t.Fatalf("raw body %s", r.body)
			}
			h := r.header
			if h.Get("X-Meshes-Event-Id") != id || h.Get("X-Meshes-Event") != "order.completed" || h.Get("X-Meshes-Resource") != "order" ||
				h.Get("X-Meshes-Resource-Id") != "o_2" || h.Get("X-Meshes-Time-Created") == "" || h.Get("X-Meshes-Time-Sent") == "" {
				t.Fatalf("raw headers %v", h)
			}
		}},
		{"basic auth, PATCH", map[string]any{"http_method": "patch", "auth_scheme": "basic", "auth_username": "u", "auth_password": "p:w"}, func(t *testing.T, r received, _ string) {
			want := "Basic " + base64.StdEncoding.EncodeToString([]byte("u:p:w"))
			if r.method != "PATCH" || r.header.Get("Authorization") != want {
				t.Fatalf("basic: %s %q", r.method, r.header.Get("Authorization"))
			}
		}},
		{"bearer auth", map[string]any{"auth_scheme": "bearer", "auth_token": "tok_1"}, func(t *testing.T, r received, _ string) {
			if r.header.Get("Authorization") != "Bearer tok_1" {
				t.Fatalf("bearer: %q", r.header.Get("Authorization"))
			}
		}},
		{"custom header auth and static headers", map[string]any{"auth_scheme": "header", "auth_header_name": "X-Api-Key", "auth_header_value": "k1",
			"headers": map[string]any{"X-Tenant": "acme"}}, func(t *testing.T, r received, _ string) {
			if r.header.Get("X-Api-Key") != "k1" || r.header.Get("X-Tenant") != "acme" {
				t.Fatalf("custom headers %v", r.header)
			}
		}},
		{"HMAC-SHA256 default header", map[string]any{"signing_secret": "whsec_1"}, func(t *testing.T, r received, _ string) {
			if got := r.header.Get("X-Meshes-Signature"); got != "sha256="+mac(sha256.New, "whsec_1", r.body) {
				t.Fatalf("signature %q", got)
			}
		}},
		{"HMAC-SHA512 custom header", map[string]any{"signing_secret": "s2", "signing_algorithm": "sha512", "signature_header": "X-Sig"}, func(t *testing.T, r received, _ string) {
			if got := r.header.Get("X-Sig"); got != "sha512="+mac(sha512.New, "s2", r.body) {
				t.Fatalf("signature %q", got)
			}
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.md["url"] = rc.URL + "/hook"
			conn := e.connection(ws, "webhook", "Hook "+string(rune('A'+i)), tc.md)
			event := "order.completed"
			e.rule(ws, conn, event, map[string]any{"action": "send_webhook"}, map[string]any{"resource_id": "o_" + string(rune('1'+i))})
			id := e.must(201, e.do("POST", "/events", map[string]any{"workspace": ws, "event": event, "resource": "order",
				"resource_id": "o_" + string(rune('1'+i)), "payload": payload}))["event"].(map[string]any)["id"].(string)
			e.waitEvent(id, "completed")
			for _, r := range rc.requests() {
				if r.header.Get("X-Meshes-Event-Id") == id {
					tc.check(t, r, id)
					return
				}
			}
			t.Fatal("receiver never saw the event")
		})
	}
}

func TestWebhookTimeoutAndRefused(t *testing.T) {
	e := newEnv(t, Options{Backoff: []time.Duration{}, WebhookTimeout: 100 * time.Millisecond})
	rc := newReceiver(t, http.StatusOK)
	rc.holding.Store(true)
	ws, _, _ := webhookFixture(t, e, rc, nil)
	ev := e.waitEvent(e.emit(ws, "order.completed", map[string]any{"id": "1"}), "failed")
	if re := ev.RuleEvents[0]; re.AttemptCount != 1 || re.LastError != "webhook request timed out after 100ms" {
		t.Fatalf("timeout: %+v", re)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String() + "/gone"
	ln.Close()
	conn := e.connection(ws, "webhook", "Closed Port", map[string]any{"url": closed})
	e.rule(ws, conn, "user.deleted", map[string]any{"action": "send_webhook"}, nil)
	ev = e.waitEvent(e.emit(ws, "user.deleted", map[string]any{"id": "1"}), "failed")
	re := ev.RuleEvents[0]
	if !strings.Contains(re.LastError, "connection refused") {
		t.Fatalf("refused: %+v", re)
	}
	var attempts listPage[map[string]any]
	e.do("GET", "/events/"+ev.ID+"/rules/"+re.Rule+"/attempts", nil).decode(t, &attempts)
	if attempts.Records[0]["outcome_code"] != "network_error" {
		t.Fatalf("outcome %v", attempts.Records[0])
	}
	assertError(t, e.do("GET", "/events/"+ev.ID+"/rules/"+re.Rule+"/attempts/"+attempts.Records[0]["id"].(string)+"/response-details", nil), 404)
}

func TestRetryEndpointStates(t *testing.T) {
	t.Run("425 while an attempt is in flight", func(t *testing.T) {
		e := newEnv(t, Options{})
		rc := newReceiver(t, http.StatusOK)
		rc.holding.Store(true)
		ws, _, rule := webhookFixture(t, e, rc, nil)
		id := e.emit(ws, "order.completed", map[string]any{"id": "1"})
		poll.Until(t, "processing", func() bool { return e.getEvent(id).RuleEvents[0].Status == "processing" })
		r := e.do("POST", "/events/"+id+"/rules/"+rule+"/retry", nil)
		assertError(t, r, http.StatusTooEarly)
		if r.header.Get("Retry-After") == "" {
			t.Error("425 without Retry-After")
		}
		if ev := e.getEvent(id); ev.Status != "processing" {
			t.Fatalf("event status while in flight: %s", ev.Status)
		}
		rc.release()
		e.waitEvent(id, "completed")
	})
	t.Run("425 when the automatic retry is imminent", func(t *testing.T) {
		e := newEnv(t, Options{Backoff: []time.Duration{400 * time.Millisecond}})
		rc := newReceiver(t, http.StatusBadGateway)
		ws, _, rule := webhookFixture(t, e, rc, nil)
		id := e.emit(ws, "order.completed", map[string]any{"id": "1"})
		e.waitEvent(id, "retrying")
		assertError(t, e.do("POST", "/events/"+id+"/rules/"+rule+"/retry", nil), http.StatusTooEarly)
		e.waitEvent(id, "failed")
	})
	t.Run("a distant automatic retry is pulled forward once", func(t *testing.T) {
		e := newEnv(t, Options{Backoff: []time.Duration{1200 * time.Millisecond}})
		rc := newReceiver(t, http.StatusServiceUnavailable)
		ws, _, rule := webhookFixture(t, e, rc, nil)
		id := e.emit(ws, "order.completed", map[string]any{"id": "1"})
		e.waitEvent(id, "retrying")
		rc.status.Store(http.StatusOK)
		e.must(200, e.do("POST", "/events/"+id+"/rules/"+rule+"/retry", nil))
		e.waitEvent(id, "completed")
		// The superseded timer fires at 1.2s and must not send again.
		time.Sleep(1300 * time.Millisecond)
		if n := len(rc.requests()); n != 2 {
			t.Fatalf("receiver saw %d requests, want 2", n)
		}
	})
}

func TestCancel(t *testing.T) {
	e := newEnv(t, Options{Backoff: []time.Duration{time.Minute}})
	rc := newReceiver(t, http.StatusInternalServerError)
	ws, _, rule := webhookFixture(t, e, rc, nil)
	slack := e.connection(ws, "slack", "Slack", map[string]any{})
	e.rule(ws, slack, "order.completed", map[string]any{"action": "send_message", "id": "C0123456789", "template": "t"}, nil)

	id := e.emit(ws, "order.completed", map[string]any{"id": "1"})
	e.waitEvent(id, "retrying")
	got := e.must(200, e.do("POST", "/events/"+id+"/rules/"+rule+"/cancel", nil))
	if got["status"] != "canceled" {
		t.Fatalf("cancel rule %v", got)
	}
	if ev := e.getEvent(id); ev.Status != "completed" || ev.CompletedAt == "" {
		t.Fatalf("event after cancel (one delivered, one canceled): %+v", ev)
	}
	assertError(t, e.do("POST", "/events/"+id+"/rules/"+rule+"/cancel", nil), 409)
	assertError(t, e.do("POST", "/events/"+id+"/cancel", nil), 409)

	rc.status.Store(http.StatusOK)
	e.must(200, e.do("POST", "/events/"+id+"/rules/"+rule+"/retry", nil))
	e.waitEvent(id, "completed")
	poll.Until(t, "delivery completed", func() bool {
		for _, re := range e.getEvent(id).RuleEvents {
			if re.Rule == rule {
				return re.Status == "completed"
			}
		}
		return false
	})

	rc.status.Store(http.StatusInternalServerError)
	id2 := e.emit(ws, "order.completed", map[string]any{"id": "2"})
	poll.Until(t, "webhook retrying", func() bool { return e.getEvent(id2).Status == "retrying" })
	ev := e.must(200, e.do("POST", "/events/"+id2+"/cancel", nil))
	for _, re := range ev["rule_events"].([]any) {
		m := re.(map[string]any)
		if m["integration_type"] == "webhook" && m["status"] != "canceled" {
			t.Fatalf("cancel event left %v", m)
		}
	}
	assertError(t, e.do("POST", "/events/"+newUUID()+"/cancel", nil), 404)
}

func TestSimulatedProviders(t *testing.T) {
	e := newEnv(t, Options{})
	ws := e.workspace("Providers")
	person := map[string]any{"email": "a@example.com"}
	cases := []struct {
		name     string
		typ      string
		md       map[string]any
		rule     map[string]any
		payload  map[string]any
		status   string
		attempts int
		outcome  string
		errHas   string
	}{
		{"healthy hubspot", "hubspot", nil, map[string]any{"action": "add_to_list", "id": "5"}, person, "completed", 1, "delivered", ""},
		{"healthy zoom", "zoom", nil, map[string]any{"action": "add_meeting_registrant", "id": "81234567890"}, person, "completed", 1, "delivered", ""},
		{"fail auth", "hubspot", map[string]any{"sandbox_fail": "auth"}, map[string]any{"action": "add_to_list", "id": "5"}, person, "failed", 1, "auth_failed", "HubSpot rejected the request: 401"},
		{"fail rate limit retries", "slack", map[string]any{"sandbox_fail": "rate_limit"}, map[string]any{"action": "send_message", "id": "C0123456789", "template": "t"}, person, "failed", 3, "rate_limited", "ratelimited"},
		{"fail server error retries", "salesforce", map[string]any{"sandbox_fail": "server_error"}, map[string]any{"action": "add_to_campaign", "id": "7015g000000AbCdAAK"}, person, "failed", 3, "rejected_server_error", "SERVER_UNAVAILABLE"},
		{"fail not found", "mailchimp", map[string]any{"api_key": "k", "data_center": "us1", "sandbox_fail": "not_found"}, map[string]any{"action": "add_to_list", "id": "a1b2c3d4e5"}, person, "failed", 1, "rejected_client_error", "404 Resource Not Found"},
		{"fail validation generic", "intercom", map[string]any{"sandbox_fail": "validation"}, map[string]any{"action": "add_tag", "id": "7001"}, person, "failed", 1, "rejected_client_error", "Intercom rejected the request: 400"},
		{"inactive connection", "mailchimp", map[string]any{"api_key": "k", "data_center": "us1", "sandbox_inactive_reason": "authentication_invalid"}, map[string]any{"action": "add_to_list", "id": "a1b2c3d4e5"}, person, "failed", 1, "auth_failed", "authentication_invalid"},
		{"item not in live data", "hubspot", nil, map[string]any{"action": "add_to_list", "id": "999"}, person, "failed", 1, "rejected_client_error", `list "999" not found`},
		{"person event without email", "hubspot", nil, map[string]any{"action": "add_to_list", "id": "5"}, map[string]any{"name": "No Email"}, "failed", 1, "rejected_client_error", "no email"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			md := tc.md
			if md == nil {
				md = map[string]any{}
			}
			conn := e.connection(ws, tc.typ, "Conn "+string(rune('A'+i)), md)
			event := "evt." + string(rune('a'+i))
			rule := e.rule(ws, conn, event, tc.rule, nil)
			ev := e.waitEvent(e.emit(ws, event, tc.payload), tc.status)
			re := ev.RuleEvents[0]
			if re.AttemptCount != tc.attempts || !strings.Contains(re.LastError, tc.errHas) || (tc.errHas == "") != (re.LastError == "") {
				t.Fatalf("delivery %+v", re)
			}
			var attempts listPage[map[string]any]
			e.do("GET", "/events/"+ev.ID+"/rules/"+rule+"/attempts", nil).decode(t, &attempts)
			if attempts.Records[0]["outcome_code"] != tc.outcome {
				t.Fatalf("outcome %v, want %s", attempts.Records[0]["outcome_code"], tc.outcome)
			}
			details := e.must(200, e.do("GET", "/events/"+ev.ID+"/rules/"+rule+"/attempts/"+attempts.Records[0]["id"].(string)+"/response-details", nil))
			if details["status_code"] == nil || details["body"] == "" {
				t.Fatalf("response details %v", details)
			}
		})
	}
}

// TestCancelInFlight: an attempt already on the wire when the delivery is
// canceled completes and is recorded (outcome, duration, the captured
// answer), and no further attempt is queued although it failed.
func TestCancelInFlight(t *testing.T) {
	e := newEnv(t, Options{Backoff: []time.Duration{20 * time.Millisecond, 20 * time.Millisecond}})
	rc := newReceiver(t, http.StatusServiceUnavailable)
	rc.holding.Store(true)
	ws, _, rule := webhookFixture(t, e, rc, nil)
	id := e.emit(ws, "order.completed", map[string]any{"id": "1"})
	poll.Until(t, "attempt on the wire", func() bool { return len(rc.requests()) == 1 })

	got := e.must(200, e.do("POST", "/events/"+id+"/rules/"+rule+"/cancel", nil))
	if got["status"] != "canceled" {
		t.Fatalf("cancel %v", got)
	}
	rc.release()
	base := "/events/" + id + "/rules/" + rule
	var attempts listPage[map[string]any]
	poll.Until(t, "in-flight attempt recorded", func() bool {
		e.do("GET", base+"/attempts", nil).decode(t, &attempts)
		return len(attempts.Records) == 1 && attempts.Records[0]["outcome_code"] != nil
	})
	a := attempts.Records[0]
	if a["outcome_code"] != "rejected_server_error" || a["duration_ms"] == nil || a["response_status"] != 503.0 {
		t.Fatalf("in-flight attempt %v", a)
	}
	details := e.must(200, e.do("GET", base+"/attempts/"+a["id"].(string)+"/response-details", nil))
	if details["status_code"] != 503.0 || details["body"] != "receiver down" || details["headers"] == nil {
		t.Fatalf("captured response %v", details)
	}
	time.Sleep(100 * time.Millisecond) // five backoff periods: a queued retry would have run
	if n := len(rc.requests()); n != 1 {
		t.Fatalf("receiver saw %d requests after the cancel, want only the in-flight one", n)
	}
	if ev := e.getEvent(id); ev.RuleEvents[0].Status != "canceled" || ev.RuleEvents[0].AttemptCount != 1 {
		t.Fatalf("delivery after the in-flight attempt %+v", ev.RuleEvents[0])
	}
}

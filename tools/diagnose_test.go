package tools

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

func TestClassifyLastError(t *testing.T) {
	tests := []struct{ lastError, class string }{
		{"webhook responded 401 Unauthorized", "auth"},
		{"HubSpot: invalid api key", "auth"},
		{"403 Forbidden", "auth"},
		{"webhook responded 404 Not Found", "not_found"},
		{"list 5 not found", "not_found"},
		{"429 Too Many Requests", "rate_limited"},
		{"provider rate limit exceeded", "rate_limited"},
		{"422 Unprocessable Entity: email is required", "validation"},
		{"mapping failed for field email", "validation"},
		{"context deadline exceeded (Client.Timeout exceeded while awaiting headers)", "timeout"},
		{"request timed out after 5s", "timeout"},
		{"dial tcp 127.0.0.1:9: connect: connection refused", "unreachable"},
		{"lookup hooks.example.invalid: no such host", "unreachable"},
		{"x509: certificate signed by unknown authority", "tls"},
		{"webhook responded 500 Internal Server Error", "server_error"},
		{"503 Service Unavailable", "server_error"},
		{"something odd happened", "unknown"},
		{"", "unknown"},
	}
	c := newTestCatalog(t, Options{})
	for _, tt := range tests {
		t.Run(tt.lastError, func(t *testing.T) {
			d := diagnosis{event: &meshesapi.Event{ID: testUUID}, delivery: &meshesapi.RuleEvent{LastError: tt.lastError, Rule: wsA, Connection: wsB}}
			got := classify(d)
			if got.name != tt.class {
				t.Errorf("classified %q as %s, want %s", tt.lastError, got.name, tt.class)
			}
			next := got.next(d)
			if next == nil || next.Tool == "" || len(next.Arguments) == 0 {
				t.Fatalf("class %s suggests no call", got.name)
			}
			checkArgumentTypes(t, c, next.Tool, next.Arguments)
		})
	}
}

// checkArgumentTypes requires each suggested argument to have the JSON type
// the tool's schema declares, so that a model copying the call sends what
// the schema asks for rather than relying on the decoder's coercions.
func checkArgumentTypes(t *testing.T, c *Catalog, tool string, args map[string]any) {
	t.Helper()
	target, ok := c.byName[tool]
	if !ok {
		t.Fatalf("suggested tool %s does not exist", tool)
	}
	var s struct {
		Properties map[string]struct {
			Type string `json:"type"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(target.Definition.RawInputSchema, &s); err != nil {
		t.Fatal(err)
	}
	for name, v := range args {
		want := s.Properties[name].Type
		var got string
		switch v.(type) {
		case string:
			got = "string"
		case bool:
			got = "boolean"
		default:
			got = fmt.Sprintf("%T", v)
		}
		if got != want {
			t.Errorf("%s(%s=%#v): a %s, but the schema says %q", tool, name, v, got, want)
		}
	}
}

func TestDeliveryFindingPrefersConnectionState(t *testing.T) {
	inactive := false
	d := diagnosis{
		event:      &meshesapi.Event{ID: testUUID, Workspace: wsA, Event: "user.signup"},
		delivery:   &meshesapi.RuleEvent{Status: "failed", AttemptCount: 3, LastError: "500", Rule: wsA, Connection: wsB, IntegrationType: "hubspot"},
		rule:       &meshesapi.Rule{ID: wsA, Metadata: map[string]any{"action": "add_to_list", "id": "5"}},
		connection: &meshesapi.Connection{ID: wsB, Type: "hubspot", Name: "CRM", Active: &inactive, InactiveReason: "oauth_authorization_revoked"},
	}
	f := deliveryFinding(d)
	if f.Severity != "error" || !strings.Contains(f.Cause, "OAuth authorization was revoked") || f.Next.Tool != "get_connection" {
		t.Errorf("inactive connection not named as the cause: %+v", f)
	}
	active := true
	d.connection.Active = &active
	d.rule.Metadata = map[string]any{"action": "add_to_list"}
	if f := deliveryFinding(d); !strings.Contains(f.Cause, "needs metadata.id") || f.Next.Tool != "list_connection_actions" {
		t.Errorf("missing list id not named as the cause: %+v", f)
	}
	d.rule = nil
	if f := deliveryFinding(d); !strings.Contains(f.Cause, "rule behind this delivery no longer exists") || f.Next.Tool != "list_rules" {
		t.Errorf("deleted rule not named as the cause: %+v", f)
	}
	d.lookupErr = testAPIError(t, 503, "GetRule", wsA)
	if f := deliveryFinding(d); strings.Contains(f.Cause, "no longer exists") || !strings.Contains(f.Cause, "could not be read just now") || f.Next.Tool != "diagnose_event" {
		t.Errorf("an unreadable rule was blamed as deleted: %+v", f)
	}
}

// An attempt's outcome_code decides the class; a 4xx or a network failure
// is refined by the attempt's status and message.
func TestClassifyByOutcomeCode(t *testing.T) {
	tests := []struct {
		code, message string
		status        int
		class         string
	}{
		{"auth_failed", "provider said no", 0, "auth"},
		{"mapping_error", "field email has no source", 0, "validation"},
		{"rate_limited", "slow down", 429, "rate_limited"},
		{"rejected_server_error", "webhook responded 502", 502, "server_error"},
		{"timeout", "no answer", 0, "timeout"},
		{"internal_error", "worker crashed", 0, "internal"},
		{"rejected_client_error", "webhook responded", 404, "not_found"},
		{"rejected_client_error", "webhook responded", 422, "validation"},
		{"network_error", "x509: certificate signed by unknown authority", 0, "tls"},
		{"network_error", "dial tcp: connection refused", 0, "unreachable"},
	}
	for _, tt := range tests {
		d := diagnosis{event: &meshesapi.Event{ID: testUUID}, delivery: &meshesapi.RuleEvent{Rule: wsA, Connection: wsB, LastError: "ignored: 401"},
			attempt: &meshesapi.DeliveryAttempt{OutcomeCode: tt.code, Message: tt.message, ResponseStatus: tt.status}}
		if got := classify(d).name; got != tt.class {
			t.Errorf("%s %d %q classified as %s, want %s", tt.code, tt.status, tt.message, got, tt.class)
		}
	}
}

// A delivery Meshes keeps retrying: a cause that needs a fix names it and
// how to stop the retries meanwhile; a passing one is waited for, until it
// has failed so often that cancelling is the call.
func TestRetryingDeliveryNextCalls(t *testing.T) {
	active := true
	base := func(code string, attempts int) diagnosis {
		return diagnosis{
			event:      &meshesapi.Event{ID: testUUID, Workspace: wsA},
			delivery:   &meshesapi.RuleEvent{Status: "retrying", AttemptCount: attempts, Rule: wsA, Connection: wsB, IntegrationType: "webhook"},
			rule:       &meshesapi.Rule{ID: wsA, Metadata: map[string]any{"action": "send_webhook"}},
			connection: &meshesapi.Connection{ID: wsB, Type: "webhook", Name: "Hook", Active: &active, Metadata: map[string]any{"url": "https://a:pw@hooks.example.com/in", "auth_token": "x"}},
			attempt:    &meshesapi.DeliveryAttempt{OutcomeCode: code, Message: "failed"},
		}
	}
	if f := deliveryFinding(base("auth_failed", 2)); f.Next.Tool != "update_connection" || !strings.Contains(f.Cause, "cancel_delivery") {
		t.Errorf("retrying auth failure: %+v", f)
	}
	if f := deliveryFinding(base("timeout", 2)); f.Next.Tool != "get_delivery" {
		t.Errorf("retrying timeout, 2 attempts: %+v", f.Next)
	}
	if f := deliveryFinding(base("timeout", runawayAttempts)); f.Next.Tool != "cancel_delivery" || f.Next.Arguments["rule_id"] != wsA {
		t.Errorf("runaway timeout: %+v", f.Next)
	}
	if f := deliveryFinding(base("network_error", 1)); f.URL != "https://a:redacted@hooks.example.com/in" {
		t.Errorf("url to fix %q", f.URL)
	}
}

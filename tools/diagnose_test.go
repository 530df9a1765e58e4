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

package tools

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// A tool must declare its scope, on arguments its input has; New reports
// every tool that does not.
func TestScopeDeclarationsAreChecked(t *testing.T) {
	handler := func(context.Context, *schemas.CreateRuleInput) (*schemas.CreateRuleOutput, error) { return nil, nil }
	bulk := func(context.Context, *schemas.SendEventsInput) (*schemas.SendEventsOutput, error) { return nil, nil }
	base := reading("some_tool", "Some tool", toolsetRules, "Does something.")
	tests := []struct {
		name string
		tool Tool
		want string // "" when the declaration is sound
	}{
		{"no declaration", newTool(base, handler), "declares no workspace scope"},
		{"unknown argument", newTool(base.inWorkspace("workspace"), handler), `has no argument "workspace"`},
		{"not a string", newTool(base.onObject(objConnection, "metadata"), handler), `argument "metadata" is a schemas.RuleMetadata, not a string`},
		{"not a list", newTool(base.inWorkspace("workspace_id[].id"), handler), `argument "workspace_id" is a string, not a list of objects`},
		{"unknown item argument", newTool(base.emitsTo("events[].workspace"), bulk), `has no argument "workspace"`},
		{"whole-call declaration combined", newTool(base.orgWide().inWorkspace("workspace_id"), handler), "cannot be combined"},
		{"payload variant of a connection", newTool(base.onObject(objConnection, "connection_id").readingPayloadWhen(func(any) bool { return true }), handler),
			"readingPayloadWhen qualifies only an onObject(objEvent"},
		{"payload variant without a declaration", newTool(base.readingPayloadWhen(func(any) bool { return true }), handler),
			"readingPayloadWhen qualifies only an onObject(objEvent"},
		{"several arguments", newTool(base.inWorkspace("workspace_id").onObject(objConnection, "connection_id"), handler), ""},
		{"list items", newTool(base.emitsTo("events[].workspace_id"), bulk), ""},
		{"embedded struct", newTool(base.emitsTo("workspace_id"),
			func(context.Context, *schemas.SendEventInput) (*schemas.SendEventOutput, error) { return nil, nil }), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := index([]Tool{tt.tool}, reflected)
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("sound declaration refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// scopeFake serves one event of workspace A whose deliveries went through a
// rule and a connection of workspace B (ids a model could also pass by
// hand), and logs the paths it was asked for.
type scopeFake struct {
	mu    sync.Mutex
	paths []string
}

const (
	fakeEventID      = "33333333-3333-4333-8333-333333333333"
	fakeRuleID       = "44444444-4444-4444-8444-444444444444"
	fakeConnectionID = "55555555-5555-4555-8555-555555555555"
	otherTenantName  = "Other Tenant CRM"
)

func (f *scopeFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.paths = append(f.paths, r.Method+" "+r.URL.Path)
	f.mu.Unlock()
	var body any
	switch r.URL.Path {
	case "/api/v1/events/" + fakeEventID, "/api/v1/events/" + fakeEventID + "/payload":
		body = map[string]any{"id": fakeEventID, "workspace": wsA, "event": "user.signup", "status": "failed", "payload": map[string]any{"email": "a@example.com"},
			"total_rules": 1, "created_by": "t", "created_at": "2026-01-01T00:00:00Z",
			"rule_events": []any{map[string]any{"id": testUUID, "type": "rule", "workspace": wsA, "event": "user.signup",
				"event_id": fakeEventID, "connection": fakeConnectionID, "rule": fakeRuleID, "integration_type": "hubspot",
				"status": "failed", "attempt_count": 1, "last_error": "500", "created_by": "t", "created_at": "2026-01-01T00:00:00Z"}}}
	case "/api/v1/rules/" + fakeRuleID:
		body = map[string]any{"id": fakeRuleID, "workspace": wsB, "connection": fakeConnectionID, "type": "rule",
			"event": "user.signup", "metadata": map[string]any{"action": "add_to_list", "id": "secret-list"}}
	case "/api/v1/connections/" + fakeConnectionID:
		body = map[string]any{"id": fakeConnectionID, "workspace": wsB, "type": "hubspot", "name": otherTenantName, "metadata": map[string]any{}}
	default:
		http.Error(w, `{"message":"unexpected request"}`, http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// diagnose_event follows an event's deliveries to their rules and
// connections; under an allowlist, those of another workspace read as
// missing, like any object outside it, instead of being described.
func TestDiagnoseEventHidesOtherWorkspacesObjects(t *testing.T) {
	c := fakeCatalogWith(t, &scopeFake{}, Options{Policy: Policy{Workspaces: []string{wsA}}})
	out := callJSON[schemas.DiagnoseEventOutput](t, c, "diagnose_event", map[string]any{"event_id": fakeEventID})
	text := toJSON(out)
	if strings.Contains(text, otherTenantName) || strings.Contains(text, "secret-list") {
		t.Errorf("the diagnosis describes another workspace's rule or connection: %s", text)
	}
	if len(out.Findings) != 1 || !strings.Contains(out.Findings[0].Cause, "no longer exists (or cannot be read)") {
		t.Errorf("the other workspace's rule should read as missing: %s", text)
	}
}

// The adapter's check of a declared object and the handler's use of it
// share one read, also when the handler reads the event with its payload.
func TestScopedObjectIsReadOncePerCall(t *testing.T) {
	for _, tc := range []struct {
		args map[string]any
		read string
	}{
		{map[string]any{"event_id": fakeEventID}, "GET /api/v1/events/" + fakeEventID},
		{map[string]any{"event_id": fakeEventID, "include_payload": true}, "GET /api/v1/events/" + fakeEventID + "/payload"},
		{map[string]any{"event_id": fakeEventID, "payload_path": "email"}, "GET /api/v1/events/" + fakeEventID + "/payload"},
	} {
		fake := &scopeFake{}
		c := fakeCatalogWith(t, fake, Options{Policy: Policy{Workspaces: []string{wsA}}})
		callJSON[schemas.GetEventOutput](t, c, "get_event", tc.args)
		if len(fake.paths) != 1 || fake.paths[0] != tc.read {
			t.Errorf("get_event %v under an allowlist sent %v, want one read: %s", tc.args, fake.paths, tc.read)
		}
	}
}

// Each event of send_events is checked against the allowlist by the
// adapter, before any is sent; one left to the publishable key's implied
// workspace cannot be checked, so it is refused while confined.
func TestSendEventsChecksEveryEventsWorkspace(t *testing.T) {
	tests := []struct {
		name      string
		workspace string // of the second event; the first is in wsA
		want      string
	}{
		{"outside the allowlist", wsB, "workspace " + wsB + " is outside the workspaces this server may use"},
		{"implied by the publishable key", "", "events[1].workspace_id is required while the server is confined to some workspaces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &scopeFake{}
			c := fakeCatalogWith(t, fake, Options{PublishableKey: true, Policy: Policy{Workspaces: []string{wsA}}})
			second := map[string]any{"event": "a.b", "payload": map[string]any{"n": 1}}
			if tt.workspace != "" {
				second["workspace_id"] = tt.workspace
			}
			args, _ := json.Marshal(map[string]any{"events": []any{
				map[string]any{"workspace_id": wsA, "event": "a.b", "payload": map[string]any{"n": 0}}, second}})
			res, err := c.Call(context.Background(), "send_events", args)
			if err != nil {
				t.Fatal(err)
			}
			if text := toJSON(res.Content); !res.IsError || !strings.Contains(text, tt.want) {
				t.Errorf("want a refusal saying %q, got %s", tt.want, text)
			}
			if len(fake.paths) != 0 {
				t.Errorf("refused, but %v reached Meshes", fake.paths)
			}
		})
	}
}

package e2e

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/poll"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// TestEveryToolHappyPath calls the whole catalog, tenant lifecycle order,
// against the sandbox through the built binary. retry_delivery is exercised
// by TestDeliveryDebuggingJourney.
func TestEveryToolHappyPath(t *testing.T) {
	f := newFixture(t)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer receiver.Close()
	c := connect(t, f.env(t))

	var workspaces schemas.ListWorkspacesOutput
	ok(t, c, "list_workspaces", map[string]any{}, &workspaces)
	if workspaces.Count < 2 {
		t.Fatalf("seeded workspaces missing: %+v", workspaces)
	}

	var ws schemas.CreateWorkspaceOutput
	ok(t, c, "create_workspace", map[string]any{"name": "E2E Tenant", "description": "made by e2e"}, &ws)
	var got schemas.GetWorkspaceOutput
	ok(t, c, "get_workspace", map[string]any{"workspace_id": ws.ID}, &got)
	if got.Name != "E2E Tenant" || got.PublishableKey == "" {
		t.Errorf("get_workspace = %+v", got)
	}
	var renamed schemas.UpdateWorkspaceOutput
	ok(t, c, "update_workspace", map[string]any{"workspace_id": ws.ID, "name": "E2E Tenant Two"}, &renamed)
	if renamed.Name != "E2E Tenant Two" || renamed.Description != "made by e2e" {
		t.Errorf("rename lost the description: %+v", renamed)
	}
	ok(t, c, "list_event_types", map[string]any{"workspace_id": ws.ID}, nil)
	ok(t, c, "list_resources", map[string]any{"workspace_id": ws.ID}, nil)

	var integrations schemas.ListIntegrationsOutput
	ok(t, c, "list_integrations", map[string]any{"type": "webhook"}, &integrations)
	if integrations.Count != 1 || !slices.ContainsFunc(integrations.Integrations[0].Actions, func(a schemas.Action) bool { return a.Key == "send_webhook" }) {
		t.Errorf("webhook integration = %+v", integrations)
	}

	const token = "tok_e2e_9a8b7c6d5e4f3a2b1c0d"
	var conn schemas.CreateConnectionOutput
	ok(t, c, "create_connection", map[string]any{"workspace_id": ws.ID, "type": "webhook", "name": "E2E Hook",
		"metadata": map[string]any{"url": receiver.URL + "/hook", "auth_scheme": "bearer", "auth_token": token}}, &conn)
	if conn.Metadata["auth_token"] != schemas.Redacted || conn.Metadata["auth_scheme"] != "bearer" {
		t.Errorf("create_connection metadata = %v, want the token redacted and the scheme shown", conn.Metadata)
	}
	var conns schemas.ListConnectionsOutput
	ok(t, c, "list_connections", map[string]any{"workspace_id": ws.ID}, &conns)
	if conns.Count != 1 || conns.Connections[0].ID != conn.ID || conns.Connections[0].Metadata != nil {
		t.Errorf("list_connections = %+v", conns)
	}
	var gotConn schemas.GetConnectionOutput
	ok(t, c, "get_connection", map[string]any{"connection_id": conn.ID}, &gotConn)
	if gotConn.Metadata["auth_token"] != schemas.Redacted {
		t.Errorf("get_connection leaks the token: %v", gotConn.Metadata)
	}
	ok(t, c, "update_connection", map[string]any{"connection_id": conn.ID, "name": "E2E Hook 2",
		"metadata": map[string]any{"url": receiver.URL + "/hook2", "auth_scheme": "bearer", "auth_token": token}}, nil)
	ok(t, c, "list_connection_actions", map[string]any{"connection_id": conn.ID}, nil)
	var fields schemas.GetConnectionFieldsOutput
	ok(t, c, "get_connection_fields", map[string]any{"connection_id": conn.ID, "refresh": true}, &fields)
	var mapping schemas.GetConnectionMappingOutput
	ok(t, c, "get_connection_mapping", map[string]any{"connection_id": conn.ID}, &mapping)
	if mapping.Status != "generated" {
		t.Errorf("fresh connection mapping status = %q", mapping.Status)
	}
	dest := "email"
	if len(fields.Fields) > 0 {
		dest = fields.Fields[0].Key
	}
	var stored schemas.UpdateConnectionMappingOutput
	ok(t, c, "update_connection_mapping", map[string]any{"connection_id": conn.ID, "name": "E2E mapping",
		"schema": map[string]any{"schema_version": 1, "fields": []any{map[string]any{
			"dest": dest, "source": map[string]any{"type": "path", "value": "email"},
			"transforms": []any{map[string]any{"type": "trim"}, map[string]any{"type": "lower"}}}}}}, &stored)
	if stored.Status != "stored" || stored.Version < 1 {
		t.Errorf("update_connection_mapping = %+v", stored)
	}

	var rule schemas.CreateRuleOutput
	ok(t, c, "create_rule", map[string]any{"workspace_id": ws.ID, "connection_id": conn.ID, "event": "user.signup", "action": "send_webhook"}, &rule)
	if rule.Action != "send_webhook" || rule.Active == nil || !*rule.Active {
		t.Errorf("create_rule = %+v (active defaults to true)", rule)
	}
	var rules schemas.ListRulesOutput
	ok(t, c, "list_rules", map[string]any{"workspace_id": ws.ID, "event": "user.signup"}, &rules)
	if rules.Count != 1 || rules.Rules[0].ID != rule.ID {
		t.Errorf("list_rules = %+v", rules)
	}
	ok(t, c, "get_rule", map[string]any{"rule_id": rule.ID}, nil)

	var sent schemas.SendEventOutput
	ok(t, c, "send_event", map[string]any{"workspace_id": ws.ID, "event": "user.signup", "resource": "user", "resource_id": "u_1",
		"payload": map[string]any{"email": "erin@example.com", "plan": "pro"}}, &sent)
	var bulk schemas.SendEventsOutput
	ok(t, c, "send_events", map[string]any{"events": []any{
		map[string]any{"workspace_id": ws.ID, "event": "user.signup", "payload": map[string]any{"email": "f@example.com"}},
		map[string]any{"workspace_id": ws.ID, "event": "order.completed", "payload": map[string]any{"email": "g@example.com"}},
	}}, &bulk)
	if bulk.Accepted != 2 || len(bulk.Items) != 2 || bulk.Items[0].EventID == "" {
		t.Errorf("send_events = %+v", bulk)
	}
	var events schemas.ListEventsOutput
	ok(t, c, "list_events", map[string]any{"workspace_id": ws.ID, "limit": 10}, &events)
	if events.Count != 3 {
		t.Errorf("list_events = %+v, want the 3 events sent", events)
	}

	var event schemas.GetEventOutput
	poll.Until(t, "the webhook delivery to complete", func() bool {
		ok(t, c, "get_event", map[string]any{"event_id": sent.EventID, "include_payload": true}, &event)
		return event.Status == "completed"
	})
	if event.Payload["email"] != "erin@example.com" || len(event.Deliveries) != 1 || event.Deliveries[0].Rule != rule.ID {
		t.Errorf("get_event = %+v", event)
	}
	var deliveries schemas.ListDeliveriesOutput
	ok(t, c, "list_deliveries", map[string]any{"workspace_id": ws.ID, "rule_id": rule.ID}, &deliveries)
	if deliveries.Count < 1 || deliveries.ByStatus["completed"] < 1 {
		t.Errorf("list_deliveries = %+v", deliveries)
	}
	var diag schemas.DiagnoseEventOutput
	ok(t, c, "diagnose_event", map[string]any{"event_id": sent.EventID}, &diag)
	if len(diag.Findings) != 1 || diag.Findings[0].Severity != "info" {
		t.Errorf("diagnose_event on a delivered event = %+v", diag)
	}

	var session schemas.CreateSessionOutput
	ok(t, c, "create_session", map[string]any{"workspace_id": ws.ID, "external_user_id": "u_1", "launch_page": "events"}, &session)
	if session.SessionID == "" || strings.Contains(session.LaunchURL, "?") || session.Role != "member" {
		t.Errorf("create_session = %+v (launch token must be withheld, role defaults to member)", session)
	}
	var sessions schemas.ListSessionsOutput
	ok(t, c, "list_sessions", map[string]any{"workspace_id": ws.ID, "status": "active"}, &sessions)
	if sessions.Count != 1 || sessions.Sessions[0].SessionID != session.SessionID {
		t.Errorf("list_sessions = %+v", sessions)
	}
	ok(t, c, "refresh_session", map[string]any{"session_id": session.SessionID}, nil)
	var revoked schemas.RevokeSessionOutput
	ok(t, c, "revoke_session", map[string]any{"session_id": session.SessionID}, &revoked)
	if !revoked.Revoked {
		t.Errorf("revoke_session = %+v", revoked)
	}

	fails(t, c, "delete_connection", map[string]any{"connection_id": conn.ID}, "force_delete")
	ok(t, c, "delete_rule", map[string]any{"rule_id": rule.ID}, nil)
	var deleted schemas.DeleteConnectionOutput
	ok(t, c, "delete_connection", map[string]any{"connection_id": conn.ID, "force_delete": true}, &deleted)
	if !deleted.Deleted {
		t.Errorf("delete_connection = %+v", deleted)
	}
	fails(t, c, "get_connection", map[string]any{"connection_id": conn.ID}, "connection "+conn.ID+" not found")
}

// TestEveryToolRejectsBadInput sends each tool an argument that breaks its
// schema or a contract rule, and checks the answer is an isError result
// naming the problem while no request reached Meshes.
func TestEveryToolRejectsBadInput(t *testing.T) {
	f := newFixture(t)
	c := connect(t, f.env(t))
	const id = "123e4567-e89b-42d3-a456-426614174000"
	tests := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"list_workspaces", map[string]any{"cursor": "forged"}, "cursor is not a next_cursor"},
		{"get_workspace", map[string]any{"workspace_id": "acme"}, "workspace_id must be a UUID"},
		{"create_workspace", map[string]any{"name": "x"}, "name must have at least 3 characters"},
		{"update_workspace", map[string]any{"workspace_id": id, "name": "ok name", "description": strings.Repeat("d", 1025)}, "description must have at most 1024 characters"},
		{"list_event_types", map[string]any{}, "workspace_id is required"},
		{"list_resources", map[string]any{"workspace_id": "../x"}, "workspace_id must be a UUID"},
		{"list_connections", map[string]any{"workspace": id}, "did you mean workspace_id?"},
		{"get_connection", map[string]any{"connection_id": "%2e%2e"}, "connection_id must be a UUID"},
		{"create_connection", map[string]any{"workspace_id": id, "type": "fax", "name": "n", "metadata": map[string]any{}}, "type must be one of"},
		{"update_connection", map[string]any{"connection_id": id, "name": "n", "metadata": map[string]any{}, "remove_secrets": []any{map[string]any{"a": 1}}}, "remove_secrets[0] must be a string"},
		{"delete_connection", map[string]any{"connection_id": id, "force_delete": "sure"}, "force_delete must be a boolean"},
		{"list_connection_actions", map[string]any{"connection_id": 42}, "connection_id must be a UUID"},
		{"get_connection_fields", map[string]any{"connection_id": id, "refresh": []any{1}}, "refresh must be a boolean"},
		{"get_connection_mapping", map[string]any{}, "connection_id is required"},
		{"update_connection_mapping", map[string]any{"connection_id": id, "schema": map[string]any{"schema_version": 1, "fields": []any{map[string]any{"dest": "email", "source": map[string]any{"type": "column", "value": "x"}}}}}, "source.type must be one of path, literal"},
		{"list_integrations", map[string]any{"kind": "webhook"}, "kind is not an argument"},
		{"list_rules", map[string]any{"workspace_id": id, "cursor": 7}, "cursor is not a next_cursor"},
		{"get_rule", map[string]any{"rule_id": ""}, "rule_id is required"},
		{"create_rule", map[string]any{"workspace_id": id, "connection_id": id, "event": "a", "action": "x", "resource_id": "has space"}, "resource_id must match"},
		{"delete_rule", map[string]any{"rule_id": "rules/../../x"}, "rule_id must be a UUID"},
		{"send_event", map[string]any{"workspace_id": id, "event": "user.signup", "payload": map[string]any{}}, "payload must hold at least one non-empty value"},
		{"send_events", map[string]any{"events": []any{}}, "events must have at least 1 items"},
		{"list_events", map[string]any{"limit": 0}, "limit must be at least 1"},
		{"get_event", map[string]any{"event_id": id, "include_payload": "yes please"}, "include_payload must be a boolean"},
		{"list_deliveries", map[string]any{"workspace_id": id, "status": "lost"}, "status must be one of"},
		{"retry_delivery", map[string]any{"event_id": id}, "rule_id is required"},
		{"diagnose_event", map[string]any{"event_id": "evt_1"}, "event_id must be a UUID"},
		{"get_delivery", map[string]any{"event_id": id, "rule_id": "../attempts"}, "rule_id must be a UUID"},
		{"cancel_delivery", map[string]any{"rule_id": id}, "event_id is required"},
		{"create_session", map[string]any{"workspace_id": id, "launch_ttl_seconds": 120}, "launch_ttl_seconds must be at most 60"},
		{"list_sessions", map[string]any{"workspace_id": id, "limit": 201}, "limit must be at most 200"},
		{"refresh_session", map[string]any{"session_id": "sess/../../x"}, "session_id must match"},
		{"revoke_session", map[string]any{"session_id": ""}, "session_id is required"},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			rejectedBeforeAnyRequest(t, f, c, tt.tool, tt.args, tt.want)
		})
	}
}

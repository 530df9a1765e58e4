package stress

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// Tool classes by what a retry may do: reads and idempotent writes can be
// repeated safely; a non-idempotent write (POST) can duplicate an effect.
const (
	classRead       = "read"
	classIdempotent = "idempotent write"
	classPOST       = "non-idempotent write"
)

// toolCall is one successful-looking call of a tool and the request of it
// that faults are aimed at (method and a faultmeshes path pattern).
type toolCall struct {
	class, tool     string
	method, pattern string
	// args prepares what the call needs (a disposable object to delete,
	// for example) directly through the client, then returns the arguments.
	args func(t testing.TB, s *teststack.Stack) map[string]any
}

const api = "/api/v1"

var uniq atomic.Int64

// unique returns a name no earlier call used, within the name rules.
func unique(prefix string) string { return fmt.Sprintf("%s %d", prefix, uniq.Add(1)) }

func fixed(args func(ids teststack.IDs) map[string]any) func(testing.TB, *teststack.Stack) map[string]any {
	return func(_ testing.TB, s *teststack.Stack) map[string]any { return args(s.IDs) }
}

// toolCalls covers every tool of the catalog.
var toolCalls = []toolCall{
	// Reads.
	{classRead, "list_workspaces", "GET", api + "/workspaces", fixed(func(teststack.IDs) map[string]any { return map[string]any{} })},
	{classRead, "get_workspace", "GET", api + "/workspaces/*", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"workspace_id": ids.Workspace} })},
	{classRead, "list_event_types", "GET", api + "/workspaces/*/event-types", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"workspace_id": ids.Workspace} })},
	{classRead, "list_resources", "GET", api + "/workspaces/*/resources", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"workspace_id": ids.Workspace} })},
	{classRead, "list_connections", "GET", api + "/connections", fixed(func(teststack.IDs) map[string]any { return map[string]any{} })},
	{classRead, "get_connection", "GET", api + "/connections/*", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"connection_id": ids.Connection} })},
	{classRead, "list_connection_actions", "GET", api + "/connections/*/actions", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"connection_id": ids.Connection} })},
	{classRead, "get_connection_fields", "GET", api + "/connections/*/fields", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"connection_id": ids.Connection} })},
	{classRead, "get_connection_mapping", "GET", api + "/connections/*/mappings/default", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"connection_id": ids.Connection} })},
	{classRead, "list_integrations", "GET", api + "/integrations", fixed(func(teststack.IDs) map[string]any { return map[string]any{} })},
	{classRead, "list_rules", "GET", api + "/rules", fixed(func(teststack.IDs) map[string]any { return map[string]any{} })},
	{classRead, "get_rule", "GET", api + "/rules/*", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"rule_id": ids.Rule} })},
	{classRead, "list_events", "GET", api + "/events", fixed(func(teststack.IDs) map[string]any { return map[string]any{} })},
	{classRead, "get_event", "GET", api + "/events/*", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"event_id": ids.Event} })},
	{classRead, "list_deliveries", "GET", api + "/workspaces/*/events", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"workspace_id": ids.Workspace} })},
	{classRead, "diagnose_event", "GET", api + "/events/*", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"event_id": ids.FailedEvent} })},
	{classRead, "list_sessions", "GET", api + "/sessions", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"workspace_id": ids.Workspace} })},
	{classRead, "export_workspace", "GET", api + "/workspaces/*/rules", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"workspace_id": smallWorkspace(t, s)}
	}},
	{classRead, "plan_blueprint", "GET", api + "/integrations", func(testing.TB, *teststack.Stack) map[string]any {
		return map[string]any{"blueprint": smallBlueprint(), "workspace_name": unique("Planned")}
	}},

	// Idempotent writes.
	{classIdempotent, "update_workspace", "PUT", api + "/workspaces/*", func(_ testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"workspace_id": s.IDs.Workspace, "name": unique("Renamed"), "description": "changed by stress"}
	}},
	{classIdempotent, "update_connection", "PUT", api + "/connections/*", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"connection_id": webhookConnection(t, s), "name": unique("Hook"), "metadata": hookMetadata()}
	}},
	{classIdempotent, "update_connection_mapping", "PUT", api + "/connections/*/mappings/default", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"connection_id": webhookConnection(t, s), "schema": map[string]any{"schema_version": 1,
			"fields": []any{map[string]any{"dest": "email", "source": map[string]any{"type": "path", "value": "email"}}}}}
	}},
	{classIdempotent, "delete_connection", "DELETE", api + "/connections/*", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"connection_id": webhookConnection(t, s), "force_delete": true}
	}},
	{classIdempotent, "delete_rule", "DELETE", api + "/rules/*", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"rule_id": disposableRule(t, s)}
	}},
	{classIdempotent, "revoke_session", "DELETE", api + "/sessions/*", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"session_id": disposableSession(t, s)}
	}},

	// Non-idempotent writes.
	{classPOST, "create_workspace", "POST", api + "/workspaces", func(testing.TB, *teststack.Stack) map[string]any {
		return map[string]any{"name": unique("Tenant")}
	}},
	{classPOST, "create_connection", "POST", api + "/connections", func(_ testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"workspace_id": s.IDs.Workspace, "type": "webhook", "name": unique("Hook"), "metadata": hookMetadata()}
	}},
	{classPOST, "create_rule", "POST", api + "/rules", func(_ testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"workspace_id": s.IDs.Workspace, "connection_id": s.IDs.WebhookConnection,
			"event": fmt.Sprintf("stress.rule_%d", uniq.Add(1)), "action": "send_webhook"}
	}},
	{classPOST, "send_event", "POST", api + "/events", func(_ testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"workspace_id": s.IDs.Workspace, "event": "stress.sent", "payload": map[string]any{"email": "jo@example.com"}}
	}},
	{classPOST, "send_events", "POST", api + "/events/bulk", func(_ testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"events": bulkEvents(s.IDs.Workspace, 3)}
	}},
	{classPOST, "retry_delivery", "POST", api + "/events/*/rules/*/retry", func(t testing.TB, s *teststack.Stack) map[string]any {
		event, rule := failedDelivery(t, s)
		return map[string]any{"event_id": event, "rule_id": rule}
	}},
	{classPOST, "create_session", "POST", api + "/sessions", func(_ testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"workspace_id": s.IDs.Workspace}
	}},
	{classPOST, "refresh_session", "POST", api + "/sessions/*/refresh", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"session_id": disposableSession(t, s)}
	}},
	{classPOST, "apply_blueprint", "POST", api + "/workspaces", func(testing.TB, *teststack.Stack) map[string]any {
		return map[string]any{"blueprint": smallBlueprint(), "workspace_name": unique("Applied"),
			"secrets": []any{map[string]any{"name": "hook token", "value": "tok_stress_0123456789abcdef"}}}
	}},
}

func callsOf(class string) []toolCall {
	var out []toolCall
	for _, c := range toolCalls {
		if c.class == class {
			out = append(out, c)
		}
	}
	return out
}

func callNamed(t testing.TB, tool string) toolCall {
	t.Helper()
	for _, c := range toolCalls {
		if c.tool == tool {
			return c
		}
	}
	t.Fatalf("no toolCall for %s", tool)
	return toolCall{}
}

// hookMetadata is a webhook configuration whose target refuses connections,
// so nothing leaves the machine.
func hookMetadata() map[string]any {
	return map[string]any{"url": "http://127.0.0.1:9/stress", "auth_scheme": "bearer", "auth_token": "tok_stress_0123456789abcdef"}
}

func bulkEvents(workspace string, n int) []any {
	events := make([]any, n)
	for i := range events {
		events[i] = map[string]any{"workspace_id": workspace, "event": "stress.bulk",
			"payload": map[string]any{"email": fmt.Sprintf("u%d@example.com", i), "n": i}}
	}
	return events
}

func setupCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 10*time.Second)
}

// webhookConnection creates a disposable webhook connection.
func webhookConnection(t testing.TB, s *teststack.Stack) string {
	t.Helper()
	ctx, cancel := setupCtx()
	defer cancel()
	c, err := s.Client.CreateConnection(ctx, meshesapi.CreateConnectionRequest{Workspace: s.IDs.Workspace,
		Type: "webhook", Name: unique("Disposable"), Metadata: hookMetadata()})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// smallBlueprint is a tenant of one webhook connection and one rule, its
// token a placeholder.
func smallBlueprint() map[string]any {
	hook := hookMetadata()
	hook["auth_token"] = "${secret:hook token}"
	return map[string]any{"version": 1,
		"connections": []any{map[string]any{"name": "Hook", "type": "webhook", "metadata": hook}},
		"rules":       []any{map[string]any{"event": "stress.planned", "connection": "Hook", "action": "send_webhook"}}}
}

// smallWorkspace is a new workspace with one webhook connection and one
// rule, small whatever other calls add to the seeded ones.
func smallWorkspace(t testing.TB, s *teststack.Stack) string {
	t.Helper()
	ctx, cancel := setupCtx()
	defer cancel()
	w, err := s.Client.CreateWorkspace(ctx, meshesapi.CreateWorkspaceRequest{Name: unique("Exported")})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Client.CreateConnection(ctx, meshesapi.CreateConnectionRequest{Workspace: w.ID, Type: "webhook", Name: "Hook", Metadata: hookMetadata()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.CreateRule(ctx, meshesapi.CreateRuleRequest{Workspace: w.ID, Connection: c.ID, Event: "stress.exported", Metadata: map[string]any{"action": "send_webhook"}}); err != nil {
		t.Fatal(err)
	}
	return w.ID
}

func disposableRule(t testing.TB, s *teststack.Stack) string {
	t.Helper()
	ctx, cancel := setupCtx()
	defer cancel()
	r, err := s.Client.CreateRule(ctx, meshesapi.CreateRuleRequest{Workspace: s.IDs.Workspace, Connection: s.IDs.WebhookConnection,
		Event: fmt.Sprintf("stress.disposable_%d", uniq.Add(1)), Metadata: map[string]any{"action": "send_webhook"}})
	if err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func disposableSession(t testing.TB, s *teststack.Stack) string {
	t.Helper()
	ctx, cancel := setupCtx()
	defer cancel()
	sess, err := s.Client.CreateSession(ctx, meshesapi.CreateSessionRequest{WorkspaceID: s.IDs.Workspace})
	if err != nil {
		t.Fatal(err)
	}
	return sess.SessionID
}

// failedDelivery waits for the sandbox to settle (a retried delivery must
// have failed again before it can be retried) and returns a failed
// delivery's event and rule.
func failedDelivery(t testing.TB, s *teststack.Stack) (string, string) {
	t.Helper()
	ctx, cancel := setupCtx()
	defer cancel()
	if err := s.Sandbox.Server.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	e, err := s.Client.GetEvent(ctx, s.IDs.FailedEvent)
	if err != nil {
		t.Fatal(err)
	}
	for _, re := range e.RuleEvents {
		if re.Status == "failed" {
			return e.ID, re.Rule
		}
	}
	t.Fatalf("seeded event %s has no failed delivery", e.ID)
	return "", ""
}

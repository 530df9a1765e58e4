package stress

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// Tool classes by what a retry may do: reads and idempotent writes can be
// repeated safely; a non-idempotent write (POST) can duplicate an effect.
const (
	classRead       = "read"
	classIdempotent = "idempotent write"
	classPOST       = "non-idempotent write"
)

// callRow is what cannot be derived about stressing one tool: the Meshes
// operation whose request faults are aimed at, and the arguments of a
// successful call.
type callRow struct {
	tool string
	// op names the meshesapi operation (Operation.Name) to inject faults into.
	op string
	// args prepares what the call needs (a disposable object to delete,
	// for example) directly through the client, then returns the arguments.
	args func(t testing.TB, s *teststack.Stack) map[string]any
}

// toolCall is one successful-looking call of a tool and the request of it
// that faults are aimed at: its class, method and path pattern come from
// meshesapi's operation table.
type toolCall struct {
	callRow
	class, method, pattern string
}

// api is the path prefix of the API base the test stack serves.
const api = "/api/v1"

var uniq atomic.Int64

// unique returns a name no earlier call used, within the name rules.
func unique(prefix string) string { return fmt.Sprintf("%s %d", prefix, uniq.Add(1)) }

func fixed(args func(ids teststack.IDs) map[string]any) func(testing.TB, *teststack.Stack) map[string]any {
	return func(_ testing.TB, s *teststack.Stack) map[string]any { return args(s.IDs) }
}

// toolCalls covers every tool of the catalog
// (TestEveryToolHasAStressCall says which row a new tool needs).
var toolCalls = resolveCalls([]callRow{
	// Reads.
	{"list_workspaces", "ListWorkspaces", fixed(func(teststack.IDs) map[string]any { return map[string]any{} })},
	{"get_workspace", "GetWorkspace", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"workspace_id": ids.Workspace} })},
	{"list_event_types", "ListEventTypes", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"workspace_id": ids.Workspace} })},
	{"list_resources", "ListResources", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"workspace_id": ids.Workspace} })},
	{"list_connections", "ListConnections", fixed(func(teststack.IDs) map[string]any { return map[string]any{} })},
	{"get_connection", "GetConnection", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"connection_id": ids.Connection} })},
	{"list_connection_actions", "GetConnectionActions", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"connection_id": ids.Connection} })},
	{"get_connection_fields", "GetConnectionFields", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"connection_id": ids.Connection} })},
	{"get_connection_mapping", "GetDefaultMapping", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"connection_id": ids.Connection} })},
	{"list_integrations", "ListIntegrations", fixed(func(teststack.IDs) map[string]any { return map[string]any{} })},
	{"list_rules", "ListRules", fixed(func(teststack.IDs) map[string]any { return map[string]any{} })},
	{"get_rule", "GetRule", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"rule_id": ids.Rule} })},
	{"list_events", "ListEvents", fixed(func(teststack.IDs) map[string]any { return map[string]any{} })},
	{"get_event", "GetEvent", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"event_id": ids.Event} })},
	{"list_deliveries", "ListWorkspaceEvents", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"workspace_id": ids.Workspace} })},
	{"diagnose_event", "GetEvent", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"event_id": ids.FailedEvent} })},
	{"get_delivery", "ListDeliveryAttempts", func(t testing.TB, s *teststack.Stack) map[string]any {
		event, rule := failedDelivery(t, s)
		return map[string]any{"event_id": event, "rule_id": rule}
	}},
	{"list_sessions", "ListSessions", fixed(func(ids teststack.IDs) map[string]any { return map[string]any{"workspace_id": ids.Workspace} })},
	{"export_workspace", "ListWorkspaceRules", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"workspace_id": smallWorkspace(t, s)}
	}},
	{"plan_blueprint", "ListIntegrations", func(testing.TB, *teststack.Stack) map[string]any {
		return map[string]any{"blueprint": smallBlueprint(), "workspace_name": unique("Planned")}
	}},

	// Idempotent writes.
	{"update_workspace", "UpdateWorkspace", func(_ testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"workspace_id": s.IDs.Workspace, "name": unique("Renamed"), "description": "changed by stress"}
	}},
	{"update_connection", "UpdateConnection", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"connection_id": webhookConnection(t, s), "name": unique("Hook"), "metadata": hookMetadata()}
	}},
	{"update_connection_mapping", "PutDefaultMapping", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"connection_id": webhookConnection(t, s), "schema": map[string]any{"schema_version": 1,
			"fields": []any{map[string]any{"dest": "email", "source": map[string]any{"type": "path", "value": "email"}}}}}
	}},
	{"delete_connection", "DeleteConnection", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"connection_id": webhookConnection(t, s), "force_delete": true}
	}},
	{"delete_rule", "DeleteRule", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"rule_id": disposableRule(t, s)}
	}},
	{"revoke_session", "RevokeSession", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"session_id": disposableSession(t, s)}
	}},

	// Non-idempotent writes.
	{"create_workspace", "CreateWorkspace", func(testing.TB, *teststack.Stack) map[string]any {
		return map[string]any{"name": unique("Tenant")}
	}},
	{"create_connection", "CreateConnection", func(_ testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"workspace_id": s.IDs.Workspace, "type": "webhook", "name": unique("Hook"), "metadata": hookMetadata()}
	}},
	{"create_rule", "CreateRule", func(_ testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"workspace_id": s.IDs.Workspace, "connection_id": s.IDs.WebhookConnection,
			"event": fmt.Sprintf("stress.rule_%d", uniq.Add(1)), "action": "send_webhook"}
	}},
	{"send_event", "SendEvent", func(_ testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"workspace_id": s.IDs.Workspace, "event": "stress.sent", "payload": map[string]any{"email": "jo@example.com"}}
	}},
	{"send_events", "SendEvents", func(_ testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"events": bulkEvents(s.IDs.Workspace, 3)}
	}},
	{"retry_delivery", "RetryDelivery", func(t testing.TB, s *teststack.Stack) map[string]any {
		event, rule := failedDelivery(t, s)
		return map[string]any{"event_id": event, "rule_id": rule}
	}},
	{"create_session", "CreateSession", func(_ testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"workspace_id": s.IDs.Workspace}
	}},
	{"refresh_session", "RefreshSession", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"session_id": disposableSession(t, s)}
	}},
	{"cancel_delivery", "CancelEvent", func(t testing.TB, s *teststack.Stack) map[string]any {
		return map[string]any{"event_id": heldDelivery(t, s)}
	}},
	{"apply_blueprint", "CreateWorkspace", func(testing.TB, *teststack.Stack) map[string]any {
		return map[string]any{"blueprint": smallBlueprint(), "workspace_name": unique("Applied"),
			"secrets": []any{map[string]any{"name": "hook token", "value": "tok_stress_0123456789abcdef"}}}
	}},
})

// resolveCalls derives each call's fault target (method, path pattern) and
// class from the operation it names. A row
// naming a tool or an operation that does not exist panics, which fails
// every test of the package with the reason.
func resolveCalls(rows []callRow) []toolCall {
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		panic(err)
	}
	catalog := map[string]tools.Tool{}
	for _, tool := range cat.All() {
		catalog[tool.Name] = tool
	}
	ops := map[string]meshesapi.Operation{}
	for _, op := range meshesapi.Operations() {
		ops[op.Name] = op
	}
	calls := make([]toolCall, len(rows))
	for i, c := range rows {
		calls[i].callRow = c
		tool, ok := catalog[c.tool]
		if !ok {
			panic("stress: toolCalls names " + c.tool + ", which the catalog does not have")
		}
		op, ok := ops[c.op]
		if !ok {
			panic("stress: toolCalls row " + c.tool + " names operation " + c.op + ", which meshesapi.Operations() does not have")
		}
		// What a retry of the faulted request may do depends on its method,
		// not on the tool: apply_blueprint is idempotent as a whole, yet the
		// POST that creates its workspace could duplicate it.
		switch op.Method {
		case http.MethodGet:
			calls[i].class = classRead
		case http.MethodPut, http.MethodDelete:
			calls[i].class = classIdempotent
		default:
			calls[i].class = classPOST
		}
		if tool.ReadOnly != (calls[i].class == classRead) {
			panic("stress: toolCalls row " + c.tool + " aims faults at " + op.String() + ", but the tool is read-only=" + strconv.FormatBool(tool.ReadOnly))
		}
		calls[i].method = op.Method
		calls[i].pattern = api + pathParam.ReplaceAllString(op.Path, "*")
	}
	return calls
}

// pathParam is a {placeholder} of an operation's path template.
var pathParam = regexp.MustCompile(`\{[a-z_]+\}`)

// Every tool of the catalog is stressed: a tool without a row fails here
// with what to add, rather than being silently left out of the fault tests.
func TestEveryToolHasAStressCall(t *testing.T) {
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range cat.All() {
		if !slices.ContainsFunc(toolCalls, func(c toolCall) bool { return c.tool == tool.Name }) {
			t.Errorf("%s has no row in toolCalls (stress/calls_test.go): add {tool, the meshesapi operation whose request faults should hit, "+
				"a func returning arguments for a successful call}", tool.Name)
		}
	}
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

// A delivery held by heldDelivery stays in flight for heldFor, long enough
// for the cancel that follows it even on a loaded machine, and short enough
// that held attempts do not tie up the sandbox's few delivery workers;
// heldDeliveryTimeout, the fault stacks' limit on one attempt, outlasts it.
const (
	heldFor             = 5 * time.Second
	heldDeliveryTimeout = 2 * heldFor
)

// heldDelivery sends an event whose only delivery is in flight, to a
// destination that answers only after heldFor, so that cancel_delivery
// always has something to cancel.
func heldDelivery(t testing.TB, s *teststack.Stack) string {
	t.Helper()
	var arrived atomic.Int64
	hold := make(chan struct{})
	dest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		select {
		case <-hold:
		case <-time.After(heldFor):
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() {
		close(hold)
		dest.Close()
	})
	ctx, cancel := setupCtx()
	defer cancel()
	event := fmt.Sprintf("stress.held%d", uniq.Add(1))
	conn, err := s.Client.CreateConnection(ctx, meshesapi.CreateConnectionRequest{Workspace: s.IDs.Workspace, Type: "webhook",
		Name: unique("Held"), Metadata: map[string]any{"url": dest.URL + "/hook"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Client.CreateRule(ctx, meshesapi.CreateRuleRequest{Workspace: s.IDs.Workspace, Connection: conn.ID, Event: event,
		Metadata: map[string]any{"action": "send_webhook"}}); err != nil {
		t.Fatal(err)
	}
	sent, err := s.Client.SendEvent(ctx, meshesapi.EventInput{Workspace: s.IDs.Workspace, Event: event,
		Payload: json.RawMessage(`{"email":"held@example.com"}`)})
	if err != nil {
		t.Fatal(err)
	}
	for arrived.Load() == 0 {
		if ctx.Err() != nil {
			t.Fatalf("the held delivery of %s never reached its destination", sent.ID)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return sent.ID
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

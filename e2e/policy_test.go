package e2e

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
	"github.com/meshes-mcp/meshes-mcp/schemas"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

func allTools(t *testing.T) []tools.Tool {
	t.Helper()
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return cat.All()
}

// calling a hidden tool is refused by the server before any request.
func refused(t *testing.T, f *fixture, c interface {
	CallTool(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error)
}, name string, args map[string]any) {
	t.Helper()
	before := f.requests.Load()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name, req.Params.Arguments = name, args
	res, err := c.CallTool(ctx, req)
	if err == nil && !res.IsError {
		t.Errorf("%s ran although the policy hides it", name)
	}
	if n := f.requests.Load() - before; n != 0 {
		t.Errorf("%s sent %d request(s) to Meshes although refused", name, n)
	}
}

func TestReadOnlyMode(t *testing.T) {
	f := newFixture(t)
	for _, how := range []struct{ args, env []string }{{args: []string{"--read-only"}}, {env: []string{"MESHES_READ_ONLY=true"}}} {
		c := connect(t, f.env(t, how.env...), how.args...)
		var want []string
		for _, tool := range allTools(t) {
			if tool.ReadOnly {
				want = append(want, tool.Name)
			}
		}
		slices.Sort(want)
		if got := testbin.ToolNames(t, c); !slices.Equal(got, want) {
			t.Errorf("%v: tools = %v, want only read tools %v", how, got, want)
		}
		refused(t, f, c, "create_workspace", map[string]any{"name": "Sneaky"})
		refused(t, f, c, "send_event", map[string]any{"workspace_id": "123e4567-e89b-42d3-a456-426614174000", "event": "a", "payload": map[string]any{"a": 1}})
		ok(t, c, "list_workspaces", nil, nil)
	}
}

func TestToolsetSelection(t *testing.T) {
	f := newFixture(t)
	c := connect(t, f.env(t, "MESHES_TOOLSETS=events,deliveries"))
	got := testbin.ToolNames(t, c)
	var want []string
	for _, tool := range allTools(t) {
		if tool.Toolset == "events" || tool.Toolset == "deliveries" {
			want = append(want, tool.Name)
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("tools = %v, want %v", got, want)
	}
	refused(t, f, c, "list_workspaces", nil)
	ok(t, c, "list_events", map[string]any{"limit": 1}, nil)
}

// TestWorkspaceAllowlist confines the agent to Acme Staging: Production is
// invisible in lists, refused by name, and its objects are "not found".
func TestWorkspaceAllowlist(t *testing.T) {
	f := newFixture(t)
	open := connect(t, f.env(t))
	var all schemas.ListWorkspacesOutput
	ok(t, open, "list_workspaces", nil, &all)
	var prod, staging string
	for _, w := range all.Workspaces {
		switch w.Name {
		case "Acme Production":
			prod = w.ID
		case "Acme Staging":
			staging = w.ID
		}
	}
	var prodConns schemas.ListConnectionsOutput
	ok(t, open, "list_connections", map[string]any{"workspace_id": prod}, &prodConns)
	var prodRules schemas.ListRulesOutput
	ok(t, open, "list_rules", map[string]any{"workspace_id": prod}, &prodRules)
	var prodEvents schemas.ListEventsOutput
	ok(t, open, "list_events", map[string]any{"workspace_id": prod, "status": "failed"}, &prodEvents)
	var prodSessions schemas.ListSessionsOutput
	ok(t, open, "list_sessions", map[string]any{"workspace_id": prod}, &prodSessions)
	prodConn, prodRule, prodEvent := prodConns.Connections[0].ID, prodRules.Rules[0].ID, prodEvents.Events[0].ID

	c := connect(t, f.env(t), "--workspaces", staging)
	if slices.Contains(testbin.ToolNames(t, c), "create_workspace") {
		t.Error("create_workspace offered to a confined agent")
	}

	var ws schemas.ListWorkspacesOutput
	ok(t, c, "list_workspaces", nil, &ws)
	if ws.Count != 1 || ws.Workspaces[0].ID != staging {
		t.Errorf("list_workspaces = %+v, want only staging", ws)
	}
	var conns schemas.ListConnectionsOutput
	ok(t, c, "list_connections", nil, &conns)
	var events schemas.ListEventsOutput
	ok(t, c, "list_events", map[string]any{"limit": 200}, &events)
	var rules schemas.ListRulesOutput
	ok(t, c, "list_rules", nil, &rules)
	for _, x := range conns.Connections {
		if x.Workspace != staging {
			t.Errorf("org-wide list_connections shows %s of workspace %s", x.ID, x.Workspace)
		}
	}
	for _, x := range events.Events {
		if x.Workspace != staging {
			t.Errorf("org-wide list_events shows %s of workspace %s", x.ID, x.Workspace)
		}
	}
	for _, x := range rules.Rules {
		if x.Workspace != staging {
			t.Errorf("org-wide list_rules shows %s of workspace %s", x.ID, x.Workspace)
		}
	}
	if conns.Count == 0 || events.Count == 0 || rules.Count == 0 {
		t.Errorf("staging's own objects are missing: %d connections, %d events, %d rules", conns.Count, events.Count, rules.Count)
	}

	// Named workspace outside the allowlist: refused.
	fails(t, c, "list_deliveries", map[string]any{"workspace_id": prod}, "outside the workspaces this server may use")
	fails(t, c, "create_rule", map[string]any{"workspace_id": prod, "connection_id": prodConn, "event": "x", "action": "y"}, "outside the workspaces")
	fails(t, c, "send_event", map[string]any{"workspace_id": prod, "event": "x", "payload": map[string]any{"a": 1}}, "outside the workspaces")
	// Objects reached by id from another workspace: not found, and nothing changes.
	fails(t, c, "get_workspace", map[string]any{"workspace_id": prod}, "workspace "+prod+" not found")
	fails(t, c, "get_connection", map[string]any{"connection_id": prodConn}, "connection "+prodConn+" not found")
	fails(t, c, "get_rule", map[string]any{"rule_id": prodRule}, "rule "+prodRule+" not found")
	fails(t, c, "get_event", map[string]any{"event_id": prodEvent}, "event "+prodEvent+" not found")
	fails(t, c, "diagnose_event", map[string]any{"event_id": prodEvent}, "not found")
	writes := f.requestsMatching("POST") + f.requestsMatching("PUT") + f.requestsMatching("DELETE")
	fails(t, c, "retry_delivery", map[string]any{"event_id": prodEvent, "rule_id": prodRule}, "event "+prodEvent+" not found")
	// An allowed event does not open the way to another workspace's rule.
	fails(t, c, "retry_delivery", map[string]any{"event_id": events.Events[0].ID, "rule_id": prodRule}, "rule "+prodRule+" not found")
	fails(t, c, "delete_rule", map[string]any{"rule_id": prodRule}, "rule "+prodRule+" not found")
	fails(t, c, "delete_connection", map[string]any{"connection_id": prodConn, "force_delete": true}, "connection "+prodConn+" not found")
	fails(t, c, "update_connection", map[string]any{"connection_id": prodConn, "name": "Hijacked", "metadata": map[string]any{}}, "not found")
	fails(t, c, "revoke_session", map[string]any{"session_id": prodSessions.Sessions[0].SessionID}, "not found")
	if after := f.requestsMatching("POST") + f.requestsMatching("PUT") + f.requestsMatching("DELETE"); after != writes {
		t.Errorf("%d write request(s) reached Meshes for objects outside the allowlist", after-writes)
	}
	ok(t, open, "get_rule", map[string]any{"rule_id": prodRule}, nil)
}

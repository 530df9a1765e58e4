package tools

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// rpc sends one JSON-RPC message to srv and decodes the answer.
func rpc(t *testing.T, ctx context.Context, srv *server.MCPServer, method string, params any) map[string]any {
	t.Helper()
	msg, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
	resp, _ := json.Marshal(srv.HandleMessage(ctx, msg))
	var out map[string]any
	if err := json.Unmarshal(resp, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Every output schema compiles and is enforced: a handler returning a
// result of the wrong shape is turned into an error instead of reaching the
// model. (mcp-go silently skips schemas that do not compile, so this also
// proves each one compiles.)
func TestOutputSchemasAreEnforced(t *testing.T) {
	c := newTestCatalog(t, Options{})
	srv := c.MCPServer("test")
	for _, tool := range c.All() {
		srv.AddTool(tool.Definition, func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{mcp.NewTextContent("[1]")}, StructuredContent: json.RawMessage(`[1]`)}, nil
		})
		out := rpc(t, context.Background(), srv, "tools/call", map[string]any{"name": tool.Name, "arguments": map[string]any{}})
		res, _ := out["result"].(map[string]any)
		if res["isError"] != true || !strings.Contains(toJSON(res), "output schema validation failed") {
			t.Errorf("%s: malformed result passed output validation: %v", tool.Name, out)
		}
	}
}

// The MCP server applies the per-request policy when listing and when
// calling: a hidden tool cannot be called by name, and the refusal says
// which policy hides it rather than mcp-go's "tool 'x' not found".
func TestMCPServerFiltersListAndCall(t *testing.T) {
	c := newTestCatalog(t, Options{})
	srv := c.MCPServer("test")
	ctx := WithPolicy(context.Background(), Policy{ReadOnly: true, Toolsets: []string{"rules"}})
	list := rpc(t, ctx, srv, "tools/list", map[string]any{})
	var names []string
	for _, tool := range list["result"].(map[string]any)["tools"].([]any) {
		names = append(names, tool.(map[string]any)["name"].(string))
	}
	if want := readToolsOf(c, toolsetRules); !sameSet(names, want) {
		t.Errorf("tools/list = %v, want %v", names, want)
	}
	for _, tc := range []struct{ tool, policy string }{
		{"delete_rule", "read-only mode"},
		{"list_events", "the toolset selection (the events toolset is not enabled"},
	} {
		out := rpc(t, ctx, srv, "tools/call", map[string]any{"name": tc.tool, "arguments": map[string]any{"rule_id": testUUID}})
		res, _ := out["result"].(map[string]any)
		if res["isError"] != true || !strings.Contains(toJSON(res), tc.tool+" is refused by "+tc.policy) {
			t.Errorf("%s: hidden tool call answered %v, want an error naming %q", tc.tool, out, tc.policy)
		}
	}
	confined := newTestCatalog(t, Options{Policy: Policy{Workspaces: []string{wsA}}}).MCPServer("test")
	out := rpc(t, context.Background(), confined, "tools/call", map[string]any{"name": "create_workspace", "arguments": map[string]any{"name": "Sneaky"}})
	if res, _ := out["result"].(map[string]any); res["isError"] != true || !strings.Contains(toJSON(res), "workspace allowlist") {
		t.Errorf("create_workspace under an allowlist answered %v, want a refusal naming the allowlist", out)
	}
	if out := rpc(t, ctx, srv, "tools/call", map[string]any{"name": "no_such_tool"}); out["error"] == nil {
		t.Errorf("an unknown tool ran: %v", out)
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

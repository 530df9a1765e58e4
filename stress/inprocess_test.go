package stress

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
)

// session is an MCP client talking to the catalog's MCP server in-process:
// the same server the binary runs (handlers, policy filter, output-schema
// validation, panic recovery), without a process boundary, so the fault
// suite can script the backend request by request.
type session struct {
	t     testing.TB
	stack *teststack.Stack
	c     *client.Client
}

func newSession(t testing.TB, stack *teststack.Stack) *session {
	t.Helper()
	c, err := client.NewInProcessClient(stack.Catalog.MCPServer("stress"))
	if err != nil {
		t.Fatal(err)
	}
	handshake(t, c)
	t.Cleanup(func() { _ = c.Close() })
	return &session{t: t, stack: stack, c: c}
}

// handshake starts c (so it routes notifications) and performs the MCP
// handshake.
func handshake(t testing.TB, c *client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "stress", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
}

// call runs one tool; a protocol-level error fails the test, since every
// tool failure must come back as an isError result instead.
func (s *session) call(name string, args map[string]any) *mcp.CallToolResult {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	res, err := s.c.CallTool(ctx, req)
	if err != nil {
		s.t.Fatalf("%s: protocol error instead of a tool result: %v", name, err)
	}
	return res
}

// mustSucceed runs a tool that has to work and decodes its structured result.
func (s *session) mustSucceed(name string, args map[string]any, out any) {
	s.t.Helper()
	res := s.call(name, args)
	if res.IsError {
		s.t.Fatalf("%s(%v) failed: %s", name, args, text(res))
	}
	if out != nil {
		decodeStructured(s.t, res, out)
	}
}

// stillServes proves the server answers the next call after a failure.
func (s *session) stillServes() {
	s.t.Helper()
	var out struct {
		Count int `json:"count"`
	}
	s.mustSucceed("list_workspaces", map[string]any{}, &out)
	if out.Count == 0 {
		s.t.Fatal("list_workspaces after a failure returned no workspaces")
	}
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

func decodeStructured(t testing.TB, res *mcp.CallToolResult, out any) {
	t.Helper()
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("structured content %s: %v", raw, err)
	}
}

// advice are the phrases that tell the model what to do next; every error
// result must contain one.
var advice = []string{
	"try again", "safe to repeat", "safe to send again", "call again", "check", "wait", "list ", "get ",
	"fix", "do not resend", "before sending again", "before creating it again", "before retrying again",
	"before refreshing again", "read the current state", "read the object again", "ask for less",
}

// actionable reports whether an error text is one plain sentence that says
// what to do next, without a Go value dump.
// Matching is case-sensitive after lowering the first letter, so "GET /x"
// does not pass for the advice "get ".
func actionable(msg string) bool {
	if strings.TrimSpace(msg) == "" || strings.Contains(msg, "&{") || strings.Contains(msg, "goroutine ") {
		return false
	}
	m := strings.ToLower(msg[:1]) + msg[1:]
	for _, a := range advice {
		if strings.Contains(m, a) {
			return true
		}
	}
	return false
}

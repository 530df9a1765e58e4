package httpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/meshes-mcp/meshes-mcp/internal/poll"
	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/sandbox"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// catalogServer is the real tool catalog bound to a seeded in-process
// sandbox, restricted by base as if by --read-only/--toolsets/--workspaces.
func catalogServer(t testing.TB, base tools.Policy) *server.MCPServer {
	t.Helper()
	return seededCatalog(t, base).MCPServer("test")
}

// seededCatalog is the catalog catalogServer serves.
func seededCatalog(t testing.TB, base tools.Policy) *tools.Catalog {
	t.Helper()
	sb, err := sandbox.Start(sandbox.Options{Seed: true})
	if err != nil {
		t.Fatalf("sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	api, err := meshesapi.New(meshesapi.Config{
		AccessKey: sb.Credentials.AccessKey, SecretKey: sb.Credentials.SecretKey, OrgID: sb.Credentials.OrgID,
		APIURL: sb.URL,
	})
	if err != nil {
		t.Fatalf("meshesapi: %v", err)
	}
	cat, err := tools.New(api, tools.Options{Policy: base})
	if err != nil {
		t.Fatalf("catalog: %v", err)
	}
	return cat
}

// workspaceIDs calls list_workspaces and returns the ids by name.
func workspaceIDs(t *testing.T, c *client.Client) map[string]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := callTool(ctx, c, "list_workspaces", map[string]any{})
	if err != nil || res.IsError {
		t.Fatalf("list_workspaces: %v %s", err, resultText(res))
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Workspaces []struct{ ID, Name string } `json:"workspaces"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("list_workspaces structured content %s: %v", raw, err)
	}
	ids := make(map[string]string, len(out.Workspaces))
	for _, w := range out.Workspaces {
		ids[w.Name] = w.ID
	}
	return ids
}

// catalogSize is how many tools the catalog declares.
func catalogSize(t *testing.T) int {
	t.Helper()
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return len(cat.All())
}

// The real catalog over every transport, against the sandbox: the full tool
// list, a read that reaches the sandbox, and a write.
func TestCatalogOverEveryTransport(t *testing.T) {
	for _, tc := range clientKinds {
		t.Run(string(tc.kind), func(t *testing.T) {
			r := serve(t, catalogServer(t, tools.Policy{}), Config{Transport: tc.transport, AuthToken: "tok"})
			c := mustConnect(t, tc.kind, r.base, map[string]string{"Authorization": "Bearer tok"})
			if n, want := len(testbin.ToolNames(t, c)), catalogSize(t); n != want {
				t.Fatalf("tools/list has %d tools, want the full catalog of %d", n, want)
			}
			ids := workspaceIDs(t, c)
			prod, ok := ids["Acme Production"]
			if !ok {
				t.Fatalf("seeded workspace missing from %v", ids)
			}
			if got := callText(t, c, "get_workspace", map[string]any{"workspace_id": prod}); !strings.Contains(got, "Acme Production") {
				t.Fatalf("get_workspace text %q does not name the workspace", got)
			}
			name := "Created over " + string(tc.transport)
			callText(t, c, "create_workspace", map[string]any{"name": strings.ReplaceAll(name, " ", "_")})
			if _, ok := workspaceIDs(t, c)[strings.ReplaceAll(name, " ", "_")]; !ok {
				t.Fatal("created workspace is not listed afterwards")
			}
		})
	}
}

// Long calls report progress over HTTP as over stdio: on the POST's own
// response stream (streamable HTTP) or the session stream (SSE).
func TestProgressNotifications(t *testing.T) {
	for _, tc := range clientKinds {
		t.Run(string(tc.kind), func(t *testing.T) {
			r := serve(t, catalogServer(t, tools.Policy{}), Config{Transport: tc.transport})
			c := mustConnect(t, tc.kind, r.base, nil)
			var mu sync.Mutex
			var progress []float64
			c.OnNotification(func(n mcp.JSONRPCNotification) {
				if n.Method != string(mcp.MethodNotificationProgress) || n.Params.AdditionalFields["progressToken"] != "batch-1" {
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if p, ok := n.Params.AdditionalFields["progress"].(float64); ok {
					progress = append(progress, p)
				}
			})
			prod := workspaceIDs(t, c)["Acme Production"]
			events := make([]any, 250)
			for i := range events {
				events[i] = map[string]any{"workspace_id": prod, "event": "user.signup", "payload": map[string]any{"email": fmt.Sprintf("u%d@acme.test", i)}}
			}
			req := mcp.CallToolRequest{}
			req.Params.Name = "send_events"
			req.Params.Arguments = map[string]any{"events": events}
			req.Params.Meta = &mcp.Meta{ProgressToken: "batch-1"}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			res, err := c.CallTool(ctx, req)
			if err != nil || res.IsError {
				t.Fatalf("send_events: %v %s", err, resultText(res))
			}
			// On SSE, mcp-go queues notifications and the response through
			// different goroutines, so the last update may trail the result.
			poll.Until(t, "progress to reach 250 of 250", func() bool {
				mu.Lock()
				defer mu.Unlock()
				return slices.Contains(progress, 250)
			})
		})
	}
}

// Narrowing headers restrict listing and calling on both transports, and
// never widen the server's own policy.
func TestNarrowingHeaders(t *testing.T) {
	for _, tc := range clientKinds {
		t.Run(string(tc.kind), func(t *testing.T) {
			r := serve(t, catalogServer(t, tools.Policy{}), Config{Transport: tc.transport})
			all := testbin.ToolNames(t, mustConnect(t, tc.kind, r.base, nil))
			ids := workspaceIDs(t, mustConnect(t, tc.kind, r.base, nil))
			prod, staging := ids["Acme Production"], ids["Acme Staging"]

			// The header must expose exactly what the same restriction set
			// on the server's command line would.
			sameAsBase := func(t *testing.T, headers map[string]string, base tools.Policy) *client.Client {
				t.Helper()
				ref := serve(t, catalogServer(t, base), Config{Transport: tc.transport})
				want := testbin.ToolNames(t, mustConnect(t, tc.kind, ref.base, nil))
				c := mustConnect(t, tc.kind, r.base, headers)
				got := testbin.ToolNames(t, c)
				if len(got) == 0 || len(got) >= len(all) || !slices.Equal(got, want) {
					t.Fatalf("tools/list with %v = %v, want %v (of %d)", headers, got, want, len(all))
				}
				return c
			}
			t.Run("read-only hides and refuses writes", func(t *testing.T) {
				c := sameAsBase(t, map[string]string{HeaderReadOnly: "true"}, tools.Policy{ReadOnly: true})
				assertRefused(t, c, "create_workspace", map[string]any{"name": "nope"})
			})
			t.Run("toolsets keep only those toolsets", func(t *testing.T) {
				c := sameAsBase(t, map[string]string{HeaderToolsets: "rules, events"}, tools.Policy{Toolsets: []string{"rules", "events"}})
				assertRefused(t, c, "list_workspaces", map[string]any{})
			})
			t.Run("workspaces confine the agent", func(t *testing.T) {
				c := mustConnect(t, tc.kind, r.base, map[string]string{HeaderWorkspaces: staging})
				if got := workspaceIDs(t, c); len(got) != 1 || got["Acme Staging"] != staging {
					t.Fatalf("confined list_workspaces = %v, want only Acme Staging", got)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				res, err := callTool(ctx, c, "get_workspace", map[string]any{"workspace_id": prod})
				if err == nil && !res.IsError {
					t.Fatalf("confined agent read another workspace: %s", resultText(res))
				}
			})
		})
	}
}

func TestNarrowingCannotWiden(t *testing.T) {
	for _, tc := range clientKinds {
		t.Run(string(tc.kind), func(t *testing.T) {
			base := tools.Policy{ReadOnly: true, Toolsets: []string{"workspaces"}}
			r := serve(t, catalogServer(t, base), Config{Transport: tc.transport})
			want := testbin.ToolNames(t, mustConnect(t, tc.kind, r.base, nil))
			c := mustConnect(t, tc.kind, r.base, map[string]string{HeaderReadOnly: "false", HeaderToolsets: "workspaces,rules,events"})
			if got := testbin.ToolNames(t, c); !slices.Equal(got, want) {
				t.Fatalf("widening headers changed tools/list from %v to %v", want, got)
			}
			assertRefused(t, c, "create_workspace", map[string]any{"name": "nope"})
			assertRefused(t, c, "list_rules", map[string]any{})
			// A workspace outside the server's allowlist leaves nothing, not more.
			confined := tools.Policy{Workspaces: []string{"00000000-0000-4000-8000-000000000001"}}
			r2 := serve(t, catalogServer(t, confined), Config{Transport: tc.transport})
			c2 := mustConnect(t, tc.kind, r2.base, map[string]string{HeaderWorkspaces: "00000000-0000-4000-8000-000000000002"})
			if got := workspaceIDs(t, c2); len(got) != 0 {
				t.Fatalf("disjoint workspace header widened the allowlist: %v", got)
			}
		})
	}
}

func assertRefused(t *testing.T, c *client.Client, name string, args map[string]any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := callTool(ctx, c, name, args)
	if err == nil && !res.IsError {
		t.Fatalf("%s was allowed: %s", name, resultText(res))
	}
}

// Invalid narrowing headers are refused with 400 before any MCP processing,
// on every MCP endpoint.
func TestNarrowingHeadersValidated(t *testing.T) {
	cases := []struct {
		name, header, value, mention string
	}{
		{"read-only not a boolean", HeaderReadOnly, "yes please", "true or false"},
		{"unknown toolset", HeaderToolsets, "rules,billing", `unknown toolset "billing"`},
		{"empty toolsets", HeaderToolsets, " ", "is empty"},
		{"workspace not a UUID", HeaderWorkspaces, "acme-prod", "not a UUID"},
		{"empty workspaces", HeaderWorkspaces, "", "is empty"},
	}
	endpoints := []struct {
		transport Transport
		path      string
	}{{TransportHTTP, "/mcp"}, {TransportSSE, "/message?sessionId=x"}}
	for _, ep := range endpoints {
		r := serve(t, catalogServer(t, tools.Policy{}), Config{Transport: ep.transport})
		for _, tc := range cases {
			t.Run(string(ep.transport)+"/"+tc.name, func(t *testing.T) {
				status, _, body := rawRequest(t, http.MethodPost, r.base+ep.path,
					map[string]string{"Content-Type": "application/json", tc.header: tc.value}, strings.NewReader(initializeBody))
				if status != http.StatusBadRequest || !strings.Contains(body, tc.header) || !strings.Contains(body, tc.mention) {
					t.Fatalf("status %d body %q; want 400 naming %s and %q", status, body, tc.header, tc.mention)
				}
			})
		}
	}
}

func TestParsePolicy(t *testing.T) {
	const ws = "3f0c2a7e-9b1d-4c5e-8f6a-1b2c3d4e5f60"
	cases := []struct {
		name    string
		headers http.Header
		want    tools.Policy
		present bool
	}{
		{"none", http.Header{}, tools.Policy{}, false},
		{"read-only true", http.Header{HeaderReadOnly: {"true"}}, tools.Policy{ReadOnly: true}, true},
		{"read-only 1", http.Header{HeaderReadOnly: {"1"}}, tools.Policy{ReadOnly: true}, true},
		{"read-only false is no restriction", http.Header{HeaderReadOnly: {"false"}}, tools.Policy{}, true},
		{"repeated read-only: any true wins", http.Header{HeaderReadOnly: {"false", "true"}}, tools.Policy{ReadOnly: true}, true},
		{"toolsets trimmed and lower-cased", http.Header{HeaderToolsets: {" Rules ,events"}}, tools.Policy{Toolsets: []string{"rules", "events"}}, true},
		{"toolsets over two lines intersect", http.Header{HeaderToolsets: {"rules, events", "events"}}, tools.Policy{Toolsets: []string{"events"}}, true},
		{"workspace upper-case", http.Header{HeaderWorkspaces: {strings.ToUpper(ws)}}, tools.Policy{Workspaces: []string{ws}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, present, err := parsePolicy(tc.headers)
			if err != nil {
				t.Fatalf("parsePolicy: %v", err)
			}
			if present != tc.present || got.ReadOnly != tc.want.ReadOnly || !slices.Equal(got.Toolsets, tc.want.Toolsets) || !slices.Equal(got.Workspaces, tc.want.Workspaces) {
				t.Fatalf("parsePolicy = %+v present=%v, want %+v present=%v", got, present, tc.want, tc.present)
			}
		})
	}
}

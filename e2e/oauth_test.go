package e2e

import (
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"

	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
	"github.com/meshes-mcp/meshes-mcp/internal/testoidc"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// freeAddr is a loopback address nothing listens on, so that the public URL
// (the token audience) can be fixed before the server starts.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

func httpClient(t *testing.T, base, token string) *client.Client {
	t.Helper()
	c, err := client.NewStreamableHttpClient(base+"/mcp", transport.WithHTTPHeaders(map[string]string{"Authorization": "Bearer " + token}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	start(t, c)
	return c
}

// A team server in OAuth mode, against a real OpenID provider: a token with
// the read scope and a workspace claim gets a read-only catalog confined to
// that workspace; the client's token never reaches Meshes, while the
// request id does; /metrics counts the calls without any id.
func TestOAuthTeamServer(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var upstreamAuth, upstreamIDs []string
	hook := func(r *http.Request) {
		mu.Lock()
		upstreamAuth = append(upstreamAuth, r.Header.Get("Authorization"))
		upstreamIDs = append(upstreamIDs, r.Header.Get("X-Request-Id"))
		mu.Unlock()
	}
	f.hook.Store(&hook)

	var all schemas.ListWorkspacesOutput
	ok(t, connect(t, f.env(t)), "list_workspaces", nil, &all)
	var staging string
	for _, w := range all.Workspaces {
		if w.Name == "Acme Staging" {
			staging = w.ID
		}
	}

	addr := freeAddr(t)
	public := "http://" + addr + "/mcp"
	op := testoidc.Start(t, nil,
		testoidc.Client{ID: "support", Secret: "s", Audience: public, Claims: map[string]any{"meshes_workspaces": []string{staging}}})
	srv := testbin.StartHTTP(t, binary, f.env(t, "MESHES_LOG_LEVEL=info", "MESHES_MCP_OAUTH_ISSUER="+op.Issuer),
		"--transport", "http", "--addr", addr, "--public-url", public)

	token := op.Token(t, "support", "meshes:read")
	c := httpClient(t, srv.Base, token)
	names := testbin.ToolNames(t, c)
	for _, tool := range allTools(t) {
		if !tool.ReadOnly && slices.Contains(names, tool.Name) {
			t.Errorf("read-scoped caller is offered %s", tool.Name)
		}
	}
	// A write tool is refused at the HTTP layer with the scope to ask for,
	// before anything reaches Meshes.
	before := f.requests.Load()
	if _, err := callErr(c, "create_workspace", map[string]any{"name": "x"}, nil); err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "meshes:write") {
		t.Errorf("read-scoped create_workspace: %v; want a 403 naming meshes:write", err)
	}
	if n := f.requests.Load() - before; n != 0 {
		t.Errorf("a refused write sent %d request(s) to Meshes", n)
	}
	mu.Lock()
	upstreamAuth, upstreamIDs = nil, nil
	mu.Unlock()
	var ws schemas.ListWorkspacesOutput
	ok(t, c, "list_workspaces", nil, &ws)
	if ws.Count != 1 || ws.Workspaces[0].ID != staging {
		t.Errorf("list_workspaces = %+v, want only the claimed workspace %s", ws, staging)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(upstreamAuth) == 0 {
		t.Fatal("no request reached Meshes")
	}
	for i, a := range upstreamAuth {
		if strings.Contains(a, token) {
			t.Fatal("the client's OAuth token was passed on to Meshes")
		}
		if !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(upstreamIDs[i]) {
			t.Errorf("request to Meshes carries X-Request-Id %q, want the server's request id", upstreamIDs[i])
		}
	}

	resp, err := http.Get(srv.Base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := string(body)
	for _, want := range []string{
		`meshes_mcp_tool_calls_total{outcome="ok",tool="list_workspaces"} 1`,
		`meshes_mcp_upstream_requests_total{operation="GET /workspaces",status="200"}`,
		`meshes_mcp_tool_calls_in_flight 0`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, secret := range []string{staging, token, f.sb.Credentials.OrgID} {
		if strings.Contains(m, secret) {
			t.Errorf("/metrics contains an id or secret %q", secret)
		}
	}
}

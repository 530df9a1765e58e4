package httpserver

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/meshes-mcp/meshes-mcp/internal/testoidc"
)

// oauthStandIn has one read-only tool and one that writes, as the catalog
// annotates them.
func oauthStandIn() *server.MCPServer {
	s := server.NewMCPServer("stand-in", "0.0.0", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool("look", mcp.WithReadOnlyHintAnnotation(true)),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText("looked"), nil
		})
	s.AddTool(mcp.NewTool("change", mcp.WithReadOnlyHintAnnotation(false)),
		func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText("changed"), nil
		})
	return s
}

// oauthRig is a server in OAuth mode and a real OpenID provider issuing
// tokens for it.
type oauthRig struct {
	base, public string
	op           *testoidc.Provider
	keys         *testoidc.KeyRing
	cfg          Config
}

// startOAuth listens first, so that the public URL (the connector URL a
// user would paste) is the address clients really use; the provider's
// clients get tokens for that audience.
func startOAuth(t *testing.T, static string) *oauthRig {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	public := base + "/mcp"
	keys := testoidc.NewKeyRing(t)
	op := testoidc.Start(t, keys,
		testoidc.Client{ID: "agent", Secret: "s1", Audience: public},
		testoidc.Client{ID: "expired", Secret: "s2", Audience: public, Lifetime: -5 * time.Minute},
		testoidc.Client{ID: "elsewhere", Secret: "s3", Audience: "https://other.example.com/mcp"},
		testoidc.Client{ID: "badclaim", Secret: "s4", Audience: public, Claims: map[string]any{DefaultWorkspacesClaim: []string{"not-a-uuid"}}},
	)
	cfg := Config{Transport: TransportHTTP, Addr: ln.Addr().String(), Logger: quietLogger(), AuthToken: static,
		OAuth: &OAuth{Issuer: op.Issuer, PublicURL: public, KeyRefreshInterval: 20 * time.Millisecond}}
	s, err := New(oauthStandIn(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return &oauthRig{base: base, public: public, op: op, keys: keys, cfg: cfg}
}

func (r *oauthRig) call(t *testing.T, token, tool string) (int, http.Header, string) {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-06-18"}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":{}}}`
	return rawRequest(t, http.MethodPost, r.base+"/mcp", h, strings.NewReader(body))
}

func TestOAuthProtectedResourceMetadata(t *testing.T) {
	r := startOAuth(t, "")
	for _, path := range []string{"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp"} {
		status, _, body := rawRequest(t, http.MethodGet, r.base+path, nil, nil)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, status, body)
		}
		var prm struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
			ScopesSupported      []string `json:"scopes_supported"`
		}
		if err := json.Unmarshal([]byte(body), &prm); err != nil {
			t.Fatal(err)
		}
		// Claude's rule: the metadata's resource is the connector URL, exactly.
		if prm.Resource != r.public {
			t.Errorf("%s: resource %q, want the connector URL %q", path, prm.Resource, r.public)
		}
		if len(prm.AuthorizationServers) != 1 || prm.AuthorizationServers[0] != r.op.Issuer {
			t.Errorf("%s: authorization_servers %v, want [%s]", path, prm.AuthorizationServers, r.op.Issuer)
		}
		if strings.Join(prm.ScopesSupported, " ") != DefaultReadScope+" "+DefaultWriteScope {
			t.Errorf("%s: scopes_supported %v", path, prm.ScopesSupported)
		}
	}

	// Without a token the challenge points at the path-suffixed metadata.
	status, h, _ := r.call(t, "", "look")
	want := `resource_metadata="` + r.base + `/.well-known/oauth-protected-resource/mcp"`
	if status != http.StatusUnauthorized || !strings.Contains(h.Get("WWW-Authenticate"), want) {
		t.Fatalf("no token: %d, WWW-Authenticate %q; want 401 with %s", status, h.Get("WWW-Authenticate"), want)
	}
}

func TestOAuthTokens(t *testing.T) {
	r := startOAuth(t, "")
	readWrite := r.op.Token(t, "agent", DefaultReadScope, DefaultWriteScope)
	readOnly := r.op.Token(t, "agent", DefaultReadScope)

	if status, _, body := r.call(t, readWrite, "change"); status != http.StatusOK || !strings.Contains(body, "changed") {
		t.Fatalf("valid read+write token calling a write tool: %d %s", status, body)
	}
	if status, _, body := r.call(t, readOnly, "look"); status != http.StatusOK || !strings.Contains(body, "looked") {
		t.Fatalf("read-only token calling a read tool: %d %s", status, body)
	}

	refusals := []struct {
		name, token, tool string
		status            int
		challenge         string
		says              string
	}{
		{"read-only token, write tool", readOnly, "change", http.StatusForbidden, `error="insufficient_scope", scope="` + DefaultWriteScope + `"`, "with the " + DefaultWriteScope + " scope"},
		{"token without either scope", r.op.Token(t, "agent", "profile"), "look", http.StatusForbidden, `error="insufficient_scope"`, "neither"},
		{"expired", r.op.Token(t, "expired", DefaultReadScope), "look", http.StatusUnauthorized, `error="invalid_token"`, "expired"},
		{"wrong audience", r.op.Token(t, "elsewhere", DefaultReadScope), "look", http.StatusUnauthorized, `error="invalid_token"`, "audience must be " + r.public},
		{"wrong issuer", testoidc.Start(t, r.keys, testoidc.Client{ID: "agent", Secret: "s1", Audience: r.public}).Token(t, "agent", DefaultReadScope), "look", http.StatusUnauthorized, `error="invalid_token"`, "not issued by"},
		{"not a JWT", "opaque-garbage", "look", http.StatusUnauthorized, `error="invalid_token"`, "not a JWT"},
		{"malformed workspaces claim", r.op.Token(t, "badclaim", DefaultReadScope), "look", http.StatusUnauthorized, `error="invalid_token"`, "must list workspace UUIDs"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := r.call(t, tc.token, tc.tool)
			ch := h.Get("WWW-Authenticate")
			if status != tc.status || !strings.Contains(ch, tc.challenge) || !strings.Contains(ch, "resource_metadata=") || !strings.Contains(body, tc.says) {
				t.Fatalf("status %d, WWW-Authenticate %q, body %q; want %d with %s, resource_metadata, saying %q", status, ch, body, tc.status, tc.challenge, tc.says)
			}
			if strings.Contains(body, tc.token) || strings.Contains(ch, tc.token) {
				t.Fatal("the refusal echoes the token")
			}
		})
	}
}

// An emergency rotation: the provider withdraws its key. A token signed with
// the new key is accepted once the server has refetched the JWKS, and from
// then on a token signed with the withdrawn key is refused.
func TestOAuthKeyRotation(t *testing.T) {
	r := startOAuth(t, "")
	old := r.op.Token(t, "agent", DefaultReadScope)
	if status, _, body := r.call(t, old, "look"); status != http.StatusOK {
		t.Fatalf("before rotation: %d %s", status, body)
	}
	r.keys.Rotate()
	fresh := r.op.Token(t, "agent", DefaultReadScope)
	if status, _, body := r.call(t, fresh, "look"); status != http.StatusOK {
		t.Fatalf("token signed with the new key: %d %s", status, body)
	}
	status, h, body := r.call(t, old, "look")
	if status != http.StatusUnauthorized || !strings.Contains(body, "signature") {
		t.Fatalf("token signed with the withdrawn key: %d %q %s; want 401 about the signature", status, h.Get("WWW-Authenticate"), body)
	}
}

// With both modes on, the static token still works; in static-only mode the
// challenge carries no resource_metadata, so OAuth-capable clients are not
// sent looking for an authorization server that does not exist.
func TestStaticTokenModeIsNoOAuthDeadEnd(t *testing.T) {
	both := startOAuth(t, "static-secret")
	if status, _, body := both.call(t, "static-secret", "change"); status != http.StatusOK {
		t.Fatalf("static token with OAuth on: %d %s", status, body)
	}

	r := serve(t, oauthStandIn(), Config{Transport: TransportHTTP, AuthToken: "static-secret"})
	status, h, body := rawRequest(t, http.MethodPost, r.base+"/mcp", map[string]string{"Content-Type": "application/json"}, strings.NewReader(`{}`))
	ch := h.Get("WWW-Authenticate")
	if status != http.StatusUnauthorized || strings.Contains(ch, "resource_metadata") || !strings.Contains(body, "Authorization: Bearer") || !strings.Contains(body, "not OAuth") {
		t.Fatalf("static mode: %d, WWW-Authenticate %q, body %q", status, ch, body)
	}
	if status, _, _ := rawRequest(t, http.MethodGet, r.base+"/.well-known/oauth-protected-resource", nil, nil); status != http.StatusNotFound {
		t.Fatalf("static mode serves protected resource metadata: %d", status)
	}
}

// A browser-based client on an allowed origin can read the challenge that
// starts its OAuth flow: the refusal carries CORS headers exposing it.
func TestOAuthChallengeReadableCrossOrigin(t *testing.T) {
	r := startOAuth(t, "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := r.cfg
	cfg.Addr = ln.Addr().String()
	cfg.AllowedOrigins = []string{"https://inspector.example.com"}
	s, err := New(oauthStandIn(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = s.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	status, h, _ := rawRequest(t, http.MethodPost, "http://"+ln.Addr().String()+"/mcp",
		map[string]string{"Content-Type": "application/json", "Origin": "https://inspector.example.com"}, strings.NewReader(`{}`))
	if status != http.StatusUnauthorized || h.Get("Access-Control-Allow-Origin") != "https://inspector.example.com" ||
		!strings.Contains(h.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
		t.Fatalf("cross-origin 401: %d, headers %v; want the challenge exposed to the allowed origin", status, h)
	}
}

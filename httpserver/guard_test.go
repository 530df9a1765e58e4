package httpserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/testbin"

	"github.com/mark3labs/mcp-go/client/transport"
)

const initializeBody = `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}`

// probe sends one request and returns its status and headers without
// waiting for the body, so an SSE stream can be probed too.
func probe(t *testing.T, method, url string, headers map[string]string, body string) (int, http.Header) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	for k, v := range headers {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

// The 401/403 matrix: every MCP endpoint of both transports, every way of
// getting the credentials or the Host/Origin wrong, and the ways of getting
// them right.
func TestAuthAndOriginMatrix(t *testing.T) {
	const token = "correct-horse-battery-staple"
	endpoints := []struct {
		transport Transport
		method    string
		path      string
		body      string
		passed    int // status once every guard is satisfied
	}{
		{TransportHTTP, http.MethodPost, "/mcp", initializeBody, http.StatusOK},
		{TransportSSE, http.MethodGet, "/sse", "", http.StatusOK},
		// An unknown session is mcp-go's 400: the request got past our guards.
		{TransportSSE, http.MethodPost, "/message?sessionId=unknown", initializeBody, http.StatusBadRequest},
	}
	const passed = 0
	cases := []struct {
		name      string
		headers   func(base string) map[string]string
		want      int
		challenge string // expected WWW-Authenticate on 401
	}{
		{"no credentials", func(string) map[string]string { return nil }, http.StatusUnauthorized, `Bearer realm="meshes-mcp"`},
		{"wrong token", func(string) map[string]string { return map[string]string{"Authorization": "Bearer nope"} },
			http.StatusUnauthorized, `Bearer realm="meshes-mcp", error="invalid_token"`},
		{"token prefix", func(string) map[string]string { return map[string]string{"Authorization": "Bearer " + token[:10]} },
			http.StatusUnauthorized, `Bearer realm="meshes-mcp", error="invalid_token"`},
		{"token with suffix", func(string) map[string]string { return map[string]string{"Authorization": "Bearer " + token + "x"} },
			http.StatusUnauthorized, `Bearer realm="meshes-mcp", error="invalid_token"`},
		{"basic scheme", func(string) map[string]string { return map[string]string{"Authorization": "Basic " + token} },
			http.StatusUnauthorized, `Bearer realm="meshes-mcp"`},
		{"empty bearer", func(string) map[string]string { return map[string]string{"Authorization": "Bearer "} },
			http.StatusUnauthorized, `Bearer realm="meshes-mcp"`},
		{"token in wrong header", func(string) map[string]string { return map[string]string{"X-Auth-Token": token} },
			http.StatusUnauthorized, `Bearer realm="meshes-mcp"`},
		{"correct token", func(string) map[string]string { return map[string]string{"Authorization": "Bearer " + token} }, passed, ""},
		{"lower-case scheme", func(string) map[string]string { return map[string]string{"Authorization": "bearer " + token} }, passed, ""},
		{"foreign Host on loopback (DNS rebinding)", func(string) map[string]string {
			return map[string]string{"Authorization": "Bearer " + token, "Host": "evil.example:8808"}
		}, http.StatusForbidden, ""},
		{"foreign Origin", func(string) map[string]string {
			return map[string]string{"Authorization": "Bearer " + token, "Origin": "https://evil.example"}
		}, http.StatusForbidden, ""},
		{"foreign Origin without token", func(string) map[string]string {
			return map[string]string{"Origin": "https://evil.example"}
		}, http.StatusForbidden, ""},
		{"null Origin", func(string) map[string]string {
			return map[string]string{"Authorization": "Bearer " + token, "Origin": "null"}
		}, http.StatusForbidden, ""},
		{"other loopback port Origin", func(string) map[string]string {
			return map[string]string{"Authorization": "Bearer " + token, "Origin": "http://127.0.0.1:1"}
		}, http.StatusForbidden, ""},
		{"same Origin", func(base string) map[string]string {
			return map[string]string{"Authorization": "Bearer " + token, "Origin": base}
		}, passed, ""},
		{"Origin allowed by --allowed-origins", func(string) map[string]string {
			return map[string]string{"Authorization": "Bearer " + token, "Origin": "https://App.Example.com"}
		}, passed, ""},
		{"allowed Origin without token", func(string) map[string]string {
			return map[string]string{"Origin": "https://app.example.com"}
		}, http.StatusUnauthorized, `Bearer realm="meshes-mcp"`},
	}
	for _, ep := range endpoints {
		t.Run(string(ep.transport)+" "+ep.method+" "+ep.path, func(t *testing.T) {
			logs := &testbin.SyncBuffer{}
			r := serve(t, newStandIn().mcp, Config{
				Transport:      ep.transport,
				AuthToken:      token,
				AllowedOrigins: []string{"https://app.example.com"},
				Logger:         slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			})
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					want := tc.want
					if want == passed {
						want = ep.passed
					}
					status, h := probe(t, ep.method, r.base+ep.path, tc.headers(r.base), ep.body)
					if status != want {
						t.Fatalf("status %d, want %d", status, want)
					}
					if got := h.Get("WWW-Authenticate"); got != tc.challenge {
						t.Fatalf("WWW-Authenticate %q, want %q", got, tc.challenge)
					}
				})
			}
			if strings.Contains(logs.String(), token[:10]) {
				t.Fatalf("the auth token appears in the server log:\n%s", logs.String())
			}
		})
	}
}

// mcp-go's own clients see the 401 as an authorization error, not a hang or
// a protocol failure.
func TestClientsWithWrongTokenAreRefused(t *testing.T) {
	for _, tc := range clientKinds {
		t.Run(string(tc.kind), func(t *testing.T) {
			r := serve(t, newStandIn().mcp, Config{Transport: tc.transport, AuthToken: "right"})
			_, err := connect(t, tc.kind, r.base, map[string]string{"Authorization": "Bearer wrong"}, nil)
			if err == nil {
				t.Fatal("connected with a wrong token")
			}
			if _, ok := errors.AsType[*transport.AuthorizationRequiredError](err); !ok {
				t.Fatalf("error %v is not an AuthorizationRequiredError", err)
			}
		})
	}
}

// chunked hides a reader's length so the request goes out without
// Content-Length and the limit must be enforced while reading.
type chunked struct{ io.Reader }

func TestBodyLimit(t *testing.T) {
	const limit = 1024
	call := func(textLen int) string {
		return `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{"text":"` + strings.Repeat("a", textLen) + `"}}}`
	}
	small, large := call(limit-200), call(limit)
	endpoints := []struct {
		transport Transport
		path      string
		smallOK   int
	}{
		{TransportHTTP, "/mcp", http.StatusOK},
		// mcp-go's 400 for an unknown session: the body got through.
		{TransportSSE, "/message?sessionId=unknown", http.StatusBadRequest},
	}
	for _, ep := range endpoints {
		t.Run(string(ep.transport), func(t *testing.T) {
			r := serve(t, newStandIn().mcp, Config{Transport: ep.transport, MaxBodyBytes: limit})
			headers := map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-06-18"}
			cases := []struct {
				name string
				body io.Reader
				want int
			}{
				{"under the limit", strings.NewReader(small), ep.smallOK},
				{"over the limit with Content-Length", strings.NewReader(large), http.StatusRequestEntityTooLarge},
				{"over the limit chunked", chunked{strings.NewReader(large)}, http.StatusRequestEntityTooLarge},
				{"under the limit chunked", chunked{strings.NewReader(small)}, ep.smallOK},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					status, _, body := rawRequest(t, http.MethodPost, r.base+ep.path, headers, tc.body)
					if status != tc.want {
						t.Fatalf("status %d, want %d: %s", status, tc.want, body)
					}
					if tc.want == http.StatusRequestEntityTooLarge && !strings.Contains(body, "1024 bytes") {
						t.Fatalf("413 body %q does not state the limit", body)
					}
				})
			}
		})
	}
}

// Through a real client, an oversized call fails and the same client keeps
// working for normal calls.
func TestBodyLimitThroughClient(t *testing.T) {
	for _, tc := range clientKinds {
		t.Run(string(tc.kind), func(t *testing.T) {
			r := serve(t, newStandIn().mcp, Config{Transport: tc.transport, MaxBodyBytes: 4096})
			c := mustConnect(t, tc.kind, r.base, nil)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := callTool(ctx, c, "echo", map[string]any{"text": strings.Repeat("x", 8192)})
			if err == nil && !res.IsError {
				t.Fatal("an 8 KiB call passed a 4 KiB body limit")
			}
			if got := callText(t, c, "echo", map[string]any{"text": "still fine"}); got != "still fine" {
				t.Fatalf("echo after the refused call returned %q", got)
			}
		})
	}
}

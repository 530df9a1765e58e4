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

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// standIn is a minimal MCP server: "echo" answers at once, "block" waits
// until the test releases it (or its context ends, which it reports on
// cancelled), so shutdown and cancellation can be exercised mid-call.
type standIn struct {
	mcp       *server.MCPServer
	entered   chan struct{}
	release   chan struct{}
	cancelled chan struct{}
}

func newStandIn() *standIn {
	s := &standIn{
		mcp:       server.NewMCPServer("stand-in", "0.0.0", server.WithToolCapabilities(false)),
		entered:   make(chan struct{}, 16),
		release:   make(chan struct{}),
		cancelled: make(chan struct{}, 16),
	}
	s.mcp.AddTool(mcp.NewTool("echo", mcp.WithString("text", mcp.Required())),
		func(_ context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText(req.GetString("text", "")), nil
		})
	s.mcp.AddTool(mcp.NewTool("block"),
		func(ctx context.Context, _ mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			s.entered <- struct{}{}
			select {
			case <-s.release:
				return mcp.NewToolResultText("released"), nil
			case <-ctx.Done():
				s.cancelled <- struct{}{}
				return nil, ctx.Err()
			}
		})
	return s
}

// running is a Server serving on a real loopback socket.
type running struct {
	base    string // scheme://host:port
	stop    context.CancelFunc
	stopped chan struct{} // closed when Serve has returned
	err     error         // Serve's result, valid once stopped is closed
}

// wait returns Serve's result, or ok=false if it has not returned within d.
func (r *running) wait(d time.Duration) (err error, ok bool) {
	select {
	case <-r.stopped:
		return r.err, true
	case <-time.After(d):
		return nil, false
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// serve starts cfg on 127.0.0.1:0 and stops it (if still running) when the
// test ends.
func serve(t testing.TB, mcpSrv *server.MCPServer, cfg Config) *running {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	if cfg.Logger == nil {
		cfg.Logger = quietLogger()
	}
	s, err := New(mcpSrv, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ln, err := s.Listen()
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{base: "http://" + ln.Addr().String(), stop: cancel, stopped: make(chan struct{})}
	if s.tls != nil {
		r.base = "https://" + ln.Addr().String()
	}
	go func() {
		r.err = s.Serve(ctx, ln)
		close(r.stopped)
	}()
	t.Cleanup(func() {
		cancel()
		if _, ok := r.wait(20 * time.Second); !ok {
			t.Error("server did not stop")
		}
	})
	return r
}

// clientKind is a way an MCP client can talk to the server.
type clientKind string

const (
	streamableModern clientKind = "streamable-http (2026-07-28, sessionless)"
	streamableLegacy clientKind = "streamable-http (2025-11-25, initialize handshake)"
	legacySSE        clientKind = "sse"
)

// connect starts and initialises an mcp-go client of the given kind against
// base, sending headers on every request.
func connect(t *testing.T, kind clientKind, base string, headers map[string]string, hc *http.Client) (*client.Client, error) {
	t.Helper()
	if hc == nil {
		hc = &http.Client{}
	}
	var c *client.Client
	var err error
	switch kind {
	case legacySSE:
		c, err = client.NewSSEMCPClient(base+"/sse", transport.WithHeaders(headers), transport.WithHTTPClient(hc))
	default:
		c, err = client.NewStreamableHttpClient(base+"/mcp", transport.WithHTTPHeaders(headers), transport.WithHTTPBasicClient(hc))
	}
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { _ = c.Close() })
	// The SSE transport keeps its event stream on Start's context, so that
	// context must live as long as the client.
	if err := c.Start(t.Context()); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req := initializeRequest()
	if kind != streamableModern {
		req.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	}
	if _, err := c.Initialize(ctx, req); err != nil {
		return nil, err
	}
	return c, nil
}

func initializeRequest() mcp.InitializeRequest {
	req := mcp.InitializeRequest{}
	req.Params.ClientInfo = mcp.Implementation{Name: "httpserver-test", Version: "0"}
	return req
}

func mustConnect(t *testing.T, kind clientKind, base string, headers map[string]string) *client.Client {
	t.Helper()
	c, err := connect(t, kind, base, headers, nil)
	if err != nil {
		t.Fatalf("connect %s: %v", kind, err)
	}
	return c
}

// callText calls a tool and returns its first text block, failing the test
// on a transport error or an isError result.
func callText(t *testing.T, c *client.Client, name string, args map[string]any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := callTool(ctx, c, name, args)
	if err != nil {
		t.Fatalf("call %s: %v", name, err)
	}
	text := resultText(res)
	if res.IsError {
		t.Fatalf("call %s: tool error: %s", name, text)
	}
	return text
}

func callTool(ctx context.Context, c *client.Client, name string, args map[string]any) (*mcp.CallToolResult, error) {
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	return c.CallTool(ctx, req)
}

func resultText(res *mcp.CallToolResult) string {
	if res == nil {
		return ""
	}
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// rawRequest sends one HTTP request and returns status, headers and body.
func rawRequest(t *testing.T, method, url string, headers map[string]string, body io.Reader) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
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
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("reading %s %s: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

package stress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"

	"github.com/meshes-mcp/meshes-mcp/httpserver"
	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
)

const concurrentCalls = 200

// mixedCall is call i of a concurrent burst: a mix of reads and writes whose
// results identify the request they answer, so a crossed wire shows.
func mixedCall(i int, ids teststack.IDs) (string, map[string]any, func(json.RawMessage) error) {
	var out map[string]any
	decode := func(raw json.RawMessage) error { return json.Unmarshal(raw, &out) }
	switch i % 4 {
	case 0:
		name := fmt.Sprintf("stress.concurrent_%d", i)
		return "send_event", map[string]any{"workspace_id": ids.Workspace, "event": name, "payload": map[string]any{"n": i}},
			func(raw json.RawMessage) error {
				if err := decode(raw); err != nil || out["event"] != name {
					return fmt.Errorf("send_event %d answered %s", i, raw)
				}
				return nil
			}
	case 1:
		return "get_connection", map[string]any{"connection_id": ids.Connection}, func(raw json.RawMessage) error {
			if err := decode(raw); err != nil || out["id"] != ids.Connection {
				return fmt.Errorf("get_connection %d answered %s", i, raw)
			}
			return nil
		}
	case 2:
		limit := 1 + i%3
		return "list_events", map[string]any{"limit": limit}, func(raw json.RawMessage) error {
			if err := decode(raw); err != nil || out["count"] != float64(limit) {
				return fmt.Errorf("list_events limit %d answered count %v", limit, out["count"])
			}
			return nil
		}
	default:
		return "get_event", map[string]any{"event_id": ids.Event}, func(raw json.RawMessage) error {
			if err := decode(raw); err != nil || out["id"] != ids.Event {
				return fmt.Errorf("get_event %d answered %.200s", i, raw)
			}
			return nil
		}
	}
}

// burst runs concurrentCalls calls at once through call and checks each
// answer belongs to its request.
func burst(t *testing.T, ids teststack.IDs, call func(name string, args map[string]any) (json.RawMessage, error)) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, concurrentCalls)
	start := make(chan struct{})
	for i := range concurrentCalls {
		wg.Go(func() {
			<-start
			name, args, check := mixedCall(i, ids)
			raw, err := call(name, args)
			if err == nil {
				err = check(raw)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	n := 0
	for err := range errs {
		if n++; n <= 5 {
			t.Error(err)
		}
	}
	if n > 0 {
		t.Errorf("%d of %d concurrent calls failed", n, concurrentCalls)
	}
}

// TestConcurrentCallsOverOneStdioSession sends 200 tool calls at once down
// one stdio session of the (race-built, under -race) binary.
func TestConcurrentCallsOverOneStdioSession(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	p := start(t, raceBinary(t), childEnv(t, s))
	p.initialize()
	burst(t, s.IDs, func(name string, args map[string]any) (json.RawMessage, error) {
		m, err := p.tryRequest("tools/call", map[string]any{"name": name, "arguments": args}, 120*time.Second)
		if err != nil {
			return nil, err
		}
		if m.Error != nil {
			return nil, fmt.Errorf("%s: JSON-RPC error %+v", name, m.Error)
		}
		var r toolResult
		if err := json.Unmarshal(m.Result, &r); err != nil || r.IsError {
			return nil, fmt.Errorf("%s: %s", name, m.Result)
		}
		return r.StructuredContent, nil
	})
	p.checkStdoutIsJSONRPC()
	if code := p.close(); code != 0 {
		t.Errorf("exit code %d; stderr:\n%s", code, tail(p.stderr.String()))
	}
	if strings.Contains(p.stderr.String(), "DATA RACE") {
		t.Errorf("the server reported a data race:\n%s", tail(p.stderr.String()))
	}
}

// TestConcurrentCallsOverHTTP sends 200 tool calls at once to the
// (race-built, under -race) binary serving streamable HTTP, then stops it
// with SIGTERM, which must drain and exit cleanly.
func TestConcurrentCallsOverHTTP(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	p := testbin.StartHTTP(t, raceBinary(t), childEnv(t, s), "--transport", "http", "--addr", "127.0.0.1:0")
	tr := &http.Transport{}
	c, err := client.NewStreamableHttpClient(p.Base+"/mcp", transport.WithHTTPBasicClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatal(err)
	}
	burst(t, s.IDs, mcpCaller(t, c))
	_ = c.Close()
	tr.CloseIdleConnections() // see serveInProcess

	if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.ExitCode(t, 30*time.Second); code != 0 {
		t.Errorf("exit %d after SIGTERM:\n%s", code, tail(p.Stderr.String()))
	}
	if strings.Contains(p.Stderr.String(), "DATA RACE") {
		t.Errorf("the server reported a data race:\n%s", tail(p.Stderr.String()))
	}
}

// mcpCaller starts and initialises c and returns a concurrent-safe call
// function that reports failures as errors.
func mcpCaller(t *testing.T, c *client.Client) func(string, map[string]any) (json.RawMessage, error) {
	t.Helper()
	handshake(t, c)
	return func(name string, args map[string]any) (json.RawMessage, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
		defer cancel()
		req := mcp.CallToolRequest{}
		req.Params.Name, req.Params.Arguments = name, args
		res, err := c.CallTool(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if res.IsError {
			return nil, fmt.Errorf("%s: %s", name, text(res))
		}
		return json.Marshal(res.StructuredContent)
	}
}

// TestNoGoroutineLeakAfterClose runs the same burst in-process over both
// transports and checks that once the session and the backend are closed the
// goroutine count returns to where it was: no handler, worker, stream or
// connection goroutine outlives the session.
func TestNoGoroutineLeakAfterClose(t *testing.T) {
	for _, tr := range []string{"stdio", "http"} {
		t.Run(tr, func(t *testing.T) {
			before := settledGoroutines()
			s, err := teststack.New(teststack.Options{})
			if err != nil {
				t.Fatal(err)
			}
			stop := serveInProcess(t, tr, s)
			stop()
			s.Close()
			after := waitGoroutines(before)
			t.Logf("%s: goroutines before %d, after close %d", tr, before, after)
			if after > before {
				buf := make([]byte, 1<<20)
				t.Errorf("%d goroutine(s) leaked over %s:\n%s", after-before, tr, buf[:runtime.Stack(buf, true)])
			}
		})
	}
}

// serveInProcess runs the burst against s's catalog over tr and returns a
// function that closes the client and the server.
func serveInProcess(t *testing.T, tr string, s *teststack.Stack) (stop func()) {
	srv := s.Catalog.MCPServer("stress")
	ctx, cancel := context.WithCancel(context.Background())
	switch tr {
	case "stdio":
		toServer, clientOut := io.Pipe()
		clientIn, fromServer := io.Pipe()
		served := make(chan error, 1)
		stdio := server.NewStdioServer(srv)
		stdio.SetErrorLogger(log.New(io.Discard, "", 0))
		go func() { served <- stdio.Listen(ctx, toServer, fromServer) }()
		c := client.NewClient(transport.NewIO(clientIn, clientOut, io.NopCloser(strings.NewReader(""))))
		burst(t, s.IDs, mcpCaller(t, c))
		return func() {
			_ = c.Close()
			_ = clientOut.Close() // EOF on the server's stdin ends the session
			if err := <-served; err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("stdio server: %v", err)
			}
			_ = fromServer.Close()
			cancel()
		}
	default:
		hs, err := httpserver.New(srv, httpserver.Config{Addr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- hs.Serve(ctx, ln) }()
		// A connection the client dialed during the burst but never used
		// would hold the server's graceful shutdown for 5 s (net/http
		// counts a fresh connection as active that long); closing the
		// client's idle connections first is what a departing client does.
		tr := &http.Transport{}
		c, err := client.NewStreamableHttpClient("http://"+ln.Addr().String()+"/mcp",
			transport.WithHTTPBasicClient(&http.Client{Transport: tr}))
		if err != nil {
			t.Fatal(err)
		}
		burst(t, s.IDs, mcpCaller(t, c))
		return func() {
			_ = c.Close()
			tr.CloseIdleConnections()
			cancel()
			if err := <-served; err != nil {
				t.Errorf("http server: %v", err)
			}
		}
	}
}

// settledGoroutines waits for goroutines of earlier tests to finish, then
// counts.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 50 {
		time.Sleep(20 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return n
		}
		n = m
	}
	return n
}

// waitGoroutines polls, with a deadline, for the count to fall to want.
func waitGoroutines(want int) int {
	deadline := time.Now().Add(10 * time.Second)
	n := runtime.NumGoroutine()
	for n > want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

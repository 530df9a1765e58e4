package httpserver

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// One agent's notifications/cancelled must not cancel another agent's call
// that happens to carry the same JSON-RPC id on the same replica.
func TestCancellationDoesNotCrossClients(t *testing.T) {
	s := newStandIn()
	r := serve(t, s.mcp, Config{Transport: TransportHTTP})
	headers := map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-06-18"}
	done := make(chan string, 1)
	go func() {
		_, _, body := rawRequest(t, http.MethodPost, r.base+"/mcp", headers,
			strings.NewReader(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"block","arguments":{}}}`))
		done <- body
	}()
	select {
	case <-s.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the call never started")
	}
	status, _, _ := rawRequest(t, http.MethodPost, r.base+"/mcp", headers,
		strings.NewReader(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7,"reason":"another agent's stop button"}}`))
	if status != http.StatusAccepted {
		t.Fatalf("cancel notification: status %d, want 202", status)
	}
	close(s.release)
	if body := <-done; !strings.Contains(body, "released") {
		t.Fatalf("the call was cancelled by another client's notification: %s", body)
	}
}

// A client cancels its own call by abandoning the request: the tool's
// context ends, so the work (and any request to Meshes) stops.
func TestClientCancellationReachesTheTool(t *testing.T) {
	for _, kind := range []clientKind{streamableModern, streamableLegacy} {
		t.Run(string(kind), func(t *testing.T) {
			s := newStandIn()
			r := serve(t, s.mcp, Config{Transport: TransportHTTP})
			c := mustConnect(t, kind, r.base, nil)
			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() {
				_, err := callTool(ctx, c, "block", nil)
				errc <- err
			}()
			select {
			case <-s.entered:
			case <-time.After(10 * time.Second):
				t.Fatal("the call never started")
			}
			cancel()
			select {
			case <-s.cancelled:
			case <-time.After(10 * time.Second):
				t.Fatal("cancelling the call did not cancel the tool's context")
			}
			if err := <-errc; err == nil {
				t.Fatal("a cancelled call reported success")
			}
		})
	}
}

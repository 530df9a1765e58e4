package httpserver

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/poll"
)

// dialRefused reports whether a fresh TCP connection to base is refused,
// i.e. the server stopped accepting.
func dialRefused(base string) bool {
	host := base[strings.Index(base, "://")+3:]
	conn, err := net.DialTimeout("tcp", host, time.Second)
	if err != nil {
		return true
	}
	conn.Close()
	return false
}

type callOutcome struct {
	res *mcp.CallToolResult
	err error
}

// startBlockingCall starts the "block" tool and returns once the server is
// executing it.
func startBlockingCall(t *testing.T, s *standIn, kind clientKind, base string) <-chan callOutcome {
	t.Helper()
	c := mustConnect(t, kind, base, nil)
	out := make(chan callOutcome, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		res, err := callTool(ctx, c, "block", nil)
		out <- callOutcome{res, err}
	}()
	select {
	case <-s.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the blocking call never reached the server")
	}
	return out
}

// On shutdown the server stops accepting at once, lets the call in flight
// finish and deliver its answer, then returns cleanly.
func TestShutdownLetsInFlightCallFinish(t *testing.T) {
	for _, tc := range clientKinds {
		t.Run(string(tc.kind), func(t *testing.T) {
			s := newStandIn()
			r := serve(t, s.mcp, Config{Transport: tc.transport, ShutdownTimeout: 20 * time.Second})
			out := startBlockingCall(t, s, tc.kind, r.base)

			r.stop()
			poll.Until(t, "the listener to close", func() bool { return dialRefused(r.base) })
			if err, ok := r.wait(0); ok {
				t.Fatalf("Serve returned (%v) while a call was still in flight", err)
			}

			close(s.release)
			select {
			case o := <-out:
				if o.err != nil {
					t.Fatalf("in-flight call failed during graceful shutdown: %v", o.err)
				}
				if got := resultText(o.res); got != "released" {
					t.Fatalf("in-flight call returned %q, want %q", got, "released")
				}
			case <-time.After(10 * time.Second):
				t.Fatal("in-flight call never completed")
			}
			err, ok := r.wait(10 * time.Second)
			if !ok {
				t.Fatal("Serve did not return after the drain")
			}
			if err != nil {
				t.Fatalf("Serve after a clean drain: %v", err)
			}
		})
	}
}

// A call that outlives the bound is cut off and Serve reports it.
func TestShutdownIsBounded(t *testing.T) {
	for _, tc := range clientKinds {
		t.Run(string(tc.kind), func(t *testing.T) {
			s := newStandIn()
			r := serve(t, s.mcp, Config{Transport: tc.transport, ShutdownTimeout: 200 * time.Millisecond})
			startBlockingCall(t, s, tc.kind, r.base)
			r.stop()
			err, ok := r.wait(10 * time.Second)
			if !ok {
				t.Fatal("shutdown ignored its bound")
			}
			if err == nil {
				t.Fatal("Serve reported a clean shutdown although a call was cut off")
			}
		})
	}
}

// With nothing in flight, shutdown is immediate even with open SSE streams.
func TestShutdownIdleIsPrompt(t *testing.T) {
	for _, tc := range clientKinds {
		t.Run(string(tc.kind), func(t *testing.T) {
			r := serve(t, newStandIn().mcp, Config{Transport: tc.transport, ShutdownTimeout: time.Minute})
			c := mustConnect(t, tc.kind, r.base, nil)
			callText(t, c, "echo", map[string]any{"text": "x"})
			r.stop()
			err, ok := r.wait(10 * time.Second)
			if !ok {
				t.Fatal("idle shutdown waited on open streams")
			}
			if err != nil {
				t.Fatalf("idle shutdown: %v", err)
			}
		})
	}
}

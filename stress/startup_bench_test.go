package stress

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/sandbox"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// BenchmarkInProcessStartup is the part of cold start that happens after
// the process is up: building the catalog (schema reflection, argument
// decoders), the MCP server, and answering initialize and tools/list. It
// isolates that work from process creation, for profiling with
//
//	go test -run '^$' -bench InProcessStartup -cpuprofile cpu.out ./stress/
func BenchmarkInProcessStartup(b *testing.B) {
	creds := sandbox.GenerateCredentials()
	ctx := context.Background()
	initialize := json.RawMessage(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"b","version":"1"}}}`)
	list := json.RawMessage(`{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}`)
	b.ReportAllocs()
	for b.Loop() {
		client, err := meshesapi.New(meshesapi.Config{AccessKey: creds.AccessKey, SecretKey: creds.SecretKey, OrgID: creds.OrgID,
			APIURL: "http://127.0.0.1:9"})
		if err != nil {
			b.Fatal(err)
		}
		cat, err := tools.New(client, tools.Options{})
		if err != nil {
			b.Fatal(err)
		}
		srv := cat.MCPServer("bench")
		srv.HandleMessage(ctx, initialize)
		if out, _ := json.Marshal(srv.HandleMessage(ctx, list)); len(out) < 10_000 {
			b.Fatalf("tools/list answered %d bytes", len(out))
		}
	}
}

// BenchmarkInProcessSendEvents10k is BenchmarkSendEvents10k without the
// process boundary, for memory and CPU profiles of the server's side:
//
//	go test -run '^$' -bench InProcessSendEvents -benchmem -memprofile mem.out ./stress/
func BenchmarkInProcessSendEvents10k(b *testing.B) {
	const n = 10_000
	s := teststack.Start(b, teststack.Options{})
	sess := newSession(b, s)
	events := make([]any, n)
	for i := range events {
		events[i] = map[string]any{"workspace_id": s.IDs.Workspace, "event": "bench.bulk",
			"payload": map[string]any{"email": fmt.Sprintf("user%d@example.com", i), "plan": "pro", "n": i}}
	}
	b.ReportAllocs()
	for b.Loop() {
		var out struct{ Accepted int }
		sess.mustSucceed("send_events", map[string]any{"events": events}, &out)
		if out.Accepted != n {
			b.Fatalf("accepted %d of %d", out.Accepted, n)
		}
	}
}

package tools

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
)

// A call that asked for progress hears about each retry while Meshes keeps
// failing, with progress values that only grow, and then gets its result.
func TestRetriesAreReportedAsProgress(t *testing.T) {
	var failures atomic.Int32
	flaky := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failures.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"count":0,"records":[]}`))
	})
	cat := fakeCatalog(t, flaky, Limits{})
	c, err := client.NewInProcessClient(cat.MCPServer("test"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	notified := testbin.Progress(c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatal(err)
	}
	req := mcp.CallToolRequest{}
	req.Params.Name = "list_workspaces"
	req.Params.Arguments = map[string]any{}
	req.Params.Meta = &mcp.Meta{ProgressToken: "slow-1"}
	res, err := c.CallTool(ctx, req)
	if err != nil || res.IsError {
		t.Fatalf("call: %v %v", res, err)
	}
	progress := notified()
	if len(progress) != 2 {
		t.Fatalf("%d progress notifications for 2 retries: %v", len(progress), progress)
	}
	last := -1.0
	for _, p := range progress {
		v, _ := p["progress"].(float64)
		msg, _ := p["message"].(string)
		if p["progressToken"] != "slow-1" || v <= last || !strings.Contains(msg, "503") || !strings.Contains(msg, "retrying") {
			t.Errorf("progress notification %v (previous progress %v)", p, last)
		}
		last = v
	}
}

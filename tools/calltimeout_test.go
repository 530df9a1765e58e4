package tools

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

// A hanging Meshes cannot hold a call past its deadline: the call answers
// with a timeout error instead of retrying attempt after attempt (8 × 30 s
// for a read before the deadline existed), and a POST that may have reached
// Meshes is reported as an unknown outcome.
func TestCallAnswersByItsDeadlineWhenMeshesHangs(t *testing.T) {
	// The body is read first: only then does the server notice the client
	// hanging up, which ends the handler.
	hang := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	})
	c := fakeCatalog(t, hang, Limits{CallTimeout: 300 * time.Millisecond})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	res, err := c.Call(ctx, "list_workspaces", []byte(`{}`))
	if err != nil || !res.IsError || ctx.Err() != nil {
		t.Fatalf("read: %v %v (test deadline passed: %v)", res, err, ctx.Err())
	}
	if text := callText(res); !strings.Contains(text, "before the call's deadline") || strings.Contains(text, "30s") {
		t.Fatalf("read past its deadline says %q, want a timeout", text)
	}

	res, err = c.Call(ctx, "create_workspace", []byte(`{"name":"Acme"}`))
	if err != nil || !res.IsError || ctx.Err() != nil {
		t.Fatalf("write: %v %v (test deadline passed: %v)", res, err, ctx.Err())
	}
	if text := callText(res); !strings.Contains(text, "unknown") || strings.Contains(text, "safe to send again") {
		t.Fatalf("a POST past its deadline says %q, want an unknown outcome", text)
	}
}

func callText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

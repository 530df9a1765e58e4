package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/faultmeshes"
	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// The reference is only fair while it keeps as many requests in flight as
// send_events does.
func TestConcurrencyIsSendEventsDefault(t *testing.T) {
	if concurrency != tools.DefaultConcurrency {
		t.Fatalf("concurrency = %d, send_events uses tools.DefaultConcurrency = %d", concurrency, tools.DefaultConcurrency)
	}
}

// Each call is answered with its counts, in bulk requests of 100 (every
// request full, so that whichever one fails costs 100 events),
// and events of a request Meshes refused are not counted as accepted.
func TestRunAnswersEachCallWithItsCounts(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	env := map[string]string{}
	for _, kv := range testbin.ChildEnv(t.TempDir(), s.Creds, s.Proxy.URL) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	const n = 300
	events := make([]map[string]any, n)
	for i := range events {
		events[i] = map[string]any{"workspace_id": s.IDs.Workspace, "event": "sendref.test", "payload": map[string]any{"n": i}}
	}
	call, err := json.Marshal(map[string]any{"events": events})
	if err != nil {
		t.Fatal(err)
	}
	// One of the three bulk requests fails as a whole, before Meshes.
	s.Proxy.Script("POST", "/api/v1/events/bulk", faultmeshes.Fault{}, faultmeshes.Fault{Kind: faultmeshes.InternalError})
	in := strings.NewReader(`{"events": []}` + "\n" + string(call) + "\n")
	var out bytes.Buffer
	if err := run(in, &out, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("{\"total\":0,\"accepted\":0}\n{\"total\":%d,\"accepted\":%d}\n", n, n-100)
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	if got := s.Proxy.Count("POST", "/api/v1/events/bulk"); got != 3 {
		t.Errorf("%d bulk requests for %d events, want 3", got, n)
	}
}

// A configuration problem is an error, not a run that sends nothing.
func TestRunWithoutCredentialsFails(t *testing.T) {
	home := t.TempDir()
	err := run(strings.NewReader(""), &bytes.Buffer{}, func(k string) string {
		if k == "HOME" || k == "XDG_CONFIG_HOME" {
			return home
		}
		return ""
	})
	if err == nil {
		t.Fatal("run without credentials succeeded")
	}
}

package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sseClientDir holds the Node script and the locked npm packages of the
// official MCP TypeScript client; .ci/run installs them with npm ci.
const sseClientDir = "testdata/sseclient"

// The official TypeScript client, negotiating versions the way the MCP
// Inspector does by default (probe server/discover, take the newest both
// sides offer), works over SSE past its first request: listing tools and
// calling one twice. mcp-go offered 2026-07-28 over SSE, which then failed
// every request after the probe ("Mcp-Method: missing required header").
func TestOfficialTypeScriptClientOverSSE(t *testing.T) {
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(sseClientDir, "node_modules", "@modelcontextprotocol", "client"))
	}
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node or the npm packages of %s are missing (%v); .ci/run installs them with npm ci", sseClientDir, err)
		}
		t.Skipf("node or the npm packages are missing (%v); run: (cd httpserver/%s && npm ci)", err, sseClientDir)
	}
	if testing.Short() {
		t.Skip("starts the binary and a Node client")
	}
	p := startProcess(t, startBackend(t, nil), "", "--transport", "sse")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "client.mjs", p.Base+"/sse")
	cmd.Dir = sseClientDir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("TypeScript client over SSE: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	steps := map[string]json.RawMessage{}
	for line := range strings.Lines(stdout.String()) {
		var s struct {
			Step  string
			Value json.RawMessage
		}
		if err := json.Unmarshal([]byte(line), &s); err != nil {
			t.Fatalf("client printed %q", line)
		}
		steps[s.Step] = s.Value
	}
	if v := string(steps["protocol"]); !strings.HasPrefix(v, `"2025-`) {
		t.Errorf("negotiated protocol %s over SSE, want a 2025 revision", v)
	}
	if v := string(steps["tools"]); v == "" || v == "0" {
		t.Errorf("tools/list gave %s tools", v)
	}
	for _, call := range []string{"call1", "call2"} {
		if v := string(steps[call]); !strings.Contains(v, `"isError":false`) || !strings.Contains(v, "Acme") {
			t.Errorf("%s: %s", call, v)
		}
	}
}

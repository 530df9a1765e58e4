package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
	"github.com/meshes-mcp/meshes-mcp/sandbox"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// sseClientDir holds the Node scripts and the locked npm packages of the
// official MCP TypeScript client; .ci/run installs them with npm ci.
const sseClientDir = "testdata/sseclient"

// officialClient returns the path of node once the official TypeScript
// client is installed. Without it the test is skipped, or failed under CI,
// where .ci/run installs it. Under -short the test is skipped regardless.
func officialClient(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts the binary and a Node client")
	}
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
	return node
}

// The official TypeScript client, negotiating versions the way the MCP
// Inspector does by default (probe server/discover, take the newest both
// sides offer), works over SSE past its first request: listing tools and
// calling one twice. mcp-go offered 2026-07-28 over SSE, which then failed
// every request after the probe ("Mcp-Method: missing required header").
func TestOfficialTypeScriptClientOverSSE(t *testing.T) {
	node := officialClient(t)
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

// Hosts built on the official TypeScript SDK check every structuredContent
// against the tool's outputSchema with AJV and throw on a mismatch, while
// mcp-go checks our results with another validator; a result the two judge
// differently would break a user's host. So the official client drives the
// real binary (--sandbox, so seeded data) over stdio and streamable HTTP,
// with the client's default negotiation (initialize, a 2025 revision) and
// with auto (server/discover, the newest revision), through a journey that
// reaches every read-only tool with real ids, and most writes
// (testdata/sseclient/journey.mjs). The script fails on any thrown call,
// unexpected isError, unvalidated result, or read-only tool left out, and
// shows that the client rejects a result breaking the schema it was given.
func TestOfficialTypeScriptClientValidatesEveryResult(t *testing.T) {
	node := officialClient(t)
	bin := testbin.Binary(t, false)
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var readOnly []string
	for _, tool := range cat.All() {
		if tool.ReadOnly {
			readOnly = append(readOnly, tool.Name)
		}
	}
	for _, transport := range []string{"stdio", "http"} {
		for _, negotiation := range []string{"legacy", "auto"} {
			t.Run(transport+"/"+negotiation, func(t *testing.T) {
				// Nothing of the developer's environment reaches node or the
				// binary it spawns: HOME and XDG_CONFIG_HOME are empty temp
				// dirs and every MESHES_ variable is blank.
				env := testbin.ChildEnv(t.TempDir(), sandbox.Credentials{}, "", "PATH="+os.Getenv("PATH"))
				target := bin
				if transport == "http" {
					p := testbin.StartHTTP(t, bin, env, "--transport", "http", "--sandbox", "--addr", "127.0.0.1:0")
					target = p.Base + "/mcp"
				}
				s := runJourney(t, node, env, transport, target, negotiation)
				if legacy := strings.HasPrefix(s.Protocol, "2025-"); legacy != (negotiation == "legacy") {
					t.Errorf("negotiated protocol %q with %s negotiation", s.Protocol, negotiation)
				}
				if want := len(cat.All()); s.Tools != want || s.WithOutputSchema != want {
					t.Errorf("the client saw %d tools, %d with an outputSchema; the catalog has %d, each with one", s.Tools, s.WithOutputSchema, want)
				}
				if !slices.Equal(slices.Sorted(slices.Values(s.ReadOnly)), slices.Sorted(slices.Values(readOnly))) {
					t.Errorf("tools/list annotates %v readOnlyHint, the catalog %v", s.ReadOnly, readOnly)
				}
				total := 0
				for _, name := range readOnly {
					if s.Calls[name] == 0 {
						t.Errorf("read-only tool %s was never called", name)
					}
				}
				for _, n := range s.Calls {
					total += n
				}
				if s.Validated != total || s.Unvalidated != 0 {
					t.Errorf("the client validated %d of %d results (%d unvalidated)", s.Validated, total, s.Unvalidated)
				}
				if !strings.Contains(s.RejectedMismatch, "output schema") {
					t.Errorf("the negative control was not rejected by output-schema validation: %q", s.RejectedMismatch)
				}
				t.Logf("protocol %s: the client validated %d results of %d tools; not called: %v", s.Protocol, s.Validated, len(s.Calls), s.NotCalled)
			})
		}
	}
}

// journeySummary is the line journey.mjs prints when every check passed.
type journeySummary struct {
	Protocol         string
	Tools            int
	WithOutputSchema int
	ReadOnly         []string
	Calls            map[string]int
	Validated        int
	Unvalidated      int
	NotCalled        []string
	RejectedMismatch string
}

// runJourney runs journey.mjs with env as node's whole environment (the
// stdio transport hands it on to the binary it spawns) and returns its
// summary, failing the test with the script's output if it failed.
func runJourney(t *testing.T, node string, env []string, transport, target, negotiation string) journeySummary {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "journey.mjs", transport, target, negotiation)
	cmd.Dir = sseClientDir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("TypeScript client journey over %s: %v\nstdout:\n%s\nstderr:\n%s", transport, err, stdout.String(), stderr.String())
	}
	var line struct {
		Step  string
		Value journeySummary
	}
	if err := json.Unmarshal(stdout.Bytes(), &line); err != nil || line.Step != "summary" {
		t.Fatalf("journey printed %q (%v)\nstderr:\n%s", stdout.String(), err, stderr.String())
	}
	return line.Value
}

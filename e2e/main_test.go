// Package e2e runs the real meshes-mcp binary, built once per test run, and
// talks MCP to it over stdio with mcp-go's client, against the embedded
// Meshes sandbox started in the test process.
package e2e

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/hermetic"
	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
	"github.com/meshes-mcp/meshes-mcp/sandbox"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// binary is the meshes-mcp executable under test.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		// Every test here drives the real binary; the fast inner loop
		// (go test -short) leaves them to CI.
		fmt.Println("e2e: skipped under -short (drives the real binary)")
		os.Exit(0)
	}
	// The server runs in its own process; under -race it is built with
	// the race detector too, so that data races in tool handlers fail the run.
	var err error
	if binary, err = testbin.Build(testbin.RaceEnabled); err != nil {
		fmt.Fprintln(os.Stderr, "building meshes-mcp:", err)
		os.Exit(1)
	}
	code := hermetic.Run(m)
	if code == 0 && flag.Lookup("test.run").Value.String() == "" {
		code = checkCoverage()
	}
	testbin.Cleanup()
	os.Exit(code)
}

// covered records which tools a test called successfully and with bad input,
// so that a tool added to the catalog without end-to-end tests fails the run.
var covered = struct {
	sync.Mutex
	ok, bad map[string]bool
}{ok: map[string]bool{}, bad: map[string]bool{}}

func checkCoverage() int {
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := 0
	for _, tool := range cat.All() {
		if !covered.ok[tool.Name] {
			fmt.Fprintf(os.Stderr, "FAIL: no end-to-end test calls %s successfully\n", tool.Name)
			code = 1
		}
		if !covered.bad[tool.Name] {
			fmt.Fprintf(os.Stderr, "FAIL: no end-to-end test calls %s with bad input\n", tool.Name)
			code = 1
		}
	}
	return code
}

// fixture is a sandbox with a request counter.
type fixture struct {
	sb       *sandbox.Running
	requests atomic.Int64
	mu       sync.Mutex
	seen     []string // "METHOD /path" of every request
	// hook, when set, runs inside the sandbox's request hook.
	hook atomic.Pointer[func(*http.Request)]
}

// newFixture starts a seeded sandbox without automatic retries, so that a
// failing delivery settles after one attempt.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newRetryingFixture(t, []time.Duration{})
}

// newRetryingFixture is newFixture whose sandbox retries a failed delivery
// after each wait of backoff.
func newRetryingFixture(t *testing.T, backoff []time.Duration) *fixture {
	t.Helper()
	f := &fixture{}
	sb, err := sandbox.Start(sandbox.Options{
		Seed:           true,
		Backoff:        backoff,
		WebhookTimeout: 3 * time.Second,
		OnRequest: func(r *http.Request) {
			f.requests.Add(1)
			f.mu.Lock()
			f.seen = append(f.seen, r.Method+" "+r.URL.Path)
			f.mu.Unlock()
			if h := f.hook.Load(); h != nil {
				(*h)(r)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	f.sb = sb
	return f
}

// requestsMatching counts requests whose "METHOD /path" contains s.
func (f *fixture) requestsMatching(s string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.seen {
		if strings.Contains(r, s) {
			n++
		}
	}
	return n
}

// env is the child environment: sandbox credentials, every other variable
// the server reads set empty (but warnings logged), and a config dir
// without a credentials file.
func (f *fixture) env(t *testing.T, extra ...string) []string {
	return testbin.ChildEnv(t.TempDir(), f.sb.Credentials, f.sb.URL, append([]string{"MESHES_LOG_LEVEL=warn"}, extra...)...)
}

// connect starts the binary and completes the MCP handshake.
func connect(t *testing.T, env []string, args ...string) *client.Client {
	t.Helper()
	c, err := client.NewStdioMCPClient(binary, env, args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	// NewStdioMCPClient starts the transport but not the client, whose
	// Start installs the notification handler (progress notifications).
	start(t, c)
	return c
}

// start starts an MCP client and completes the handshake.
func start(t *testing.T, c *client.Client) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatal(err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "e2e", Version: "1"}
	if _, err := c.Initialize(ctx, init); err != nil {
		t.Fatalf("initialize: %v%s", err, stderrOf(c))
	}
}

func stderrOf(c *client.Client) string {
	r, ok := client.GetStderr(c)
	if !ok {
		return ""
	}
	buf := make([]byte, 8192)
	n, _ := r.Read(buf)
	if n == 0 {
		return ""
	}
	return "\nserver stderr:\n" + string(buf[:n])
}

// call runs a tool and fails the test on a protocol error.
func call(t *testing.T, c *client.Client, name string, args any) *mcp.CallToolResult {
	t.Helper()
	res, err := callErr(c, name, args, nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

func callErr(c *client.Client, name string, args any, meta *mcp.Meta) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	req.Params.Meta = meta
	return c.CallTool(ctx, req)
}

// ok calls a tool that must succeed and decodes its structured result into
// out. It also checks that the text block states the same facts.
func ok(t *testing.T, c *client.Client, name string, args any, out any) {
	t.Helper()
	res := call(t, c, name, args)
	if res.IsError {
		t.Fatalf("%s failed: %s", name, text(res))
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil || res.StructuredContent == nil {
		t.Fatalf("%s: no structured content", name)
	}
	var fromText, fromStructured any
	if err := json.Unmarshal([]byte(text(res)), &fromText); err != nil {
		t.Fatalf("%s: text block is not the result JSON: %v", name, err)
	}
	_ = json.Unmarshal(raw, &fromStructured)
	a, _ := json.Marshal(fromText)
	b, _ := json.Marshal(fromStructured)
	if string(a) != string(b) {
		t.Errorf("%s: text and structured content differ:\n%s\n%s", name, a, b)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	covered.Lock()
	covered.ok[name] = true
	covered.Unlock()
}

// fails calls a tool that must return an isError result mentioning want.
func fails(t *testing.T, c *client.Client, name string, args any, want string) string {
	t.Helper()
	res := call(t, c, name, args)
	if !res.IsError {
		t.Fatalf("%s succeeded, want an error mentioning %q", name, want)
	}
	if msg := text(res); !strings.Contains(msg, want) {
		t.Fatalf("%s error %q does not mention %q", name, msg, want)
	}
	return text(res)
}

// rejectedBeforeAnyRequest calls a tool with bad input: the answer must be
// an isError result of one sentence mentioning want, and no request may
// reach Meshes. It returns the message.
func rejectedBeforeAnyRequest(t *testing.T, f *fixture, c *client.Client, tool string, args map[string]any, want string) string {
	t.Helper()
	before := f.requests.Load()
	msg := fails(t, c, tool, args, want)
	if n := f.requests.Load() - before; n != 0 {
		t.Errorf("%d request(s) reached Meshes for bad input (%s)", n, msg)
	}
	if !strings.HasSuffix(msg, ".") || strings.Count(msg, "\n") > 0 {
		t.Errorf("error is not one sentence: %q", msg)
	}
	covered.Lock()
	covered.bad[tool] = true
	covered.Unlock()
	return msg
}

func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, "\n")
}

package stress

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/hermetic"
	"github.com/meshes-mcp/meshes-mcp/internal/testbin"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
)

// The stdio harness speaks raw JSON-RPC to the real binary over real pipes,
// so tests can send what no well-behaved client library would (garbage,
// 10 MB lines, unknown methods) and check every byte the server writes.

// binary returns the plain meshes-mcp binary, built once per test run and
// only for the tests that need it. Memory and speed figures come from it.
func binary(t testing.TB) string { return testbin.Binary(t, false) }

// raceBinary is built with -race when the tests run under it, so that a data
// race inside the server process fails the run.
func raceBinary(t testing.TB) string { return testbin.Binary(t, testbin.RaceEnabled) }

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		// Stress, fault and load runs are what -short leaves to CI.
		fmt.Println("stress: skipped under -short")
		os.Exit(0)
	}
	code := hermetic.Run(m)
	testbin.Cleanup()
	os.Exit(code)
}

// childEnv points the binary at a stack's proxy with its credentials, and
// blanks every other variable the server reads, so the developer's own
// configuration cannot leak in.
func childEnv(t testing.TB, s *teststack.Stack, extra ...string) []string {
	return testbin.ChildEnv(t.TempDir(), s.Creds, s.Proxy.URL,
		append([]string{"PATH=" + os.Getenv("PATH"), "GORACE=halt_on_error=1"}, extra...)...)
}

// rpcError is a JSON-RPC error object.
type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// message is one line the server wrote.
type message struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Result  json.RawMessage `json:"result"`
	Error   *rpcError       `json:"error"`
}

// proc is the binary running with its stdin/stdout as a JSON-RPC session.
type proc struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stderr *testbin.SyncBuffer
	exited chan struct{}
	nextID atomic.Int64
	// writeMu keeps concurrent requests from interleaving on stdin.
	writeMu sync.Mutex

	mu       sync.Mutex
	waiters  map[string]chan message
	stdout   []string  // every line written to stdout
	orphans  []message // responses nobody waited for (id null, unknown ids)
	badLines []string  // stdout lines that are not JSON-RPC 2.0
}

// start runs bin with args and env; Cleanup kills it if the test did not
// close it.
func start(t testing.TB, bin string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.SysProcAttr = testbin.ChildAttrs()
	p := &proc{t: t, cmd: cmd, stderr: &testbin.SyncBuffer{}, exited: make(chan struct{}), waiters: map[string]chan message{}}
	cmd.Stderr = p.stderr
	var err error
	if p.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go p.read(stdout)
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

// read consumes stdout line by line until the process closes it.
func (p *proc) read(stdout io.Reader) {
	defer func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	r := bufio.NewReaderSize(stdout, 1<<16)
	for {
		line, err := r.ReadString('\n')
		if line != "" {
			p.deliver(strings.TrimRight(line, "\n"))
		}
		if err != nil {
			return
		}
	}
}

func (p *proc) deliver(line string) {
	var m message
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stdout = append(p.stdout, line)
	if err := json.Unmarshal([]byte(line), &m); err != nil || m.JSONRPC != "2.0" {
		p.badLines = append(p.badLines, line)
		return
	}
	if m.Method != "" && len(m.ID) == 0 {
		return // a notification (progress, log)
	}
	if ch, ok := p.waiters[string(m.ID)]; ok {
		delete(p.waiters, string(m.ID))
		ch <- m
		return
	}
	p.orphans = append(p.orphans, m)
}

// send writes raw bytes (a line, garbage, anything) to stdin.
func (p *proc) send(b []byte) {
	p.t.Helper()
	p.writeMu.Lock()
	_, err := p.stdin.Write(b)
	p.writeMu.Unlock()
	if err != nil {
		p.t.Fatalf("writing to the server: %v (stderr: %s)", err, p.stderr.String())
	}
}

// expect registers interest in the response to id before it is sent.
func (p *proc) expect(id string) chan message {
	ch := make(chan message, 1)
	p.mu.Lock()
	p.waiters[id] = ch
	p.mu.Unlock()
	return ch
}

// forget drops interest in a response that may never come.
func (p *proc) forget(id string) {
	p.mu.Lock()
	delete(p.waiters, id)
	p.mu.Unlock()
}

// await waits for a registered response.
func (p *proc) await(id string, ch chan message, timeout time.Duration) message {
	p.t.Helper()
	select {
	case m := <-ch:
		return m
	case <-p.exited:
		p.t.Fatalf("server exited while waiting for response %s; stderr:\n%s", id, tail(p.stderr.String()))
	case <-time.After(timeout):
		p.t.Fatalf("no response to %s within %s; stderr:\n%s", id, timeout, tail(p.stderr.String()))
	}
	return message{}
}

// request sends one JSON-RPC request and waits for its response.
func (p *proc) request(method string, params any) message {
	p.t.Helper()
	m, err := p.tryRequest(method, params, 60*time.Second)
	if err != nil {
		p.t.Fatal(err)
	}
	return m
}

// tryRequest is request for goroutines other than the test's own, which
// must not call t.Fatal.
func (p *proc) tryRequest(method string, params any, timeout time.Duration) (message, error) {
	id := strconv.FormatInt(p.nextID.Add(1), 10)
	ch := p.expect(id)
	p.writeMu.Lock()
	_, err := p.stdin.Write(mustLine(map[string]any{"jsonrpc": "2.0", "id": json.RawMessage(id), "method": method, "params": params}))
	p.writeMu.Unlock()
	if err != nil {
		return message{}, fmt.Errorf("writing %s: %w", method, err)
	}
	select {
	case m := <-ch:
		return m, nil
	case <-p.exited:
		return message{}, fmt.Errorf("server exited while waiting for %s %s; stderr:\n%s", method, id, tail(p.stderr.String()))
	case <-time.After(timeout):
		return message{}, fmt.Errorf("no response to %s %s within %s", method, id, timeout)
	}
}

func (p *proc) notify(method string, params any) {
	p.t.Helper()
	p.send(mustLine(map[string]any{"jsonrpc": "2.0", "method": method, "params": params}))
}

// initialize performs the MCP handshake (the last revision with one).
func (p *proc) initialize() {
	p.t.Helper()
	m := p.request("initialize", map[string]any{"protocolVersion": "2025-11-25", "capabilities": map[string]any{},
		"clientInfo": map[string]any{"name": "stress", "version": "1"}})
	if m.Error != nil {
		p.t.Fatalf("initialize: %+v", m.Error)
	}
	p.notify("notifications/initialized", map[string]any{})
}

// toolResult is the part of a tools/call result the tests read.
type toolResult struct {
	IsError bool `json:"isError"`
	Content []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"content"`
	StructuredContent json.RawMessage `json:"structuredContent"`
}

func (r toolResult) text() string {
	var b strings.Builder
	for _, c := range r.Content {
		b.WriteString(c.Text)
	}
	return b.String()
}

// callTool runs tools/call and decodes the result; a JSON-RPC error fails.
func (p *proc) callTool(name string, args any) toolResult {
	p.t.Helper()
	m := p.request("tools/call", map[string]any{"name": name, "arguments": args})
	if m.Error != nil {
		p.t.Fatalf("tools/call %s: JSON-RPC error %+v", name, m.Error)
	}
	var r toolResult
	if err := json.Unmarshal(m.Result, &r); err != nil {
		p.t.Fatalf("tools/call %s result %s: %v", name, m.Result, err)
	}
	return r
}

// close ends the session by closing stdin, as an MCP host does, and returns
// the exit code.
func (p *proc) close() int {
	p.t.Helper()
	_ = p.stdin.Close()
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		p.t.Fatalf("server did not exit after stdin closed; stderr:\n%s", tail(p.stderr.String()))
	}
	return p.cmd.ProcessState.ExitCode()
}

func (p *proc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// memory reads VmRSS and VmHWM (peak RSS) of the process in KiB.
func (p *proc) memory() (rss, hwm int) {
	p.t.Helper()
	return memoryOf(p.t, p.cmd.Process.Pid)
}

// memoryOf reads VmRSS and VmHWM (peak RSS) of a running process in KiB.
func memoryOf(t testing.TB, pid int) (rss, hwm int) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("reading /proc status: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = n
		case "VmHWM:":
			hwm = n
		}
	}
	return rss, hwm
}

// checkStdoutIsJSONRPC asserts stdout carried nothing but JSON-RPC, and
// that every response nobody was waiting for (to garbage, to ids the test
// gave up on) is an error: the server never reports success for something
// it was not asked. The exception is a request whose id is an object or an
// array, which JSON-RPC forbids: mcp-go answers it, echoing that id, which
// is lenient but harmless.
func (p *proc) checkStdoutIsJSONRPC() {
	p.t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.badLines {
		p.t.Errorf("stdout line is not JSON-RPC 2.0: %.200q", l)
	}
	for _, m := range p.orphans {
		if nonScalar := len(m.ID) > 0 && (m.ID[0] == '{' || m.ID[0] == '['); m.Error == nil && !nonScalar {
			p.t.Errorf("unsolicited success response (id %s): %.200s", m.ID, m.Result)
		}
	}
}

func mustLine(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return append(b, '\n')
}

// tail keeps failure output readable.
func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

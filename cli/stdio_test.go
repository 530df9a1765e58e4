package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/server"

	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
)

// stdioSession is Main serving stdio in-process against --sandbox, spoken
// to over pipes.
type stdioSession struct {
	t      *testing.T
	in     *io.PipeWriter
	lines  chan []byte
	done   chan int
	stderr *testbin.SyncBuffer
}

func startStdio(t *testing.T, env map[string]string, args ...string) *stdioSession {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	getenv := isolatedEnv(t, env)
	s := &stdioSession{t: t, in: inW, lines: make(chan []byte, 16), done: make(chan int, 1), stderr: &testbin.SyncBuffer{}}
	go func() {
		s.done <- Main(append([]string{"--sandbox", "--log-level", "warn"}, args...), inR, outW, s.stderr, getenv)
		outW.Close()
	}()
	go func() {
		sc := bufio.NewScanner(outR)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			s.lines <- bytes.Clone(sc.Bytes())
		}
		close(s.lines)
	}()
	t.Cleanup(func() {
		inW.Close()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Error("server did not exit after stdin closed")
		}
	})
	s.send(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	s.await(`"init"`)
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	return s
}

func (s *stdioSession) send(line string) {
	s.t.Helper()
	if _, err := io.WriteString(s.in, line+"\n"); err != nil {
		s.t.Fatal(err)
	}
}

// stdioReply is one JSON-RPC response read from stdout.
type stdioReply struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// await returns the response whose id is the JSON text id, skipping others.
func (s *stdioSession) await(id string) stdioReply {
	s.t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				s.t.Fatalf("stdout closed before the response to %s", id)
			}
			var r stdioReply
			if err := json.Unmarshal(line, &r); err != nil {
				s.t.Fatalf("stdout line is not JSON-RPC: %q", line)
			}
			if string(r.ID) == id {
				return r
			}
		case <-deadline:
			s.t.Fatalf("no response to %s", id)
		}
	}
}

// The --max-body-bytes limit, from the flag or its variable, caps one stdin
// line: a longer request gets a JSON-RPC error carrying its id, the session
// carries on, and a request just under the limit is served as usual.
func TestStdioCapsEachLineAtMaxBodyBytes(t *testing.T) {
	cases := []struct {
		name  string
		env   map[string]string
		args  []string
		limit int
		// served is the size of a line that must still be served: the limit
		// itself, but less for the default, whose 4 MiB would take seconds
		// to decode under -race.
		served int
	}{
		{"flag", nil, []string{"--max-body-bytes", "2048"}, 2048, 2048},
		{"environment", map[string]string{"MESHES_MCP_MAX_BODY_BYTES": "3000"}, nil, 3000, 3000},
		{"flag beats environment", map[string]string{"MESHES_MCP_MAX_BODY_BYTES": "3000"}, []string{"--max-body-bytes", "2048"}, 2048, 2048},
		{"default", nil, nil, 4 << 20, 100 << 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startStdio(t, tc.env, tc.args...)
			// ping ignores its params; the padding sets the line's size.
			ping := func(id string, size int) string {
				head := `{"jsonrpc":"2.0","id":` + id + `,"method":"ping","params":{"pad":"`
				return head + strings.Repeat("p", size-len(head)-3) + `"}}`
			}
			over := ping(`"too-big"`, tc.limit+1)
			s.send(over)
			r := s.await(`"too-big"`)
			if r.Error == nil || r.Error.Code != -32600 || !strings.Contains(r.Error.Message, "-byte limit") ||
				!strings.Contains(r.Error.Message, "--max-body-bytes") || !strings.Contains(r.Error.Message, strconv.Itoa(tc.limit)) {
				t.Fatalf("line of %d bytes over a %d-byte limit: got %+v", len(over), tc.limit, r)
			}
			within := ping("7", tc.served)
			s.send(within)
			if r := s.await("7"); r.Error != nil || r.Result == nil {
				t.Fatalf("line of %d bytes under a %d-byte limit: got %+v", len(within), tc.limit, r)
			}
			if logs := s.stderr.String(); !strings.Contains(logs, "stdin message dropped") || strings.Contains(logs, "ppppp") {
				t.Errorf("want a warning without the content on stderr, got %q", logs)
			}
		})
	}
}

func TestMaxBodyBytesRefusesBadValues(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"not a number", nil, []string{"--max-body-bytes", "4MB"}},
		{"zero", nil, []string{"--max-body-bytes", "0"}},
		{"negative", nil, []string{"--max-body-bytes", "-1"}},
		{"bad environment value", map[string]string{"MESHES_MCP_MAX_BODY_BYTES": "lots"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runMain(t, strings.NewReader(""), tc.env, tc.args...)
			if code != 2 || !strings.Contains(stderr, "--max-body-bytes must be a positive number of bytes") {
				t.Fatalf("exit %d, stderr %q; want 2 naming --max-body-bytes", code, stderr)
			}
		})
	}
}

// A Config not built from flags (MaxMessageBytes unset) gets the default
// limit, as httpserver does, rather than a limit of zero that would drop
// every line.
func TestServeStdioWithUnsetLimitUsesTheDefault(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	env := &Env{Stdin: inR, Stdout: outW, Stderr: io.Discard, Logger: slog.New(slog.DiscardHandler)}
	done := make(chan error, 1)
	go func() { done <- serveStdio(t.Context(), server.NewMCPServer("t", "1"), &Config{}, env) }()

	pad := strings.Repeat("p", 64<<10)
	go func() {
		_, _ = io.WriteString(inW, `{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":"`+pad+`"}}`+"\n")
	}()
	line, err := bufio.NewReader(outR).ReadBytes('\n')
	var r stdioReply
	if err != nil || json.Unmarshal(line, &r) != nil || string(r.ID) != "1" || r.Error != nil || r.Result == nil {
		t.Fatalf("want a ping result for a %d-byte line, got %q (%v)", len(pad), line, err)
	}
	inW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serveStdio: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serveStdio did not return after stdin closed")
	}
}

package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/httpserver"
	"github.com/meshes-mcp/meshes-mcp/internal/argstash"
	"github.com/meshes-mcp/meshes-mcp/sandbox"
)

// frontSession is Main serving stdio in-process; every stdout line is
// delivered on lines, keyed by the raw text of its id.
type frontSession struct {
	t     *testing.T
	in    *io.PipeWriter
	mu    sync.Mutex
	byID  map[string]string
	added chan struct{}
}

func startFront(t *testing.T, env map[string]string, args ...string) *frontSession {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	getenv := isolatedEnv(t, env)
	s := &frontSession{t: t, in: inW, byID: map[string]string{}, added: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Main(append([]string{"--log-level", "error"}, args...), inR, outW, io.Discard, getenv)
		outW.Close()
	}()
	go func() {
		lines := bufio.NewScanner(outR)
		lines.Buffer(make([]byte, 1<<20), 4<<20)
		for lines.Scan() {
			var msg struct{ ID json.RawMessage }
			if err := json.Unmarshal(lines.Bytes(), &msg); err != nil {
				t.Errorf("stdout line is not JSON: %q", lines.Text())
				continue
			}
			s.mu.Lock()
			s.byID[string(msg.ID)] = lines.Text()
			s.mu.Unlock()
			select {
			case s.added <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		inW.Close()
		go func() { _, _ = io.Copy(io.Discard, outR) }()
		<-done
	})
	s.send(`{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	s.await(`"init"`)
	s.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	return s
}

func (s *frontSession) send(msg string) {
	if _, err := io.WriteString(s.in, msg+"\n"); err != nil {
		s.t.Fatal(err)
	}
}

// await returns the response whose id is written exactly as id.
func (s *frontSession) await(id string) string {
	s.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		s.mu.Lock()
		line, ok := s.byID[id]
		s.mu.Unlock()
		if ok {
			return line
		}
		select {
		case <-s.added:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			s.mu.Lock()
			defer s.mu.Unlock()
			s.t.Fatalf("no response with id %s; responses so far: %d", id, len(s.byID))
		}
	}
}

// Ids come back exactly as sent, including integers JSON numbers in a
// float64 would round.
func TestStdioEchoesRequestIDsExactly(t *testing.T) {
	s := startFront(t, nil, "--sandbox")
	for _, id := range []string{"9007199254740993", "12345678901234567890123", "-9007199254740995", "7", `"s-1"`, "1.5"} {
		s.send(`{"jsonrpc":"2.0","id":` + id + `,"method":"ping"}`)
		s.await(id)
		s.send(`{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"list_workspaces","arguments":{}}}`)
		if line := s.await(id); !strings.Contains(line, `"result"`) {
			t.Errorf("tools/call with id %s: %s", id, line)
		}
	}
}

// A message nested deeper than the JSON parser reads is answered with its
// id, wherever the id sits in the message.
func TestStdioAnswersTooDeepMessagesWithTheirID(t *testing.T) {
	s := startFront(t, nil, "--sandbox")
	deep := strings.Repeat("[", 10001) + strings.Repeat("]", 10001)
	s.send(`{"jsonrpc":"2.0","id":41,"method":"tools/call","params":{"name":"list_workspaces","arguments":{"x":` + deep + `}}}`)
	s.send(`{"jsonrpc":"2.0","method":"tools/call","params":{"name":"list_workspaces","arguments":{"x":` + deep + `}},"id":"after"}`)
	for _, id := range []string{"41", `"after"`} {
		if line := s.await(id); !strings.Contains(line, "deeper than") {
			t.Errorf("id %s answered %s", id, line)
		}
	}
}

// With more tool calls in flight than the server runs at once, stdin is
// still read: a ping is answered while the calls wait, the calls beyond the
// bound are refused as busy, and every call is answered.
func TestStdioStaysResponsiveWithManyCallsInFlight(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	releaseAll := func() { once.Do(func() { close(release) }) }
	creds := sandbox.GenerateCredentials()
	meshes := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"count":0,"records":[]}`)
	}))
	t.Cleanup(meshes.Close)
	t.Cleanup(releaseAll)
	s := startFront(t, map[string]string{
		"MESHES_ACCESS_KEY": creds.AccessKey, "MESHES_SECRET_KEY": creds.SecretKey, "MESHES_ORG_ID": creds.OrgID,
		"MESHES_API_URL": meshes.URL,
	}, "--call-timeout", "60s")

	const calls = maxStdioCallsInFlight + 20
	for i := range calls {
		s.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"list_workspaces","arguments":{}}}`, i))
	}
	s.send(`{"jsonrpc":"2.0","id":"ping","method":"ping"}`)
	s.await(`"ping"`)
	busy := 0
	for i := maxStdioCallsInFlight; i < calls; i++ {
		if line := s.await(fmt.Sprint(i)); strings.Contains(line, "server busy") {
			busy++
		}
	}
	if busy != calls-maxStdioCallsInFlight {
		t.Errorf("%d of the %d calls beyond the bound were refused as busy", busy, calls-maxStdioCallsInFlight)
	}
	releaseAll()
	for i := range maxStdioCallsInFlight {
		if line := s.await(fmt.Sprint(i)); !bytes.Contains([]byte(line), []byte(`"result"`)) {
			t.Errorf("call %d: %s", i, line)
		}
	}
}

// A tool call's arguments reach the tool without passing through mcp-go,
// which would decode them into a map the tools never read: the message
// handed on carries an empty arguments object and a token, and the stash
// lets go of arguments whose call was answered without running.
func TestStdioFrontLiftsToolCallArguments(t *testing.T) {
	stash := argstash.New()
	f := newStdioFront(io.Discard, slog.New(slog.DiscardHandler), httpserver.DefaultMaxBodyBytes, nil, stash)
	handed := f.inbound([]byte(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"no_such_tool","arguments":{"events":[1,2,3]}}}`))
	var msg struct {
		Params struct {
			Arguments json.RawMessage
			Meta      map[string]string `json:"_meta"`
		}
	}
	if err := json.Unmarshal(handed, &msg); err != nil {
		t.Fatalf("handed on %s: %v", handed, err)
	}
	if string(msg.Params.Arguments) != "{}" || msg.Params.Meta[argstash.MetaKey] == "" || stash.Held() != 1 {
		t.Fatalf("handed on %s with %d held; want empty arguments, a token and 1 held", handed, stash.Held())
	}
	f.outbound([]byte(`{"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"tool 'no_such_tool' not found"}}`))
	if stash.Held() != 0 {
		t.Errorf("the stash still holds %d after the call was answered", stash.Held())
	}
}

// Over stdio a call is read exactly as sent, _meta included, and a client
// that sends the server's own stash key is refused rather than served
// another call's arguments or none.
func TestStdioToolCallsKeepArgumentsAndMeta(t *testing.T) {
	s := startFront(t, nil, "--sandbox")
	s.send(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":{"progressToken":"p"},"name":"list_integrations","arguments":{"type":"slack"}}}`)
	if line := s.await("1"); !strings.Contains(line, `"result"`) || !strings.Contains(strings.ToLower(line), "slack") || strings.Contains(line, "hubspot") {
		t.Errorf("list_integrations {type: slack} answered %.400s", line)
	}
	s.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"_meta":{"` + argstash.MetaKey + `":"0123"},"name":"list_workspaces","arguments":{}}}`)
	if line := s.await("2"); !strings.Contains(line, `"isError":true`) || !strings.Contains(line, "is reserved for this server") {
		t.Errorf("a call naming the stash key answered %.400s", line)
	}
}

// A message whose method is not a string is answered (by mcp-go, as a parse
// error without an id), and the server goes on serving: it must not crash
// the process reading stdin.
func TestStdioAnswersANonStringMethod(t *testing.T) {
	s := startFront(t, nil, "--sandbox")
	s.send(`{"jsonrpc":"2.0","id":1,"method":5}`)
	if line := s.await("null"); !strings.Contains(line, `"error"`) {
		t.Errorf(`"method": 5 answered %s`, line)
	}
	s.send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
	s.await("2")
}

// mcp-go answers a tools/call carrying a result (it takes it for a
// response) not at all, and one whose id or method is also spelled in
// another letter case possibly under another id or as another method: the
// front neither counts such a message among the calls owed an answer nor
// lifts its arguments, which would be held for ever.
func TestStdioFrontOwesNothingToMessagesMCPGoReadsOtherwise(t *testing.T) {
	stash := argstash.New()
	f := newStdioFront(io.Discard, slog.New(slog.DiscardHandler), httpserver.DefaultMaxBodyBytes, nil, stash)
	params := `"params":{"name":"list_workspaces","arguments":{"a":1}}`
	for _, msg := range []string{
		`{"jsonrpc":"2.0","id":5,"method":"tools/call","result":{},` + params + `}`,
		`{"jsonrpc":"2.0","id":5,"method":"tools/call","Result":{},` + params + `}`,
		`{"jsonrpc":"2.0","id":5,"ID":null,"method":"tools/call",` + params + `}`,
		`{"jsonrpc":"2.0","id":5,"Id":6,"method":"tools/call",` + params + `}`,
		`{"jsonrpc":"2.0","id":5,"method":"tools/call","Method":"prompts/get",` + params + `}`,
	} {
		if handed := f.inbound([]byte(msg)); string(handed) != msg {
			t.Errorf("handed %s on as %s", msg, handed)
		}
	}
	if stash.Held() != 0 || f.inFlight != 0 {
		t.Errorf("the front holds %d calls' arguments and counts %d calls in flight; want none", stash.Held(), f.inFlight)
	}
}

// Tool calls mcp-go never answers do not use up the calls a client may
// have in flight: a real call after as many of them is served, not refused
// as busy.
func TestStdioCallsMCPGoNeverAnswersLeaveTheServerFree(t *testing.T) {
	s := startFront(t, nil, "--sandbox")
	for i := range maxStdioCallsInFlight {
		s.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","result":{},"params":{"name":"list_workspaces","arguments":{}}}`, i))
	}
	s.send(`{"jsonrpc":"2.0","id":"real","method":"tools/call","params":{"name":"list_workspaces","arguments":{}}}`)
	if line := s.await(`"real"`); !strings.Contains(line, `"result"`) {
		t.Errorf("a call after %d unanswered ones answered %.300s", maxStdioCallsInFlight, line)
	}
}

// Two calls in flight under one id (which a client should not send) keep
// their arguments until both are answered: a response cannot tell which of
// them it answers, and letting go of the other's arguments before that call
// ran would leave it refused for a reason the client did not cause.
func TestStdioFrontKeepsArgumentsOfCallsSharingAnIDUntilAllAnswer(t *testing.T) {
	stash := argstash.New()
	f := newStdioFront(io.Discard, slog.New(slog.DiscardHandler), httpserver.DefaultMaxBodyBytes, nil, stash)
	var tokens []string
	for _, args := range []string{`{"a":1}`, `{"b":2}`} {
		handed := f.inbound([]byte(`{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"list_workspaces","arguments":` + args + `}}`))
		var msg struct {
			Params struct {
				Meta map[string]string `json:"_meta"`
			}
		}
		if err := json.Unmarshal(handed, &msg); err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, msg.Params.Meta[argstash.MetaKey])
	}
	answer := []byte(`{"jsonrpc":"2.0","id":7,"result":{"content":[]}}`)
	if _, ok := stash.Take(tokens[1]); !ok { // the second call runs first
		t.Fatal("the second call's arguments are not in the stash")
	}
	f.outbound(answer)
	if _, ok := stash.Take(tokens[0]); !ok {
		t.Fatal("the first call's arguments were let go before it ran")
	}
	f.outbound(answer)
	if stash.Held() != 0 || f.inFlight != 0 {
		t.Errorf("after both answers: %d held, %d in flight", stash.Held(), f.inFlight)
	}
	// Answered without running (an unknown tool, say), both let go at the end.
	for range 2 {
		f.inbound([]byte(`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"nope","arguments":{"a":1}}}`))
	}
	f.outbound([]byte(`{"jsonrpc":"2.0","id":8,"error":{"code":-32602,"message":"not found"}}`))
	f.outbound([]byte(`{"jsonrpc":"2.0","id":8,"error":{"code":-32602,"message":"not found"}}`))
	if stash.Held() != 0 || f.inFlight != 0 {
		t.Errorf("after both calls were refused: %d held, %d in flight", stash.Held(), f.inFlight)
	}
}

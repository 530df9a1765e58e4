package tools_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// FuzzToolArguments feeds arbitrary argument JSON to every tool through
// Catalog.Call, with the catalog's client pointed at the strict sandbox
// behind a proxy that logs every request on the wire. It asserts what a
// model sending garbage must never cause: a panic (the catalog turns one
// into an "internal error" result, which fails here), an empty error, a
// request after the arguments were judged invalid, a request to a path
// outside the API's route table (traversal), a 5xx from the sandbox, or the
// secret key in a result.
//
// `go test` runs the seed corpus; fuzz longer with
//
//	go test -run '^$' -fuzz FuzzToolArguments -fuzztime 60s ./tools/
func FuzzToolArguments(f *testing.F) {
	env := fuzzStack(f)
	names := make([]string, 0, len(env.stack.Catalog.All()))
	for _, t := range env.stack.Catalog.All() {
		names = append(names, t.Name)
	}
	ids := env.stack.IDs
	for i := range names {
		for _, seed := range fuzzSeeds(ids) {
			f.Add(uint8(i), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, args []byte) {
		name := names[int(which)%len(names)]
		env.check(t, name, args)
	})
}

// fuzzSeeds are argument objects that exercise each id argument with valid
// ids, traversal attempts and type confusion; each tool ignores (rejects)
// the keys it does not have, which is itself a path worth covering.
func fuzzSeeds(ids teststack.IDs) []string {
	traversal := []string{"../workspaces", "%2e%2e", "..%2f..%2fworkspaces", "/", "a/b", ids.Workspace + "/../x", ""}
	var seeds []string
	for _, v := range traversal {
		q, _ := json.Marshal(v)
		for _, key := range []string{"workspace_id", "connection_id", "rule_id", "event_id", "session_id"} {
			seeds = append(seeds, `{"`+key+`":`+string(q)+`}`)
		}
	}
	return append(seeds,
		`{}`, `null`, `[]`, `"x"`, `{"workspace_id":42}`, `{"cursor":"!!"}`,
		`{"workspace_id":"`+ids.Workspace+`"}`,
		`{"connection_id":"`+ids.Connection+`","refresh":"true"}`,
		`{"rule_id":"`+ids.Rule+`"}`,
		`{"event_id":"`+ids.Event+`","include_payload":true}`,
		`{"event_id":"`+ids.FailedEvent+`","rule_id":"`+ids.Rule+`"}`,
		`{"session_id":"`+ids.Session+`"}`,
		`{"workspace_id":"`+ids.Workspace+`","event":"user.signup","payload":{"email":"a@example.com"}}`,
		`{"events":[{"workspace_id":"`+ids.Workspace+`","event":"x","payload":{"a":1}}]}`,
		`{"workspace_id":"`+ids.Workspace+`","name":"Fuzz ws","description":null}`,
		`{"workspace_id":"`+ids.Workspace+`","type":"webhook","name":"n","metadata":{"url":"http://127.0.0.1:9/"}}`,
		`{"connection_id":"`+ids.Connection+`","schema":{"schema_version":1,"fields":[]}}`,
		`{"workspace_id":"`+ids.Workspace+`","limit":"5","status":"FAILED"}`,
		`{"workspace_id":"`+ids.Workspace+`","ttl_seconds":1e400}`,
		`{"workspace_id":"`+ids.Workspace+`","connection_id":"`+ids.Connection+`","event":"e","action":"a","resource_id":"../x"}`,
	)
}

type fuzzEnv struct {
	stack *teststack.Stack
	// mu serialises calls: the fuzzer runs one input at a time per
	// process, but the seed-corpus run and -parallel must not interleave
	// two calls' wire counts.
	mu sync.Mutex
}

var (
	fuzzEnvOnce sync.Once
	fuzzShared  *fuzzEnv
)

// fuzzStack is built once per process and never closed: fuzz workers are
// separate processes that exit when done, and rebuilding the sandbox per
// input would dominate the exec rate.
func fuzzStack(f *testing.F) *fuzzEnv {
	fuzzEnvOnce.Do(func() {
		s, err := teststack.New(teststack.Options{Retry: meshesapi.RetryPolicy{MaxAttempts: 1}, Timeout: 5 * time.Second})
		if err != nil {
			f.Fatal(err)
		}
		fuzzShared = &fuzzEnv{stack: s}
	})
	return fuzzShared
}

// apiRoute matches every path the API defines (docs/meshes-api.md §1) (under /api/v1), with
// ids in their documented shapes; nothing else may reach the wire.
var apiRoute = func() *regexp.Regexp {
	const id = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	const sess = `[A-Za-z0-9_-]{1,128}`
	alts := []string{
		`/workspaces`, `/workspaces/` + id, `/workspaces/` + id + `/(connections|rules|events|event-types|resources)`,
		`/connections`, `/connections/` + id, `/connections/` + id + `/(actions|fields|mappings/default)`,
		`/integrations`, `/rules`, `/rules/` + id,
		`/events`, `/events/bulk`, `/events/` + id, `/events/` + id + `/payload`,
		`/events/` + id + `/rules/` + id + `/(retry|cancel|attempts)`, `/events/` + id + `/cancel`,
		`/events/` + id + `/rules/` + id + `/attempts/` + sess + `(/response-details)?`,
		`/sessions`, `/sessions/` + sess, `/sessions/` + sess + `/refresh`,
	}
	return regexp.MustCompile(`(?i)^/api/v1(` + strings.Join(alts, "|") + `)$`)
}()

func (e *fuzzEnv) check(t *testing.T, name string, args []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	proxy := e.stack.Proxy
	before := len(proxy.Requests())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := e.stack.Catalog.Call(ctx, name, json.RawMessage(args))
	if err != nil {
		t.Fatalf("%s: Call refused a catalog tool: %v", name, err)
	}
	text := resultText(res)
	sent := proxy.Requests()[before:]
	switch {
	case res.IsError && strings.HasPrefix(text, "internal error"):
		t.Fatalf("%s(%s) panicked or failed internally: %s", name, args, text)
	case res.IsError && strings.TrimSpace(text) == "":
		t.Fatalf("%s(%s): error result without text", name, args)
	case res.IsError && strings.HasPrefix(text, "invalid arguments") && len(sent) > 0:
		t.Fatalf("%s(%s): %d request(s) reached the wire although the arguments were invalid: %s %s",
			name, args, len(sent), sent[0].Method, sent[0].Path)
	case strings.Contains(text, e.stack.Creds.SecretKey):
		t.Fatalf("%s(%s): the secret key appears in the result", name, args)
	}
	for _, r := range sent {
		if !apiRoute.MatchString(r.Path) {
			t.Fatalf("%s(%s): request to %s %s, which is not an API route", name, args, r.Method, r.Path)
		}
		if r.Status >= 500 {
			t.Fatalf("%s(%s): the sandbox answered %d to %s %s", name, args, r.Status, r.Method, r.Path)
		}
	}
}

// resultText joins the text blocks of a result.
func resultText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

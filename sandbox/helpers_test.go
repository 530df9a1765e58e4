package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/meshes-mcp/meshes-mcp/internal/poll"
)

// testEnv is a sandbox behind an httptest server plus a client that mints
// machine JWTs the way the official clients do.
type testEnv struct {
	t     *testing.T
	srv   *Server
	url   string // the sandbox's base URL
	creds Credentials
	now   func() time.Time
}

// fastBackoff keeps retry tests quick while still exercising the schedule.
var fastBackoff = []time.Duration{20 * time.Millisecond, 40 * time.Millisecond}

func newEnv(t *testing.T, opts Options) *testEnv {
	t.Helper()
	if opts.Backoff == nil {
		opts.Backoff = fastBackoff
	}
	if opts.WebhookTimeout == 0 {
		opts.WebhookTimeout = 2 * time.Second
	}
	srv := New(opts)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); srv.Close() })
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	return &testEnv{t: t, srv: srv, url: hs.URL, creds: srv.Credentials(), now: now}
}

// claims returns the standard claims for a valid token.
func (e *testEnv) claims() jwt.MapClaims {
	iat := e.now().Unix()
	return jwt.MapClaims{"iss": "urn:meshes:m2m:" + e.creds.AccessKey, "aud": "meshes-api",
		"org": e.creds.OrgID, "iat": iat, "exp": iat + 30}
}

// mint signs claims with HS256, kid = access key, and the given secret.
func mint(t *testing.T, claims jwt.MapClaims, kid, secret string) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = kid
	s, err := tok.SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *testEnv) token() string { return mint(e.t, e.claims(), e.creds.AccessKey, e.creds.SecretKey) }

type response struct {
	status int
	header http.Header
	body   []byte
}

// obj decodes the body as a JSON object.
func (r response) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode: %v: %s", err, r.body)
	}
}

// request sends method path (under /api/v1) with body (nil = none, string =
// raw, else JSON-encoded) and headers; a nil header map means "a valid
// machine token".
func (e *testEnv) request(method, path string, body any, headers map[string]string) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.url+"/api/v1"+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if headers == nil {
		headers = map[string]string{"Authorization": "Bearer " + e.token()}
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: raw}
}

func (e *testEnv) do(method, path string, body any) response {
	e.t.Helper()
	return e.request(method, path, body, nil)
}

// must asserts the status and returns the decoded object.
func (e *testEnv) must(status int, r response) map[string]any {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r.obj(e.t)
}

// assertError checks the API's error shape (docs/meshes-api.md §4) and, when params are
// given, that error.data names exactly those params.
func assertError(t *testing.T, r response, status int, params ...string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	var body struct {
		Message string `json:"message"`
		Error   struct {
			Name    string       `json:"name"`
			Message string       `json:"message"`
			Data    []fieldError `json:"data"`
		} `json:"error"`
	}
	r.decode(t, &body)
	if body.Message == "" || body.Error.Name != statusName(status) || body.Error.Message == "" {
		t.Fatalf("malformed error body: %s", r.body)
	}
	if len(params) > 0 {
		var got []string
		for _, d := range body.Error.Data {
			got = append(got, d.Param)
		}
		if fmt.Sprint(got) != fmt.Sprint(params) {
			t.Fatalf("error params %v, want %v: %s", got, params, r.body)
		}
	}
	return r.obj(t)
}

// fixture builders -----------------------------------------------------

func (e *testEnv) workspace(name string) string {
	e.t.Helper()
	m := e.must(http.StatusCreated, e.do("POST", "/workspaces", map[string]any{"name": name}))
	return m["workspace"].(map[string]any)["id"].(string)
}

func (e *testEnv) connection(ws, typ, name string, md map[string]any) string {
	e.t.Helper()
	m := e.must(http.StatusCreated, e.do("POST", "/connections", map[string]any{"workspace": ws, "type": typ, "name": name, "metadata": md}))
	return m["connection"].(map[string]any)["id"].(string)
}

func (e *testEnv) rule(ws, conn, event string, md map[string]any, extra map[string]any) string {
	e.t.Helper()
	body := map[string]any{"workspace": ws, "connection": conn, "event": event, "metadata": md}
	for k, v := range extra {
		body[k] = v
	}
	m := e.must(http.StatusCreated, e.do("POST", "/rules", body))
	return m["rule"].(map[string]any)["id"].(string)
}

func (e *testEnv) emit(ws, name string, payload map[string]any) string {
	e.t.Helper()
	m := e.must(http.StatusCreated, e.do("POST", "/events", map[string]any{"workspace": ws, "event": name, "payload": payload}))
	return m["event"].(map[string]any)["id"].(string)
}

// getEvent returns the event with its delivery matrix.
func (e *testEnv) getEvent(id string) eventJSON {
	e.t.Helper()
	var ev eventJSON
	r := e.do("GET", "/events/"+id, nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("get event: %d %s", r.status, r.body)
	}
	r.decode(e.t, &ev)
	return ev
}

// waitEvent polls until the event reaches status.
func (e *testEnv) waitEvent(id, status string) eventJSON {
	e.t.Helper()
	var ev eventJSON
	poll.Until(e.t, "event "+id+" to be "+status, func() bool {
		ev = e.getEvent(id)
		return ev.Status == status
	})
	return ev
}

// Wire shapes as a client decodes them.
type eventJSON struct {
	ID             string          `json:"id"`
	Status         string          `json:"status"`
	TotalRules     int             `json:"total_rules"`
	CompletedCount int             `json:"completed_count"`
	FailedCount    int             `json:"failed_count"`
	StartedAt      string          `json:"started_at"`
	CompletedAt    string          `json:"completed_at"`
	RuleEvents     []ruleEventJSON `json:"rule_events"`
	Payload        map[string]any  `json:"payload"`
}

type ruleEventJSON struct {
	ID              string `json:"id"`
	Type            string `json:"type"`
	EventID         string `json:"event_id"`
	Rule            string `json:"rule"`
	Connection      string `json:"connection"`
	IntegrationType string `json:"integration_type"`
	Status          string `json:"status"`
	AttemptCount    int    `json:"attempt_count"`
	StartedAt       string `json:"started_at"`
	CompletedAt     string `json:"completed_at"`
	LastError       string `json:"last_error"`
}

// fakeClock is an injectable Options.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// bodyCase is one row of an endpoint's input-validation table.
type bodyCase struct {
	name   string
	body   any // as for request: nil = none, string = raw, else JSON
	status int
	// params are the error.data params a rejection must name, in order
	// (nil: not checked).
	params []string
}

// bodyWith returns base with key/value pairs applied: a nil value removes
// the key, any other sets it.
func bodyWith(base map[string]any, kv ...any) map[string]any {
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(base, kv[i].(string))
		} else {
			base[kv[i].(string)] = kv[i+1]
		}
	}
	return base
}

// checkBodyCases sends each case's body as method path in its own subtest.
// A case expecting okStatus must get it with a JSON object, which check
// (when not nil) inspects; any other case must get its status in the
// API's error shape (docs/meshes-api.md §4), naming params.
func (e *testEnv) checkBodyCases(t *testing.T, method, path string, okStatus int, cases []bodyCase, check func(t *testing.T, got map[string]any)) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(method, path, tc.body)
			if tc.status != okStatus {
				assertError(t, r, tc.status, tc.params...)
				return
			}
			got := e.must(okStatus, r)
			if check != nil {
				check(t, got)
			}
		})
	}
}

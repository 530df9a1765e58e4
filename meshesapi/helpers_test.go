package meshesapi

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Credentials in the shapes Meshes issues (docs/meshes-api.md §3.4). The secret is
// distinctive so that a leak into any error text is easy to spot.
const (
	testAccessKey = "mk_TestAccessKey0123456789ab"
	testSecretKey = "SECRETsecret0123456789_abcdefghijklmnopqrstuvwxyz-XYZ"
	testOrgID     = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	testPubKey    = "mesh_pub_abc.def_ghi-jkl_asdf123"

	wsID   = "3f2b6c1e-8d4a-4e5b-9c7d-1a2b3c4d5e6f"
	connID = "11111111-2222-4333-8444-555555555555"
	ruleID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
	evID   = "0f0e0d0c-0b0a-4909-8807-060504030201"
	sessID = "sess_9b2e4f6a-1c3d-4e5f-8a9b-0c1d2e3f4a5b"
)

// seenRequest is what the fake Meshes received.
type seenRequest struct {
	Method   string
	Path     string // escaped, as on the wire
	RawQuery string
	Body     []byte
	Header   http.Header
}

// fakeMeshes records every request and answers with respond; n counts
// requests from 1.
type fakeMeshes struct {
	mu      sync.Mutex
	reqs    []seenRequest
	respond func(w http.ResponseWriter, r *http.Request, n int)
	srv     *httptest.Server
}

func newFake(t testing.TB, respond func(w http.ResponseWriter, r *http.Request, n int)) *fakeMeshes {
	t.Helper()
	f := &fakeMeshes{respond: respond}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, seenRequest{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Body: body, Header: r.Header.Clone()})
		n := len(f.reqs)
		f.mu.Unlock()
		f.respond(w, r, n)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeMeshes) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.reqs...)
}

func (f *fakeMeshes) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// reply writes a JSON answer.
func reply(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// testConfig points at base with retries that take no real time.
func testConfig(base string) Config {
	return Config{
		AccessKey: testAccessKey, SecretKey: testSecretKey, OrgID: testOrgID,
		APIURL: base,
		Retry:  RetryPolicy{MaxAttempts: 4, MaxReadAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond, MaxRetryAfter: 10 * time.Second},
	}
}

// waitLog records the waits the client asked for instead of sleeping.
type waitLog struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (l *waitLog) sleep(ctx context.Context, d time.Duration) error {
	l.mu.Lock()
	l.waits = append(l.waits, d)
	l.mu.Unlock()
	return ctx.Err()
}

func (l *waitLog) get() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]time.Duration(nil), l.waits...)
}

// newTestClient builds a client from cfg whose retry waits are recorded, not slept.
func newTestClient(t testing.TB, cfg Config) (*Client, *waitLog) {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	var l waitLog
	c.sleep = l.sleep
	return c, &l
}

// assertNoSecrets fails when text holds the secret key or anything token-shaped.
func assertNoSecrets(t *testing.T, text string, tokens ...string) {
	t.Helper()
	if strings.Contains(text, testSecretKey) {
		t.Errorf("secret key leaked: %s", text)
	}
	if strings.Contains(text, "eyJ") {
		t.Errorf("something token-shaped leaked: %s", text)
	}
	for _, tok := range tokens {
		if tok != "" && strings.Contains(text, tok) {
			t.Errorf("token leaked: %s", text)
		}
	}
}

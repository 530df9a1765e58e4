package sandbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/meshes-mcp/meshes-mcp/sandbox"
)

// fuzzRoutes are the sandbox's endpoints; {w} {c} {r} {e} {s} are replaced
// by a seeded id of that kind, or by the fuzzed id when one is given.
var fuzzRoutes = []struct{ method, path string }{
	{"GET", "/workspaces"}, {"POST", "/workspaces"}, {"GET", "/workspaces/{w}"}, {"PUT", "/workspaces/{w}"},
	{"GET", "/workspaces/{w}/connections"}, {"GET", "/workspaces/{w}/rules"}, {"GET", "/workspaces/{w}/events"},
	{"GET", "/workspaces/{w}/event-types"}, {"GET", "/workspaces/{w}/resources"},
	{"GET", "/connections"}, {"POST", "/connections"}, {"GET", "/connections/{c}"}, {"PUT", "/connections/{c}"},
	{"DELETE", "/connections/{c}"}, {"GET", "/connections/{c}/actions"}, {"GET", "/connections/{c}/fields"},
	{"GET", "/connections/{c}/mappings/default"}, {"PUT", "/connections/{c}/mappings/default"},
	{"GET", "/integrations"},
	{"GET", "/rules"}, {"POST", "/rules"}, {"GET", "/rules/{r}"}, {"DELETE", "/rules/{r}"},
	{"POST", "/events"}, {"POST", "/events/bulk"}, {"GET", "/events"}, {"GET", "/events/{e}"},
	{"GET", "/events/{e}/payload"}, {"POST", "/events/{e}/rules/{r}/retry"},
	{"GET", "/events/{e}/rules/{r}/attempts"}, {"POST", "/events/{e}/rules/{r}/cancel"}, {"POST", "/events/{e}/cancel"},
	{"POST", "/sessions"}, {"GET", "/sessions"}, {"POST", "/sessions/{s}/refresh"}, {"DELETE", "/sessions/{s}"},
}

// FuzzSandboxRequest sends arbitrary JSON bodies, ids and query strings to
// every sandbox endpoint with a valid machine token. The sandbox is the
// strict stand-in our end-to-end tests trust, so bad input must get a 4xx in
// the API's error shape (docs/meshes-api.md §4), never a panic or a 5xx.
//
// `go test` runs the seed corpus; fuzz longer with
//
//	go test -run '^$' -fuzz FuzzSandboxRequest -fuzztime 60s ./sandbox/
func FuzzSandboxRequest(f *testing.F) {
	env := sandboxFuzzEnv(f)
	bodies := []string{
		``, `{}`, `null`, `[]`, `"x"`, `1e999`, `{"name":`, `{"a":1} {"b":2}`,
		`{"name":"Fuzz space","description":null}`,
		`{"workspace":"{w}","event":"user.signup","payload":{"email":"a@example.com"}}`,
		`[{"workspace":"{w}","event":"x","payload":{"a":1}},{"event":""}]`,
		`{"workspace":"{w}","type":"webhook","name":"n","metadata":{"url":"http://127.0.0.1:9/","http_method":"GET"}}`,
		`{"workspace":"{w}","connection":"{c}","event":"e","metadata":{"action":"send_message","id":"C1"}}`,
		`{"schema":{"schema_version":1,"fields":[{"dest":"email","source":{"type":"path","value":"email"}}]}}`,
		`{"workspace_id":"{w}","role":"admin","ttl_seconds":299,"session_type":"resource"}`,
		`{"payload":{"email":"not an email"},"workspace":"{w}","event":"x"}`,
	}
	for i := range fuzzRoutes {
		for _, b := range bodies {
			f.Add(uint8(i), "", "", []byte(b))
		}
		f.Add(uint8(i), "../workspaces", "limit=0&cursor=%%%", []byte(`{}`))
		f.Add(uint8(i), "%2e%2e", "limit=201", []byte(`{}`))
		f.Add(uint8(i), "00000000-0000-0000-0000-000000000000", "cursor=AAAA&status=failed", []byte(`{}`))
	}
	f.Fuzz(func(t *testing.T, route uint8, id, query string, body []byte) {
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		p := rt.path
		for _, ph := range []string{"{w}", "{c}", "{r}", "{e}", "{s}"} {
			v := env.ids[ph]
			if id != "" {
				v = url.PathEscape(id)
			}
			p = strings.ReplaceAll(p, ph, v)
		}
		body = bytes.ReplaceAll(body, []byte("{w}"), []byte(env.ids["{w}"]))
		body = bytes.ReplaceAll(body, []byte("{c}"), []byte(env.ids["{c}"]))
		u, err := url.Parse("http://sandbox.test/api/v1" + p)
		if err != nil {
			t.Skip()
		}
		u.RawQuery = query
		req, err := http.NewRequest(rt.method, u.String(), bytes.NewReader(body))
		if err != nil {
			t.Skip()
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+env.token(t))
		rec := httptest.NewRecorder()
		env.srv.ServeHTTP(rec, req)

		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s with %q: status %d: %s", rt.method, p, query, body, rec.Code, rec.Body)
		}
		if rec.Code >= 300 && rec.Code < 400 {
			return // the mux's redirect to a cleaned path
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s %s: status %d with Content-Type %q", rt.method, p, rec.Code, ct)
		}
		var shape struct {
			Message string `json:"message"`
			Error   struct {
				Name    string `json:"name"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &shape); err != nil && rec.Code >= 400 {
			t.Fatalf("%s %s: %d body is not the error shape: %s", rt.method, p, rec.Code, rec.Body)
		}
		if rec.Code >= 400 && (shape.Message == "" || shape.Error.Name == "" || shape.Error.Message == "") {
			t.Fatalf("%s %s: %d body lacks message/error.name/error.message: %s", rt.method, p, rec.Code, rec.Body)
		}
	})
}

type sandboxFuzz struct {
	srv   *sandbox.Server
	creds sandbox.Credentials
	ids   map[string]string

	mu      sync.Mutex
	tok     string
	tokTime time.Time
}

var (
	sandboxFuzzOnce   sync.Once
	sandboxFuzzShared *sandboxFuzz
)

// sandboxFuzzEnv is one seeded sandbox per fuzz process; see fuzzStack in
// ../tools for why it is never closed.
func sandboxFuzzEnv(f *testing.F) *sandboxFuzz {
	sandboxFuzzOnce.Do(func() {
		srv := sandbox.New(sandbox.Options{Seed: true, Backoff: []time.Duration{}, WebhookTimeout: 100 * time.Millisecond})
		e := &sandboxFuzz{srv: srv, creds: srv.Credentials(), ids: map[string]string{}}
		e.ids["{w}"] = srv.Workspaces()[0].ID
		e.ids["{c}"] = e.firstID(f, "/connections", "id")
		e.ids["{r}"] = e.firstID(f, "/rules", "id")
		e.ids["{e}"] = e.firstID(f, "/events", "id")
		e.ids["{s}"] = e.firstID(f, "/sessions?workspace_id="+e.ids["{w}"], "session_id")
		sandboxFuzzShared = e
	})
	return sandboxFuzzShared
}

// token returns a machine JWT, re-signed every 10 s so it stays valid
// through a long fuzz run.
func (e *sandboxFuzz) token(tb testing.TB) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if time.Since(e.tokTime) < 10*time.Second {
		return e.tok
	}
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "urn:meshes:m2m:" + e.creds.AccessKey, "aud": "meshes-api", "org": e.creds.OrgID,
		"iat": now.Unix(), "exp": now.Unix() + 30,
	})
	tok.Header["kid"] = e.creds.AccessKey
	s, err := tok.SignedString([]byte(e.creds.SecretKey))
	if err != nil {
		tb.Fatal(err)
	}
	e.tok, e.tokTime = s, now
	return s
}

func (e *sandboxFuzz) firstID(tb testing.TB, path, field string) string {
	req := httptest.NewRequest(http.MethodGet, "/api/v1"+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.token(tb))
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	var list struct {
		Records []map[string]any `json:"records"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list.Records) == 0 {
		tb.Fatalf("seeded %s: %d %s", path, rec.Code, rec.Body)
	}
	id, _ := list.Records[0][field].(string)
	return id
}

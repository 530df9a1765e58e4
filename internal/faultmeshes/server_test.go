package faultmeshes

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// upstream answers every request with a JSON body naming it and counts what
// it handled, so a test can tell a forwarded request from a refused one.
type upstream struct{ handled atomic.Int64 }

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.handled.Add(1)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"method":%q,"path":%q,"padding":"%s"}`+"\n", r.Method, r.URL.Path, strings.Repeat("x", 200))
}

func listen(t *testing.T) (*Server, *upstream) {
	t.Helper()
	up := &upstream{}
	s, err := Listen(up)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, up
}

// outcome is what a plain HTTP client observed.
type outcome struct {
	status     int
	retryAfter string
	body       []byte
	doErr      error // no response at all
	readErr    error // response, but the body could not be read to the end
}

func send(t *testing.T, s *Server, method, path string, timeout time.Duration) outcome {
	t.Helper()
	// A fresh transport per request: a reset must not be papered over by
	// the transport's own retry on a reused connection.
	c := &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(`{"name":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return outcome{doErr: err}
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(resp.Body)
	return outcome{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: body, readErr: readErr}
}

func TestEveryFaultKindAsSeenByAClient(t *testing.T) {
	reply := len(fmt.Sprintf(`{"method":%q,"path":%q,"padding":"%s"}`+"\n", "POST", "/api/v1/events", strings.Repeat("x", 200)))
	tests := []struct {
		name      string
		fault     Fault
		forwarded bool
		check     func(t *testing.T, o outcome)
	}{
		{"pass", Fault{Kind: Pass}, true, func(t *testing.T, o outcome) {
			wantStatus(t, o, 201)
			if !json.Valid(o.body) {
				t.Errorf("body is not JSON: %q", o.body)
			}
		}},
		{"429 without Retry-After", Fault{Kind: RateLimited}, false, func(t *testing.T, o outcome) {
			wantStatus(t, o, 429)
			if o.retryAfter != "" {
				t.Errorf("Retry-After = %q, want none", o.retryAfter)
			}
		}},
		{"429 with Retry-After", Fault{Kind: RateLimited, RetryAfter: "7"}, false, func(t *testing.T, o outcome) {
			wantStatus(t, o, 429)
			if o.retryAfter != "7" {
				t.Errorf("Retry-After = %q, want 7", o.retryAfter)
			}
		}},
		{"500", Fault{Kind: InternalError}, false, statusWithErrorBody(500)},
		{"502", Fault{Kind: BadGateway}, false, statusWithErrorBody(502)},
		{"503", Fault{Kind: Unavailable, RetryAfter: "1"}, false, statusWithErrorBody(503)},
		{"504", Fault{Kind: GatewayTimeout}, false, statusWithErrorBody(504)},
		{"502 after the upstream applied it", Fault{Kind: BadGateway, Forward: true}, true, statusWithErrorBody(502)},
		{"hang past the client timeout", Fault{Kind: Hang}, false, func(t *testing.T, o outcome) {
			var ne net.Error
			if !errors.As(o.doErr, &ne) || !ne.Timeout() {
				t.Errorf("want a client timeout, got %+v", o)
			}
		}},
		{"reset before the response", Fault{Kind: Reset}, false, func(t *testing.T, o outcome) {
			if o.doErr == nil {
				t.Errorf("want a connection error, got status %d", o.status)
			}
		}},
		{"reset after the upstream applied it", Fault{Kind: Reset, Forward: true}, true, func(t *testing.T, o outcome) {
			if o.doErr == nil {
				t.Errorf("want a connection error, got status %d", o.status)
			}
		}},
		{"reset mid-body", Fault{Kind: ResetMidBody}, true, func(t *testing.T, o outcome) {
			wantStatus(t, o, 201)
			if o.readErr == nil || len(o.body) != reply/2 {
				t.Errorf("want a read error after %d bytes, got %d bytes, err %v", reply/2, len(o.body), o.readErr)
			}
		}},
		{"truncated JSON", Fault{Kind: TruncatedJSON}, true, func(t *testing.T, o outcome) {
			wantStatus(t, o, 201)
			if o.readErr != nil || len(o.body) != reply/2 || json.Valid(o.body) {
				t.Errorf("want a complete response with half the JSON, got %d bytes (valid=%v), err %v", len(o.body), json.Valid(o.body), o.readErr)
			}
		}},
		{"malformed JSON", Fault{Kind: MalformedJSON}, true, func(t *testing.T, o outcome) {
			wantStatus(t, o, 201)
			if json.Valid(o.body) {
				t.Errorf("body is valid JSON: %q", o.body)
			}
		}},
		{"oversize", Fault{Kind: Oversize, Size: 1 << 20}, true, func(t *testing.T, o outcome) {
			wantStatus(t, o, 201)
			if len(o.body) != 1<<20 || !json.Valid(o.body) {
				t.Errorf("want 1 MiB of valid JSON, got %d bytes (valid=%v)", len(o.body), json.Valid(o.body))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, up := listen(t)
			s.Script(http.MethodPost, "/api/v1/events", tt.fault)
			o := send(t, s, http.MethodPost, "/api/v1/events", 300*time.Millisecond)
			tt.check(t, o)
			if got := s.Count(http.MethodPost, "/api/v1/events"); got != 1 {
				t.Errorf("requests on the wire = %d, want 1", got)
			}
			if got, want := s.Forwarded(http.MethodPost, "/api/v1/events") == 1, tt.forwarded; got != want {
				t.Errorf("forwarded = %v, want %v", got, want)
			}
			if got, want := up.handled.Load() == 1, tt.forwarded; got != want {
				t.Errorf("upstream handled it = %v, want %v", got, want)
			}
			if s.Pending() != 0 {
				t.Errorf("scripted fault not used")
			}
			// The proxy is still serving after every kind of fault.
			wantStatus(t, send(t, s, http.MethodGet, "/api/v1/workspaces", time.Second), 201)
		})
	}
}

func wantStatus(t *testing.T, o outcome, status int) {
	t.Helper()
	if o.doErr != nil || o.status != status {
		t.Fatalf("want status %d, got %d (err %v)", status, o.status, o.doErr)
	}
}

func statusWithErrorBody(status int) func(*testing.T, outcome) {
	return func(t *testing.T, o outcome) {
		wantStatus(t, o, status)
		var body struct {
			Message string `json:"message"`
		}
		if err := json.Unmarshal(o.body, &body); err != nil || body.Message == "" {
			t.Errorf("want the API's error shape, got %q", o.body)
		}
	}
}

func TestScriptsApplyInOrderToMatchingRequestsOnly(t *testing.T) {
	p := New(&upstream{})
	p.Script(http.MethodGet, "/api/v1/workspaces/*", Fault{Kind: Unavailable}, Fault{Kind: RateLimited})
	p.Script("", "/api/v1/rules", Fault{Kind: InternalError})
	steps := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/api/v1/workspaces", 201}, // the pattern needs one more segment
		{http.MethodPost, "/api/v1/workspaces/a", 201},
		{http.MethodGet, "/api/v1/workspaces/a", 503},
		{http.MethodGet, "/api/v1/workspaces/b", 429},
		{http.MethodGet, "/api/v1/workspaces/a", 201}, // script used up
		{http.MethodDelete, "/api/v1/rules", 500},
		{http.MethodDelete, "/api/v1/rules", 201},
	}
	for i, st := range steps {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest(st.method, st.path, nil))
		if rec.Code != st.want {
			t.Errorf("step %d %s %s: status %d, want %d", i, st.method, st.path, rec.Code, st.want)
		}
	}
	if p.Pending() != 0 {
		t.Errorf("pending = %d", p.Pending())
	}
	if got := p.Count(http.MethodGet, "/api/v1/workspaces/*"); got != 3 {
		t.Errorf("GET /workspaces/* count = %d, want 3", got)
	}
	if got := p.Forwarded(http.MethodGet, "/api/v1/workspaces/*"); got != 1 {
		t.Errorf("GET /workspaces/* forwarded = %d, want 1", got)
	}
	if got := p.Count(http.MethodDelete, "/api/v1/rules"); got != 2 {
		t.Errorf("DELETE /api/v1/rules count = %d, want 2", got)
	}
}

func TestRandomFaultsAreSeededAndAtTheRate(t *testing.T) {
	run := func(seed uint64) []Kind {
		p := New(&upstream{})
		statusOnly := []Fault{{Kind: RateLimited}, {Kind: InternalError}, {Kind: BadGateway}, {Kind: Unavailable}, {Kind: GatewayTimeout}}
		p.SetRandom(&Random{Rate: 0.3, Seed: seed, Faults: statusOnly, Methods: []string{http.MethodGet}})
		var kinds []Kind
		for range 4000 {
			p.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/api/v1/events", nil))
			p.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/api/v1/events", nil))
		}
		for _, r := range p.Requests() {
			if r.Method == http.MethodPost && r.Fault.Kind != Pass {
				t.Fatalf("POST faulted although random faults are limited to GET")
			}
			if r.Method == http.MethodGet {
				kinds = append(kinds, r.Fault.Kind)
			}
		}
		return kinds
	}
	a, b, c := run(7), run(7), run(8)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Error("the same seed gave different fault sequences")
	}
	if fmt.Sprint(a) == fmt.Sprint(c) {
		t.Error("different seeds gave the same fault sequence")
	}
	faulted := 0
	for _, k := range a {
		if k != Pass {
			faulted++
		}
	}
	if rate := float64(faulted) / float64(len(a)); rate < 0.27 || rate > 0.33 {
		t.Errorf("fault rate %.3f, want about 0.3", rate)
	}
}

func TestCloseReleasesHungRequests(t *testing.T) {
	s, _ := listen(t)
	s.Script("", "", Fault{Kind: Hang})
	done := make(chan outcome, 1)
	go func() { done <- send(t, s, http.MethodGet, "/api/v1/events", 0) }()
	// Wait until the request has arrived and is being held.
	deadline := time.Now().Add(5 * time.Second)
	for s.Count("", "") == 0 {
		if time.Now().After(deadline) {
			t.Fatal("request never arrived")
		}
		time.Sleep(time.Millisecond)
	}
	s.Proxy.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not release the hung request")
	}
}

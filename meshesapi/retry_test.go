package meshesapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// step is one scripted answer of the fake Meshes.
type step struct {
	status     int
	retryAfter string
}

// callFor returns a representative operation for each method class.
func callFor(method string) func(context.Context, *Client) error {
	switch method {
	case "GET":
		return func(ctx context.Context, c *Client) error { _, err := c.GetWorkspace(ctx, wsID); return err }
	case "PUT":
		return func(ctx context.Context, c *Client) error {
			_, err := c.UpdateWorkspace(ctx, wsID, UpdateWorkspaceRequest{Name: "Acme"})
			return err
		}
	case "DELETE":
		return func(ctx context.Context, c *Client) error { _, err := c.DeleteRule(ctx, ruleID); return err }
	case "POST":
		return func(ctx context.Context, c *Client) error {
			_, err := c.SendEvent(ctx, EventInput{Event: "user.signup", Payload: json.RawMessage(`{"email":"a@b.co"}`), Workspace: wsID})
			return err
		}
	}
	panic(method)
}

func TestRetryMatrix(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	inFive := now.Add(5 * time.Second).Format(http.TimeFormat)
	tests := []struct {
		name         string
		method       string
		steps        []step // the last step repeats
		wantRequests int
		wantErr      error // nil: success
		wantUnknown  bool
		wantWaits    []time.Duration // nil: not checked beyond count
		wantText     string
		// wantOwnEffect: the answer may be the call's own earlier attempt.
		wantOwnEffect bool
	}{
		{name: "GET on 503 then 200 recovers", method: "GET", steps: []step{{503, ""}, {200, ""}}, wantRequests: 2},
		{name: "GET on 500, 502, 504 then 200 recovers", method: "GET", steps: []step{{500, ""}, {502, ""}, {504, ""}, {200, ""}}, wantRequests: 4},
		{name: "GET on 429 then 200 recovers", method: "GET", steps: []step{{429, ""}, {200, ""}}, wantRequests: 2},
		{name: "GET gives up after max attempts", method: "GET", steps: []step{{503, ""}}, wantRequests: 4, wantErr: ErrServer, wantText: "after 4 attempts"},
		{name: "GET on 400 is not retried", method: "GET", steps: []step{{400, ""}}, wantRequests: 1, wantErr: ErrInvalidRequest},
		{name: "GET on 404 is not retried", method: "GET", steps: []step{{404, ""}}, wantRequests: 1, wantErr: ErrNotFound},
		{name: "GET on 501 is not retried", method: "GET", steps: []step{{501, ""}}, wantRequests: 1, wantErr: ErrServer},
		{name: "PUT on 502 then 200 recovers", method: "PUT", steps: []step{{502, ""}, {200, ""}}, wantRequests: 2},
		{name: "DELETE on 503 then 200 recovers", method: "DELETE", steps: []step{{503, ""}, {200, ""}}, wantRequests: 2},
		{name: "DELETE 404 after an ambiguous 502 says so", method: "DELETE", steps: []step{{502, ""}, {404, ""}}, wantRequests: 2,
			wantErr: ErrNotFound, wantText: "after 2 attempts", wantOwnEffect: true},
		{name: "PUT 409 after an ambiguous 504 says so", method: "PUT", steps: []step{{504, ""}, {409, ""}}, wantRequests: 2,
			wantErr: ErrConflict, wantText: "after 2 attempts", wantOwnEffect: true},
		{name: "POST on 503 is sent exactly once", method: "POST", steps: []step{{503, ""}, {201, ""}}, wantRequests: 1,
			wantErr: ErrServer, wantUnknown: true, wantText: "503"},
		{name: "POST on 500 is sent exactly once", method: "POST", steps: []step{{500, ""}, {201, ""}}, wantRequests: 1, wantErr: ErrServer, wantUnknown: true},
		{name: "POST on 502 is sent exactly once", method: "POST", steps: []step{{502, ""}, {201, ""}}, wantRequests: 1, wantErr: ErrServer, wantUnknown: true},
		{name: "POST on 504 is sent exactly once", method: "POST", steps: []step{{504, ""}, {201, ""}}, wantRequests: 1, wantErr: ErrServer, wantUnknown: true},
		{name: "POST on 429 is retried", method: "POST", steps: []step{{429, ""}, {201, ""}}, wantRequests: 2},
		{name: "POST on 429 honours Retry-After", method: "POST", steps: []step{{429, "2"}, {201, ""}}, wantRequests: 2, wantWaits: []time.Duration{2 * time.Second}},
		{name: "POST rate-limited throughout is not an unknown outcome", method: "POST", steps: []step{{429, ""}}, wantRequests: 4, wantErr: ErrRateLimited},
		{name: "POST on 400 is not retried", method: "POST", steps: []step{{400, ""}}, wantRequests: 1, wantErr: ErrInvalidRequest},
		{name: "POST on 413 is not retried and not an unknown outcome", method: "POST", steps: []step{{413, ""}, {201, ""}}, wantRequests: 1, wantErr: ErrRequestTooLarge,
			wantText: "413"},
		{name: "Retry-After seconds", method: "GET", steps: []step{{429, "7"}, {200, ""}}, wantRequests: 2, wantWaits: []time.Duration{7 * time.Second}},
		{name: "Retry-After HTTP date", method: "GET", steps: []step{{503, inFive}, {200, ""}}, wantRequests: 2, wantWaits: []time.Duration{5 * time.Second}},
		{name: "Retry-After date in the past retries at once", method: "GET", steps: []step{{503, now.Add(-time.Minute).Format(http.TimeFormat)}, {200, ""}},
			wantRequests: 2, wantWaits: []time.Duration{0}},
		{name: "Retry-After over the cap returns at once with the wait", method: "GET", steps: []step{{429, "3600"}, {200, ""}}, wantRequests: 1,
			wantErr: ErrRateLimited, wantWaits: []time.Duration{}, wantText: "retry after 1h0m0s"},
		{name: "Retry-After over the cap on 503", method: "GET", steps: []step{{503, "120"}, {200, ""}}, wantRequests: 1,
			wantErr: ErrServer, wantWaits: []time.Duration{}, wantText: "retry after 2m0s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				s := tc.steps[min(n, len(tc.steps))-1]
				if s.retryAfter != "" {
					w.Header().Set("Retry-After", s.retryAfter)
				}
				body := `{"id":"` + wsID + `"}`
				if r.Method == http.MethodPost {
					body = `{"event":{"id":"` + evID + `"}}`
				}
				if s.status >= 300 {
					body = `{"message":"` + http.StatusText(s.status) + `"}`
				}
				reply(w, s.status, body)
			})
			c, waits := newTestClient(t, testConfig(f.srv.URL))
			c.now = func() time.Time { return now }

			err := callFor(tc.method)(context.Background(), c)
			if got := f.count(); got != tc.wantRequests {
				t.Errorf("%d requests on the wire, want %d", got, tc.wantRequests)
			}
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if got := IsOutcomeUnknown(err); got != tc.wantUnknown {
				t.Errorf("outcome unknown = %v, want %v (%v)", got, tc.wantUnknown, err)
			}
			if tc.wantText != "" && !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q lacks %q", err, tc.wantText)
			}
			var ae *APIError
			if errors.As(err, &ae) && ae.MayBeOwnEffect() != tc.wantOwnEffect {
				t.Errorf("MayBeOwnEffect = %v, want %v", ae.MayBeOwnEffect(), tc.wantOwnEffect)
			}
			got := waits.get()
			if len(got) != tc.wantRequests-1 {
				t.Errorf("waited %d times, want %d", len(got), tc.wantRequests-1)
			}
			if tc.wantWaits != nil && len(tc.wantWaits) > 0 && (len(got) == 0 || got[0] != tc.wantWaits[0]) {
				t.Errorf("waits %v, want %v", got, tc.wantWaits)
			}
			for _, w := range got {
				if tc.wantWaits == nil && (w < 0 || w > 4*time.Millisecond) {
					t.Errorf("backoff wait %v outside [0, MaxDelay]", w)
				}
			}
		})
	}
}

func TestBackoffIsBoundedFullJitter(t *testing.T) {
	c, _ := newTestClient(t, Config{AccessKey: testAccessKey, SecretKey: testSecretKey, OrgID: testOrgID,
		Retry: RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}})
	for attempt, ceiling := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 80: time.Second} {
		var top time.Duration
		for range 2000 {
			d := c.backoff(attempt)
			if d < 0 || d > ceiling {
				t.Fatalf("attempt %d waited %v, want within [0, %v]", attempt, d, ceiling)
			}
			top = max(top, d)
		}
		if top < ceiling/2 {
			t.Errorf("attempt %d: largest of 2000 waits %v; jitter does not span [0, %v]", attempt, top, ceiling)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"0", 0, true},
		{" 12 ", 12 * time.Second, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"Friday, 01-May-26 12:00:30 GMT", 30 * time.Second, true}, // RFC 850, allowed by RFC 9110
		{"99999999999999", maxRetryAfterSeconds * time.Second, true},
		{"", 0, false},
		{"-5", 0, false},
		{"soon", 0, false},
		{"1.5", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseRetryAfter(tc.in, now)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.wantOK)
		}
	}
}

// flakyDialer refuses the first fails dials the way a closed port does,
// then dials for real. A refused dial proves the request never left.
type flakyDialer struct {
	fails int32
	dials atomic.Int32
}

func (d *flakyDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if d.dials.Add(1) <= d.fails {
		return nil, &net.OpError{Op: "dial", Net: network, Err: syscall.ECONNREFUSED}
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, addr)
}

func TestPostRetriedOnlyWhenNeverSent(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		reply(w, 201, `{"event":{"id":"`+evID+`"}}`)
	})
	d := &flakyDialer{fails: 2}
	cfg := testConfig(f.srv.URL)
	cfg.HTTPClient = &http.Client{Transport: &http.Transport{DialContext: d.dial}}
	c, _ := newTestClient(t, cfg)
	if err := callFor("POST")(context.Background(), c); err != nil {
		t.Fatalf("POST after refused dials: %v", err)
	}
	if got := d.dials.Load(); got != 3 {
		t.Errorf("%d dials, want 3", got)
	}
	if got := f.count(); got != 1 {
		t.Errorf("%d requests reached Meshes, want 1", got)
	}
}

func TestPostToClosedPortReportsNotSent(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, _ := newTestClient(t, testConfig("http://"+addr))
	err = callFor("POST")(context.Background(), c)
	var ne *NetworkError
	if !errors.As(err, &ne) || ne.Sent || ne.Attempts != 4 {
		t.Fatalf("got %#v, want a not-sent NetworkError after 4 attempts", err)
	}
	if IsOutcomeUnknown(err) || !errors.Is(err, ErrNetwork) || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("classification wrong: %v", err)
	}
	if !strings.Contains(err.Error(), "never reached Meshes") || !ne.Ingest {
		t.Errorf("error %q (ingest %v) does not say the request to the ingestion base never reached Meshes", err, ne.Ingest)
	}
}

// hangUp reads the request, then drops the connection without answering:
// Meshes may have acted on it.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

func TestConnectionDroppedAfterSend(t *testing.T) {
	tests := []struct {
		method       string
		wantRequests int
		wantErr      bool
	}{
		{"GET", 2, false},
		{"DELETE", 2, false},
		{"POST", 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.method, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					hangUp(w)
					return
				}
				reply(w, 200, `{"id":"x"}`)
			})
			c, _ := newTestClient(t, testConfig(f.srv.URL))
			err := callFor(tc.method)(context.Background(), c)
			if got := f.count(); got != tc.wantRequests {
				t.Errorf("%d requests, want %d", got, tc.wantRequests)
			}
			if !tc.wantErr {
				if err != nil {
					t.Fatalf("did not recover: %v", err)
				}
				return
			}
			if !IsOutcomeUnknown(err) || !errors.Is(err, ErrNetwork) {
				t.Fatalf("error %v: want a network error with unknown outcome", err)
			}
			if !strings.Contains(err.Error(), "may have reached Meshes") {
				t.Errorf("error %q does not say the request may have reached Meshes", err)
			}
		})
	}
}

// TestTruncatedSuccessBody covers a reset mid-body: a GET retries, a POST
// must not (Meshes answered 201, the event exists).
func TestTruncatedSuccessBody(t *testing.T) {
	for _, method := range []string{"GET", "POST"} {
		t.Run(method, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n > 1 {
					reply(w, 200, `{"id":"x"}`)
					return
				}
				conn, buf, err := http.NewResponseController(w).Hijack()
				if err != nil {
					return
				}
				buf.WriteString("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"event\":{\"id\":")
				buf.Flush()
				conn.Close()
			})
			c, _ := newTestClient(t, testConfig(f.srv.URL))
			err := callFor(method)(context.Background(), c)
			if method == "GET" {
				if err != nil || f.count() != 2 {
					t.Fatalf("GET: err %v after %d requests; want recovery on the 2nd", err, f.count())
				}
				return
			}
			if f.count() != 1 || !IsOutcomeUnknown(err) {
				t.Fatalf("POST: %d requests, err %v; want 1 and an unknown outcome", f.count(), err)
			}
			var ne *NetworkError
			if !errors.As(err, &ne) || ne.Status != 201 || !strings.Contains(err.Error(), "may have reached Meshes") {
				t.Errorf("error %q should say Meshes answered 201 and the request may have taken effect", err)
			}
		})
	}
}

func TestPerAttemptTimeout(t *testing.T) {
	tests := []struct {
		method       string
		wantRequests int
		wantUnknown  bool
	}{
		{"GET", 2, false},
		{"POST", 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.method, func(t *testing.T) {
			release := make(chan struct{})
			f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
				select {
				case <-r.Context().Done():
				case <-release:
				}
			})
			defer close(release)
			cfg := testConfig(f.srv.URL)
			cfg.Timeout = 50 * time.Millisecond
			cfg.Retry.MaxAttempts, cfg.Retry.MaxReadAttempts = 2, 2
			c, _ := newTestClient(t, cfg)
			err := callFor(tc.method)(context.Background(), c)
			if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error %v, want a timeout", err)
			}
			if got := f.count(); got != tc.wantRequests {
				t.Errorf("%d requests, want %d", got, tc.wantRequests)
			}
			if IsOutcomeUnknown(err) != tc.wantUnknown {
				t.Errorf("outcome unknown = %v, want %v", IsOutcomeUnknown(err), tc.wantUnknown)
			}
			if !strings.Contains(err.Error(), "timed out after 50ms") {
				t.Errorf("error %q does not say it timed out", err)
			}
		})
	}
}

func TestCancellationAbortsInFlightRequest(t *testing.T) {
	entered := make(chan struct{})
	aborted := make(chan struct{})
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		close(entered)
		<-r.Context().Done()
		close(aborted)
	})
	c, _ := newTestClient(t, testConfig(f.srv.URL))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- callFor("GET")(ctx, c) }()

	<-entered
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
			t.Errorf("error %v, want context.Canceled", err)
		}
		if !strings.Contains(err.Error(), "cancelled") {
			t.Errorf("error %q does not say it was cancelled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("call did not return after cancellation")
	}
	select {
	case <-aborted:
	case <-time.After(10 * time.Second):
		t.Fatal("the server never saw the request aborted")
	}
	if got := f.count(); got != 1 {
		t.Errorf("%d requests; a cancelled call must not retry", got)
	}
}

// TestDeadlineShorterThanRetryAfter: waiting past the caller's deadline is
// pointless, so the 429 comes back at once.
func TestDeadlineShorterThanRetryAfter(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "5")
		reply(w, 429, `{"message":"Too Many Requests"}`)
	})
	c, waits := newTestClient(t, testConfig(f.srv.URL))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := callFor("GET")(ctx, c)
	if !errors.Is(err, ErrRateLimited) || f.count() != 1 || len(waits.get()) != 0 {
		t.Fatalf("err %v after %d requests and waits %v; want an immediate 429", err, f.count(), waits.get())
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.RetryAfter != 5*time.Second {
		t.Errorf("error %q lacks the wait", err)
	}
}

func TestCancelledWhileWaitingKeepsLastFailure(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 503, `{"message":"maintenance"}`) })
	c, _ := newTestClient(t, testConfig(f.srv.URL))
	ctx, cancel := context.WithCancel(context.Background())
	c.sleep = func(context.Context, time.Duration) error { cancel(); return context.Canceled }
	err := callFor("GET")(ctx, c)
	if !errors.Is(err, ErrServer) || !errors.Is(err, context.Canceled) || f.count() != 1 {
		t.Fatalf("err %v after %d requests; want the 503 joined with the cancellation", err, f.count())
	}
}

// failingTransport is a RoundTripper that fails without ever reporting a
// connection, as fault-injecting wrappers do.
type failingTransport struct {
	calls atomic.Int32
	err   error
}

func (f *failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	f.calls.Add(1)
	return nil, f.err
}

// TestOnlyDialErrorsCountAsUnsent: without proof that the request never
// left, a POST failure must be treated as possibly delivered.
func TestOnlyDialErrorsCountAsUnsent(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		wantCalls   int32
		wantUnknown bool
	}{
		{"dial refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, 4, false},
		{"dns failure", &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "api.example", IsNotFound: true}}, 4, false},
		{"reset while reading", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, 1, true},
		{"unexpected EOF", errors.New("unexpected EOF"), 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ft := &failingTransport{err: tc.err}
			cfg := testConfig("http://meshes.invalid")
			cfg.HTTPClient = &http.Client{Transport: ft}
			c, _ := newTestClient(t, cfg)
			err := callFor("POST")(context.Background(), c)
			if got := ft.calls.Load(); got != tc.wantCalls {
				t.Errorf("%d sends, want %d", got, tc.wantCalls)
			}
			if IsOutcomeUnknown(err) != tc.wantUnknown {
				t.Errorf("outcome unknown = %v, want %v: %v", IsOutcomeUnknown(err), tc.wantUnknown, err)
			}
		})
	}
}

// A read whose body arrives garbled once recovers on the next attempt with
// only the second answer's data; reads also get twice the write budget by
// default, since repeating them cannot duplicate an effect.
func TestGarbledReadRecovers(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "application/json")
		if n == 1 {
			fmt.Fprint(w, `{"id":"stale-half","name":"Hal`)
			return
		}
		fmt.Fprint(w, `{"id":"`+wsID+`"}`)
	})
	c, _ := newTestClient(t, testConfig(f.srv.URL))
	w, err := c.GetWorkspace(context.Background(), wsID)
	if err != nil {
		t.Fatalf("read did not recover: %v", err)
	}
	if w.ID != wsID || w.Name != "" {
		t.Errorf("got %+v: the garbled first answer leaked into the result", w)
	}
	if f.count() != 2 {
		t.Errorf("%d requests, want 2", f.count())
	}
}

func TestReadBudgetDefaultsToTwiceTheWriteBudget(t *testing.T) {
	for _, tc := range []struct{ writes, reads, want int }{
		{0, 0, 2 * DefaultMaxAttempts},
		{3, 0, 6},
		{1, 1, 1},
		{4, 5, 5},
	} {
		got := RetryPolicy{MaxAttempts: tc.writes, MaxReadAttempts: tc.reads}.withDefaults().MaxReadAttempts
		if got != tc.want {
			t.Errorf("MaxAttempts %d, MaxReadAttempts %d: read budget %d, want %d", tc.writes, tc.reads, got, tc.want)
		}
	}
}

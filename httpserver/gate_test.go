package httpserver

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

type rejections struct {
	mu      sync.Mutex
	reasons []string
}

func (r *rejections) Rejected(reason string) {
	r.mu.Lock()
	r.reasons = append(r.reasons, reason)
	r.mu.Unlock()
}

func postCall(t *testing.T, base, token, tool string, extra map[string]string) (int, http.Header, string) {
	t.Helper()
	h := map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
		"Mcp-Protocol-Version": "2025-06-18", "Authorization": "Bearer " + token}
	for k, v := range extra {
		h[k] = v
	}
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":{"text":"x"}}}`
	return rawRequest(t, http.MethodPost, base+"/mcp", h, strings.NewReader(body))
}

// A caller past its bucket is refused with 429 and told when to retry;
// other methods do not spend the bucket, and the refusal is counted.
func TestRateLimitPerCaller(t *testing.T) {
	var rej rejections
	r := serve(t, newStandIn().mcp, Config{Transport: TransportHTTP, AuthToken: "tok",
		RateLimit: RateLimit{PerSecond: 0.1, Burst: 2}, Observer: &rej})
	for i := range 2 {
		if status, _, body := postCall(t, r.base, "tok", "echo", nil); status != http.StatusOK {
			t.Fatalf("call %d within the burst: %d %s", i+1, status, body)
		}
	}
	status, h, body := postCall(t, r.base, "tok", "echo", nil)
	wait, err := strconv.Atoi(h.Get("Retry-After"))
	if status != http.StatusTooManyRequests || err != nil || wait < 1 || wait > 10 || !strings.Contains(body, "retry after "+h.Get("Retry-After")+" s") {
		t.Fatalf("call past the burst: %d, Retry-After %q, body %q; want 429 with the wait in both", status, h.Get("Retry-After"), body)
	}
	list := `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`
	status, _, _ = rawRequest(t, http.MethodPost, r.base+"/mcp", map[string]string{"Content-Type": "application/json",
		"Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-06-18", "Authorization": "Bearer tok"}, strings.NewReader(list))
	if status != http.StatusOK {
		t.Fatalf("tools/list was rate limited: %d", status)
	}
	if len(rej.reasons) != 1 || rej.reasons[0] != "rate_limited" {
		t.Fatalf("rejections %v, want [rate_limited]", rej.reasons)
	}
}

// Unauthenticated loopback callers are limited per peer, not together
// with everyone: a separate bucket per caller.
func TestRateLimitBucketsAreSeparate(t *testing.T) {
	l := newCallerLimiter(RateLimit{PerSecond: 1, Burst: 1})
	if _, ok := l.take("a", 1); !ok {
		t.Fatal("first call of a refused")
	}
	if _, ok := l.take("a", 1); ok {
		t.Fatal("second call of a allowed past its burst")
	}
	if _, ok := l.take("b", 1); !ok {
		t.Fatal("b refused because a spent its bucket")
	}
}

// A usable client request id is kept and echoed; anything else is
// replaced, so nothing unsafe reaches logs or Meshes.
func TestRequestIDs(t *testing.T) {
	r := serve(t, newStandIn().mcp, Config{Transport: TransportHTTP, AuthToken: "tok"})
	_, h, _ := postCall(t, r.base, "tok", "echo", map[string]string{HeaderRequestID: "trace-42"})
	if got := h.Get(HeaderRequestID); got != "trace-42" {
		t.Fatalf("X-Request-Id %q, want the client's trace-42", got)
	}
	_, h, _ = postCall(t, r.base, "tok", "echo", map[string]string{HeaderRequestID: "bad id\twith spaces"})
	if got := h.Get(HeaderRequestID); !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(got) {
		t.Fatalf("X-Request-Id %q, want a generated id in place of an unusable one", got)
	}
	_, h, _ = postCall(t, r.base, "wrong", "echo", nil)
	if h.Get(HeaderRequestID) == "" {
		t.Fatal("a refused request has no request id to quote")
	}
}

// Each refusal the guards make is counted under its own reason.
func TestRejectionReasons(t *testing.T) {
	cases := []struct {
		status    int
		challenge string
		want      string
	}{
		{http.StatusUnauthorized, `Bearer resource_metadata="x"`, "missing_token"},
		{http.StatusUnauthorized, `Bearer error="invalid_token"`, "invalid_token"},
		{http.StatusForbidden, `Bearer error="insufficient_scope"`, "insufficient_scope"},
		{http.StatusForbidden, "", "origin"},
		{http.StatusRequestEntityTooLarge, "", "body_too_large"},
		{http.StatusTooManyRequests, "", "rate_limited"},
		{http.StatusBadRequest, "", "bad_request"},
		{http.StatusOK, "", ""},
	}
	for _, c := range cases {
		if got := rejectionReason(c.status, c.challenge); got != c.want {
			t.Errorf("status %d, challenge %q: reason %q, want %q", c.status, c.challenge, got, c.want)
		}
	}
}

// A tools/call whose method is written with JSON escapes ("tools\/call",
// which mcp-go reads as tools/call) spends the caller's bucket like any
// other: spelling must not be a way around the rate limit.
func TestRateLimitCountsEscapedToolCalls(t *testing.T) {
	r := serve(t, newStandIn().mcp, Config{Transport: TransportHTTP, AuthToken: "tok", RateLimit: RateLimit{PerSecond: 0.1, Burst: 1}})
	h := map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
		"Mcp-Protocol-Version": "2025-06-18", "Authorization": "Bearer tok"}
	statuses := []int{}
	for _, method := range []string{`tools\/call`, `\u0074ools/call`, `tools/call`} {
		body := `{"jsonrpc":"2.0","id":1,"method":"` + method + `","params":{"name":"echo","arguments":{"text":"x"}}}`
		status, _, _ := rawRequest(t, http.MethodPost, r.base+"/mcp", h, strings.NewReader(body))
		statuses = append(statuses, status)
	}
	if statuses[0] != http.StatusOK || statuses[1] != http.StatusTooManyRequests || statuses[2] != http.StatusTooManyRequests {
		t.Errorf("three calls with a burst of one answered %v; want 200, 429, 429", statuses)
	}
}

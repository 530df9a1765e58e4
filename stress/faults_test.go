package stress

import (
	"fmt"
	"net/http"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/faultmeshes"
	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// The fault suite drives every tool through the catalog's MCP server while
// the backend misbehaves on the one request the tool depends on, and checks
// the outcome on the wire: reads and idempotent writes recover within the
// retry budget, a POST whose fate is unknown is sent exactly once, every
// failure is an actionable isError result, and the server answers the next
// call.

// faultStack is a backend with the default retry budgets but millisecond
// backoff, a 500 ms attempt timeout (a hang costs half a second, yet a slow
// -race run does not time out by accident), and a 64 KiB response cap so an
// oversize fault needs only 256 KiB.
func faultStack(t *testing.T) *teststack.Stack {
	return teststack.Start(t, teststack.Options{Timeout: 500 * time.Millisecond, MaxResponseBytes: 64 << 10,
		WebhookTimeout: heldDeliveryTimeout})
}

// The default retry budgets the suite asserts: writes get
// DefaultMaxAttempts, reads twice that (RetryPolicy.MaxReadAttempts).
const (
	writeAttempts = meshesapi.DefaultMaxAttempts
	readAttempts  = 2 * meshesapi.DefaultMaxAttempts
)

// budget is the number of attempts a tool's faulted request gets.
func budget(tc toolCall) int {
	if tc.method == http.MethodGet {
		return readAttempts
	}
	return writeAttempts
}

// since returns the requests matching method and pattern after index from.
func since(s *teststack.Stack, from int, method, pattern string) []faultmeshes.Request {
	var out []faultmeshes.Request
	for _, r := range s.Proxy.Requests()[from:] {
		if r.Method == method && matchPattern(pattern, r.Path) {
			out = append(out, r)
		}
	}
	return out
}

func TestEveryToolCallSucceedsThroughTheProxy(t *testing.T) {
	s := faultStack(t)
	sess := newSession(t, s)
	for _, tc := range toolCalls {
		from := len(s.Proxy.Requests())
		sess.mustSucceed(tc.tool, tc.args(t, s), nil)
		if n := len(since(s, from, tc.method, tc.pattern)); n == 0 {
			t.Errorf("%s sent no %s %s; the fault table aims at the wrong request", tc.tool, tc.method, tc.pattern)
		}
	}
}

// recoverable are the transient faults an idempotent request must survive.
// A read also survives a 2xx body that arrived cut or mangled (reading
// again duplicates nothing); a PUT survives the upstream applying it and
// only the answer being lost.
func recoverable(class string) []faultmeshes.Fault {
	fs := faultmeshes.Transient()
	fs = append(fs, faultmeshes.Fault{Kind: faultmeshes.Unavailable, RetryAfter: "0"})
	switch class {
	case classRead:
		fs = append(fs, faultmeshes.Fault{Kind: faultmeshes.TruncatedJSON}, faultmeshes.Fault{Kind: faultmeshes.MalformedJSON})
	case classIdempotent:
		fs = append(fs, faultmeshes.Fault{Kind: faultmeshes.BadGateway, Forward: true})
	}
	return fs
}

func TestReadsAndIdempotentWritesRecoverFromTransientFaults(t *testing.T) {
	for _, tc := range append(callsOf(classRead), callsOf(classIdempotent)...) {
		t.Run(tc.tool, func(t *testing.T) {
			t.Parallel()
			s := faultStack(t)
			sess := newSession(t, s)
			for _, f := range recoverable(tc.class) {
				if f.Forwards() && tc.method == http.MethodDelete {
					continue // covered by TestRetriedDeleteAfterLostAnswer
				}
				args := tc.args(t, s)
				from := len(s.Proxy.Requests())
				s.Proxy.Script(tc.method, tc.pattern, f)
				res := sess.call(tc.tool, args)
				if res.IsError {
					t.Errorf("%s after one %s: %s", tc.tool, f, text(res))
				}
				if s.Proxy.Pending() != 0 {
					t.Fatalf("%s never sent %s %s", tc.tool, tc.method, tc.pattern)
				}
				if n := len(since(s, from, tc.method, tc.pattern)); n < 2 {
					t.Errorf("%s after one %s: %d request(s) on the wire, want the retry too", tc.tool, f, n)
				}
			}
			// The retry budget: budget-1 faults in a row still succeed.
			n := budget(tc)
			from := len(s.Proxy.Requests())
			s.Proxy.Script(tc.method, tc.pattern, repeat(faultmeshes.Fault{Kind: faultmeshes.Unavailable}, n-1)...)
			if res := sess.call(tc.tool, tc.args(t, s)); res.IsError {
				t.Errorf("%s after %d faults in a row: %s", tc.tool, n-1, text(res))
			}
			if got := len(since(s, from, tc.method, tc.pattern)); got != n {
				t.Errorf("%s: %d requests on the wire, want %d", tc.tool, got, n)
			}
		})
	}
}

// TestRetriedDeleteAfterLostAnswer covers the DELETE that Meshes applied but
// whose answer was lost: the retry then finds nothing to delete. Telling the
// model "not found: check the id" would send it hunting for a typo; the
// result must be a success or say that an earlier attempt already did it.
func TestRetriedDeleteAfterLostAnswer(t *testing.T) {
	for _, tc := range callsOf(classIdempotent) {
		if tc.method != http.MethodDelete {
			continue
		}
		t.Run(tc.tool, func(t *testing.T) {
			t.Parallel()
			s := faultStack(t)
			sess := newSession(t, s)
			for _, f := range []faultmeshes.Fault{{Kind: faultmeshes.BadGateway, Forward: true}, {Kind: faultmeshes.ResetMidBody}} {
				args := tc.args(t, s)
				from := len(s.Proxy.Requests())
				s.Proxy.Script(tc.method, tc.pattern, f)
				res := sess.call(tc.tool, args)
				msg := text(res)
				if res.IsError && !strings.Contains(msg, "earlier attempt") && !strings.Contains(msg, "already") {
					t.Errorf("%s after %s: %q; want success or a note that an earlier attempt already deleted it", tc.tool, f, msg)
				}
				if n := len(since(s, from, tc.method, tc.pattern)); n != 2 {
					t.Errorf("%s after %s: %d requests on the wire, want 2", tc.tool, f, n)
				}
				sess.stillServes()
			}
		})
	}
}

func TestExhaustedRetriesEndInAnActionableError(t *testing.T) {
	for _, tc := range append(callsOf(classRead), callsOf(classIdempotent)...) {
		t.Run(tc.tool, func(t *testing.T) {
			t.Parallel()
			s := faultStack(t)
			sess := newSession(t, s)
			args := tc.args(t, s)
			n := budget(tc)
			from := len(s.Proxy.Requests())
			s.Proxy.Script(tc.method, tc.pattern, repeat(faultmeshes.Fault{Kind: faultmeshes.Unavailable}, n)...)
			res := sess.call(tc.tool, args)
			msg := text(res)
			if !res.IsError || !actionable(msg) {
				t.Errorf("%s after %d faults: want an actionable error, got isError=%v %q", tc.tool, n, res.IsError, msg)
			}
			if !strings.Contains(msg, fmt.Sprintf("after %d attempts", n)) {
				t.Errorf("%s: error does not say the call was retried: %q", tc.tool, msg)
			}
			if got := len(since(s, from, tc.method, tc.pattern)); got != n {
				t.Errorf("%s: %d requests on the wire, want exactly %d", tc.tool, got, n)
			}
			sess.stillServes()
		})
	}
}

// TestUnusableAnswersFailActionably: a 2xx answer that cannot be used and
// that repeating would not fix (a read over the size cap; a PUT or DELETE
// whose result was mangled, which is not resent since it was applied) ends
// in an error telling the model what to do next, after one request.
func TestUnusableAnswersFailActionably(t *testing.T) {
	oversize := faultmeshes.Fault{Kind: faultmeshes.Oversize, Size: 256 << 10}
	for _, tc := range append(callsOf(classRead), callsOf(classIdempotent)...) {
		t.Run(tc.tool, func(t *testing.T) {
			t.Parallel()
			s := faultStack(t)
			sess := newSession(t, s)
			faults := []faultmeshes.Fault{oversize}
			if tc.class == classIdempotent {
				faults = append(faults, faultmeshes.Fault{Kind: faultmeshes.TruncatedJSON}, faultmeshes.Fault{Kind: faultmeshes.MalformedJSON})
			}
			for _, f := range faults {
				args := tc.args(t, s)
				from := len(s.Proxy.Requests())
				s.Proxy.Script(tc.method, tc.pattern, f)
				res := sess.call(tc.tool, args)
				if msg := text(res); !res.IsError || !actionable(msg) {
					t.Errorf("%s after %s: want an actionable error, got isError=%v %q", tc.tool, f, res.IsError, msg)
				}
				if n := len(since(s, from, tc.method, tc.pattern)); n != 1 {
					t.Errorf("%s after %s: %d requests on the wire, want 1", tc.tool, f, n)
				}
				sess.stillServes()
			}
		})
	}
}

// unknownOutcome are faults after which a POST may or may not have taken
// effect: the request reached a server and no usable answer came back.
func unknownOutcome() []faultmeshes.Fault {
	return []faultmeshes.Fault{
		{Kind: faultmeshes.InternalError}, {Kind: faultmeshes.BadGateway}, {Kind: faultmeshes.Unavailable},
		{Kind: faultmeshes.GatewayTimeout}, {Kind: faultmeshes.BadGateway, Forward: true},
		{Kind: faultmeshes.Hang}, {Kind: faultmeshes.Hang, Forward: true},
		{Kind: faultmeshes.Reset}, {Kind: faultmeshes.Reset, Forward: true}, {Kind: faultmeshes.ResetMidBody},
		{Kind: faultmeshes.TruncatedJSON}, {Kind: faultmeshes.MalformedJSON}, {Kind: faultmeshes.Oversize, Size: 256 << 10},
	}
}

func TestPOSTWithUnknownOutcomeIsSentExactlyOnce(t *testing.T) {
	for _, tc := range callsOf(classPOST) {
		t.Run(tc.tool, func(t *testing.T) {
			t.Parallel()
			s := faultStack(t)
			sess := newSession(t, s)
			for _, f := range unknownOutcome() {
				args := tc.args(t, s)
				from := len(s.Proxy.Requests())
				s.Proxy.Script(tc.method, tc.pattern, f)
				res := sess.call(tc.tool, args)
				if n := len(since(s, from, tc.method, tc.pattern)); n != 1 {
					t.Errorf("%s after %s: %d requests on the wire, want exactly 1", tc.tool, f, n)
				}
				checkUnknownOutcome(t, tc.tool, f, res)
				sess.stillServes()
			}
		})
	}
}

func TestPOSTRefusedWith429IsRetriedAndAppliedOnce(t *testing.T) {
	for _, tc := range callsOf(classPOST) {
		t.Run(tc.tool, func(t *testing.T) {
			t.Parallel()
			s := faultStack(t)
			sess := newSession(t, s)
			for _, f := range []faultmeshes.Fault{{Kind: faultmeshes.RateLimited}, {Kind: faultmeshes.RateLimited, RetryAfter: "0"}} {
				args := tc.args(t, s)
				from := len(s.Proxy.Requests())
				s.Proxy.Script(tc.method, tc.pattern, f)
				res := sess.call(tc.tool, args)
				if res.IsError {
					t.Errorf("%s after %s: %s", tc.tool, f, text(res))
				}
				sent := since(s, from, tc.method, tc.pattern)
				applied := 0
				for _, r := range sent {
					if r.Forwarded {
						applied++
					}
				}
				if len(sent) != 2 || applied != 1 {
					t.Errorf("%s after %s: %d on the wire, %d applied; want 2 and 1", tc.tool, f, len(sent), applied)
				}
			}
		})
	}
}

// checkUnknownOutcome asserts the model is told the effect is unknown and
// how to check before resending. send_events reports it per event.
func checkUnknownOutcome(t *testing.T, tool string, f faultmeshes.Fault, res *mcp.CallToolResult) {
	t.Helper()
	msg := text(res)
	if tool == "send_events" && res.IsError {
		// No event accepted because the batch failed as a whole: one error
		// that names every event's outcome as unknown, never as not sent.
		if !strings.Contains(msg, "outcome unknown") || !strings.Contains(msg, "list_events") || strings.Contains(msg, "not sent") {
			t.Errorf("send_events after %s: want every event reported outcome unknown with a way to check, got %q", f, msg)
		}
		return
	}
	if tool == "send_events" {
		var out struct {
			Total, Unknown int
			Items          []struct{ Status, Error string }
		}
		decodeStructured(t, res, &out)
		if out.Unknown != out.Total || len(out.Items) == 0 {
			t.Errorf("send_events after %s: want every event unknown, got %s", f, msg)
			return
		}
		for _, it := range out.Items {
			if it.Status != "unknown" || !strings.Contains(it.Error, "list_events") {
				t.Errorf("send_events after %s: item %+v does not say how to check", f, it)
			}
		}
		return
	}
	if !res.IsError || !actionable(msg) {
		t.Errorf("%s after %s: want an actionable error, got isError=%v %q", tool, f, res.IsError, msg)
	}
	if !strings.Contains(msg, "unknown") && !strings.Contains(msg, "do not resend") {
		t.Errorf("%s after %s: the error does not warn that the effect is unknown: %q", tool, f, msg)
	}
}

// matchPattern is faultmeshes' path matching (path.Match, "*" = one segment).
func matchPattern(pattern, p string) bool {
	ok, _ := path.Match(pattern, p)
	return ok
}

func repeat(f faultmeshes.Fault, n int) []faultmeshes.Fault {
	out := make([]faultmeshes.Fault, n)
	for i := range out {
		out[i] = f
	}
	return out
}

// TestReadsSurviveThirtyPercentTransientFaults runs every read tool
// repeatedly while 30% of GETs (seeded) fail with a random transient fault,
// with meshesapi's default retry budget. STRESS_SEEDS=n runs n seeds and
// reports the per-call failure rate instead of asserting one seed;
// STRESS_ATTEMPTS=n sets MaxAttempts (reads get twice that).
func TestReadsSurviveThirtyPercentTransientFaults(t *testing.T) {
	const rounds = 6
	seeds := []uint64{1}
	if n := envInt("STRESS_SEEDS", 0); n > 0 {
		seeds = seeds[:0]
		for i := range n {
			seeds = append(seeds, uint64(i+1))
		}
	}
	calls, failed, faulted, gets := 0, 0, 0, 0
	for _, seed := range seeds {
		s := teststack.Start(t, teststack.Options{Timeout: 500 * time.Millisecond,
			Retry: meshesapi.RetryPolicy{MaxAttempts: envInt("STRESS_ATTEMPTS", 0)}})
		sess := newSession(t, s)
		s.Proxy.SetRandom(&faultmeshes.Random{Rate: 0.3, Seed: seed, Methods: []string{http.MethodGet}})
		for range rounds {
			for _, tc := range callsOf(classRead) {
				calls++
				if res := sess.call(tc.tool, tc.args(t, s)); res.IsError {
					failed++
					if len(seeds) == 1 {
						t.Errorf("seed %d: %s failed at a 30%% fault rate: %s", seed, tc.tool, text(res))
					}
				}
			}
		}
		for _, r := range s.Proxy.Requests() {
			if r.Method == http.MethodGet {
				gets++
				if r.Fault.Kind != faultmeshes.Pass {
					faulted++
				}
			}
		}
		s.Close()
	}
	t.Logf("%d read calls over %d seed(s): %d failed (%.3f%%); %d of %d GETs faulted (%.1f%%)",
		calls, len(seeds), failed, 100*float64(failed)/float64(calls), faulted, gets, 100*float64(faulted)/float64(gets))
}

// TestRetryAfterIsHonoured: a 429 or 503 with a short Retry-After is waited
// out before the retry (for a POST too, since a 429 means Meshes refused it
// unprocessed); a Retry-After beyond the client's cap comes back at once as
// an error saying how long to wait.
func TestRetryAfterIsHonoured(t *testing.T) {
	s := faultStack(t)
	sess := newSession(t, s)
	for _, tc := range []toolCall{callNamed(t, "list_workspaces"), callNamed(t, "send_event")} {
		for _, f := range []faultmeshes.Fault{{Kind: faultmeshes.RateLimited, RetryAfter: "1"}, {Kind: faultmeshes.Unavailable, RetryAfter: "1"}} {
			if f.Kind == faultmeshes.Unavailable && tc.method == http.MethodPost {
				continue // a 503 POST is never retried
			}
			from := len(s.Proxy.Requests())
			s.Proxy.Script(tc.method, tc.pattern, f)
			if res := sess.call(tc.tool, tc.args(t, s)); res.IsError {
				t.Errorf("%s after %s: %s", tc.tool, f, text(res))
			}
			sent := since(s, from, tc.method, tc.pattern)
			if len(sent) != 2 {
				t.Fatalf("%s after %s: %d requests, want 2", tc.tool, f, len(sent))
			}
			if gap := sent[1].At.Sub(sent[0].At); gap < time.Second {
				t.Errorf("%s after %s: retried after %v, before the requested 1s", tc.tool, f, gap)
			}
		}
		from := len(s.Proxy.Requests())
		s.Proxy.Script(tc.method, tc.pattern, faultmeshes.Fault{Kind: faultmeshes.RateLimited, RetryAfter: "120"})
		res := sess.call(tc.tool, tc.args(t, s))
		if msg := text(res); !res.IsError || !strings.Contains(msg, "2m0s") {
			t.Errorf("%s after 429 Retry-After: 120: want an error saying to wait 2m0s, got %q", tc.tool, msg)
		}
		if n := len(since(s, from, tc.method, tc.pattern)); n != 1 {
			t.Errorf("%s after 429 Retry-After: 120: %d requests, want 1", tc.tool, n)
		}
	}
}

// TestDiagnoseDoesNotMistakeAnOutageForAMissingObject: when the rule and
// connection lookups of diagnose_event fail for good (503 on every attempt),
// the diagnosis must not claim they no longer exist and send the model off
// to create new ones; it should say the lookup failed and can be retried.
func TestDiagnoseDoesNotMistakeAnOutageForAMissingObject(t *testing.T) {
	s := faultStack(t)
	sess := newSession(t, s)
	// Every lookup of every rule and connection fails, however often it
	// is retried.
	s.Proxy.Script(http.MethodGet, api+"/rules/*", repeat(faultmeshes.Fault{Kind: faultmeshes.Unavailable}, 1000)...)
	s.Proxy.Script(http.MethodGet, api+"/connections/*", repeat(faultmeshes.Fault{Kind: faultmeshes.Unavailable}, 1000)...)
	res := sess.call("diagnose_event", map[string]any{"event_id": s.IDs.FailedEvent})
	msg := text(res)
	if !res.IsError && (strings.Contains(msg, "no longer exists") || strings.Contains(msg, "new rule")) {
		t.Errorf("diagnose_event during an outage blames missing objects: %.600s", msg)
	}
}

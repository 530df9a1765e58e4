package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

// What the observers report shows up under the documented names: calls by
// outcome, in-flight calls coming back to zero, upstream attempts with
// retries counted separately, refusals by reason.
func TestMetricsExposition(t *testing.T) {
	m := New()
	done := m.CallStarted("get_event")
	if !strings.Contains(scrape(t, m), "meshes_mcp_tool_calls_in_flight 1") {
		t.Fatal("a running call is not counted in flight")
	}
	done("error")
	m.ObserveRequest("GET /events/{event_id}", 503, 1, 10*time.Millisecond)
	m.ObserveRequest("GET /events/{event_id}", 200, 2, 10*time.Millisecond)
	m.Rejected("rate_limited")
	text := scrape(t, m)
	for _, want := range []string{
		`meshes_mcp_tool_calls_in_flight 0`,
		`meshes_mcp_tool_calls_total{outcome="error",tool="get_event"} 1`,
		`meshes_mcp_tool_call_duration_seconds_count{tool="get_event"} 1`,
		`meshes_mcp_upstream_requests_total{operation="GET /events/{event_id}",status="503"} 1`,
		`meshes_mcp_upstream_requests_total{operation="GET /events/{event_id}",status="200"} 1`,
		`meshes_mcp_upstream_retries_total{operation="GET /events/{event_id}"} 1`,
		`meshes_mcp_http_rejected_total{reason="rate_limited"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

package metrics

import (
	"bytes"
	"compress/gzip"
	"io"
	"math"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type %q, want the text format 0.0.4", ct)
	}
	if f := expfmt.ResponseFormat(rec.Header()); f.FormatType() != expfmt.TypeTextPlain {
		t.Errorf("Prometheus reads Content-Type %q as %v, not the text format", rec.Header().Get("Content-Type"), f)
	}
	return rec.Body.String()
}

// parse reads a scrape with Prometheus' own parser, which rejects anything
// a Prometheus server would not ingest.
func parse(t *testing.T, text string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("Prometheus' parser rejects /metrics: %v\n%s", err, text)
	}
	return fams
}

// family returns the named family, which must be of kind.
func family(t *testing.T, fams map[string]*dto.MetricFamily, name string, kind dto.MetricType) *dto.MetricFamily {
	t.Helper()
	f := fams[name]
	if f == nil {
		t.Fatalf("/metrics lacks %s", name)
	}
	if f.GetType() != kind {
		t.Fatalf("%s is a %v, want %v", name, f.GetType(), kind)
	}
	return f
}

// seriesOf returns the series of f with exactly these labels.
func seriesOf(t *testing.T, f *dto.MetricFamily, labels ...string) *dto.Metric {
	t.Helper()
	for _, m := range f.GetMetric() {
		var got []string
		for _, l := range m.GetLabel() {
			got = append(got, l.GetName(), l.GetValue())
		}
		if slices.Equal(got, labels) {
			return m
		}
	}
	t.Fatalf("%s has no series %q", f.GetName(), labels)
	return nil
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
		`meshes_mcp_upstream_request_duration_seconds_bucket{operation="GET /events/{event_id}",le="0.01"} 2`,
		`meshes_mcp_http_rejected_total{reason="rate_limited"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// After a known mix of calls and attempts, Prometheus' parser reads back
// the exact counts per label, the histograms' cumulative buckets with their
// declared bounds, their sums and counts.
func TestScrapeCountsAndBuckets(t *testing.T) {
	m := New()
	for _, c := range []struct{ tool, outcome string }{
		{"get_event", "ok"}, {"get_event", "ok"}, {"get_event", "ok"}, {"get_event", "error"},
		{"list_workspaces", "denied"}, {"list_workspaces", "denied"},
	} {
		m.CallStarted(c.tool)(c.outcome)
	}
	running := m.CallStarted("get_event")
	defer running("ok")
	op := "POST /events"
	for _, a := range []struct {
		status, attempt int
		took            time.Duration
	}{
		{0, 1, 3 * time.Millisecond},    // le=0.005
		{503, 2, 7 * time.Millisecond},  // le=0.01
		{200, 3, 10 * time.Millisecond}, // le=0.01: a bound is inclusive
		{200, 1, 2 * time.Second},       // le=2.5
		{200, 1, 20 * time.Second},      // above every bound: only +Inf
	} {
		m.ObserveRequest(op, a.status, a.attempt, a.took)
	}
	fams := parse(t, scrape(t, m))

	calls := family(t, fams, "meshes_mcp_tool_calls_total", dto.MetricType_COUNTER)
	if len(calls.GetMetric()) != 3 {
		t.Errorf("%d tool-call series, want 3 (one per tool and outcome seen)", len(calls.GetMetric()))
	}
	for _, c := range []struct {
		tool, outcome string
		want          float64
	}{{"get_event", "ok", 3}, {"get_event", "error", 1}, {"list_workspaces", "denied", 2}} {
		if got := seriesOf(t, calls, "outcome", c.outcome, "tool", c.tool).GetCounter().GetValue(); got != c.want {
			t.Errorf("tool calls %s %s = %v, want %v", c.tool, c.outcome, got, c.want)
		}
	}
	if got := family(t, fams, "meshes_mcp_tool_calls_in_flight", dto.MetricType_GAUGE).GetMetric()[0].GetGauge().GetValue(); got != 1 {
		t.Errorf("in flight = %v, want 1", got)
	}

	latency := family(t, fams, "meshes_mcp_tool_call_duration_seconds", dto.MetricType_HISTOGRAM)
	for tool, want := range map[string]uint64{"get_event": 4, "list_workspaces": 2} {
		h := seriesOf(t, latency, "tool", tool).GetHistogram()
		if h.GetSampleCount() != want {
			t.Errorf("%s latency count = %d, want %d", tool, h.GetSampleCount(), want)
		}
		var bounds []float64
		var last uint64
		for _, b := range h.GetBucket() {
			bounds = append(bounds, b.GetUpperBound())
			if b.GetCumulativeCount() < last || b.GetCumulativeCount() > want {
				t.Errorf("%s latency buckets are not cumulative: %v", tool, h.GetBucket())
			}
			last = b.GetCumulativeCount()
		}
		if wantBounds := []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, math.Inf(1)}; !slices.Equal(bounds, wantBounds) {
			t.Errorf("tool latency bounds %v, want %v", bounds, wantBounds)
		}
		if last != want || h.GetSampleSum() < 0 {
			t.Errorf("%s latency +Inf bucket %d, sum %v; want %d and a sum ≥ 0", tool, last, h.GetSampleSum(), want)
		}
	}

	attempts := family(t, fams, "meshes_mcp_upstream_requests_total", dto.MetricType_COUNTER)
	for status, want := range map[string]float64{"0": 1, "503": 1, "200": 3} {
		if got := seriesOf(t, attempts, "operation", op, "status", status).GetCounter().GetValue(); got != want {
			t.Errorf("attempts with status %s = %v, want %v", status, got, want)
		}
	}
	retries := family(t, fams, "meshes_mcp_upstream_retries_total", dto.MetricType_COUNTER)
	if got := seriesOf(t, retries, "operation", op).GetCounter().GetValue(); got != 2 {
		t.Errorf("retries = %v, want 2 (attempts 2 and 3)", got)
	}
	h := seriesOf(t, family(t, fams, "meshes_mcp_upstream_request_duration_seconds", dto.MetricType_HISTOGRAM), "operation", op).GetHistogram()
	var got []uint64
	for _, b := range h.GetBucket() {
		got = append(got, b.GetCumulativeCount())
	}
	if want := []uint64{1, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 5}; !slices.Equal(got, want) {
		t.Errorf("upstream latency cumulative buckets %v, want %v", got, want)
	}
	if h.GetSampleCount() != 5 || math.Abs(h.GetSampleSum()-22.02) > 1e-9 {
		t.Errorf("upstream latency count %d sum %v, want 5 and 22.02", h.GetSampleCount(), h.GetSampleSum())
	}
}

// A label value with a backslash, a double quote, a newline or bytes that
// are not UTF-8, and a help text with a backslash and a newline, reach
// Prometheus intact (invalid bytes as U+FFFD, the format being UTF-8).
func TestEscapingRoundTrips(t *testing.T) {
	m := New()
	odd := "a\\b\"c\nd é {x=\"1\"}"
	m.Rejected(odd)
	m.Rejected("bad\xffbyte")
	rejected := family(t, parse(t, scrape(t, m)), "meshes_mcp_http_rejected_total", dto.MetricType_COUNTER)
	seriesOf(t, rejected, "reason", odd)
	seriesOf(t, rejected, "reason", "bad\uFFFDbyte")

	help := "back\\slash, \"quotes\" and a\nnewline"
	v := newVec("odd_total", help, nil, "k")
	v.inc(odd)
	var out text
	v.write(&out)
	f := family(t, parse(t, out.String()), "odd_total", dto.MetricType_COUNTER)
	if f.GetHelp() != help {
		t.Errorf("help read back as %q, want %q", f.GetHelp(), help)
	}
	seriesOf(t, f, "k", odd)
}

// Calls recorded from many goroutines while /metrics is scraped add up
// exactly (run under -race, this is also the data-race check).
func TestConcurrentRecordingExactTotals(t *testing.T) {
	const workers, each = 8, 500
	m := New()
	stop := make(chan struct{})
	scraped := make(chan struct{})
	go func() {
		defer close(scraped)
		for {
			select {
			case <-stop:
				return
			default:
				p := expfmt.NewTextParser(model.LegacyValidation)
				if _, err := p.TextToMetricFamilies(strings.NewReader(scrape(t, m))); err != nil {
					t.Errorf("a scrape during recording does not parse: %v", err)
					return
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				done := m.CallStarted("get_event")
				m.ObserveRequest("GET /events/{event_id}", 200, 1+(w+i)%2, time.Millisecond)
				m.Rejected("rate_limited")
				done([]string{"ok", "error"}[i%2])
			}
		})
	}
	wg.Wait()
	close(stop)
	<-scraped

	fams := parse(t, scrape(t, m))
	calls := family(t, fams, "meshes_mcp_tool_calls_total", dto.MetricType_COUNTER)
	for _, outcome := range []string{"ok", "error"} {
		if got := seriesOf(t, calls, "outcome", outcome, "tool", "get_event").GetCounter().GetValue(); got != workers*each/2 {
			t.Errorf("%s calls = %v, want %d", outcome, got, workers*each/2)
		}
	}
	latency := seriesOf(t, family(t, fams, "meshes_mcp_tool_call_duration_seconds", dto.MetricType_HISTOGRAM), "tool", "get_event").GetHistogram()
	if buckets := latency.GetBucket(); latency.GetSampleCount() != workers*each || buckets[len(buckets)-1].GetCumulativeCount() != workers*each {
		t.Errorf("latency count %d, +Inf bucket %d; want %d", latency.GetSampleCount(), buckets[len(buckets)-1].GetCumulativeCount(), workers*each)
	}
	if got := family(t, fams, "meshes_mcp_tool_calls_in_flight", dto.MetricType_GAUGE).GetMetric()[0].GetGauge().GetValue(); got != 0 {
		t.Errorf("in flight after every call ended = %v", got)
	}
	op := []string{"operation", "GET /events/{event_id}"}
	for name, want := range map[string]float64{
		"meshes_mcp_upstream_requests_total": workers * each,
		"meshes_mcp_upstream_retries_total":  workers * each / 2,
	} {
		labels := op
		if name == "meshes_mcp_upstream_requests_total" {
			labels = append(slices.Clone(op), "status", "200")
		}
		if got := seriesOf(t, family(t, fams, name, dto.MetricType_COUNTER), labels...).GetCounter().GetValue(); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if got := seriesOf(t, family(t, fams, "meshes_mcp_http_rejected_total", dto.MetricType_COUNTER), "reason", "rate_limited").GetCounter().GetValue(); got != workers*each {
		t.Errorf("rejected = %v, want %d", got, workers*each)
	}
}

// The runtime and process basics dashboards expect are there, under
// client_golang's names, with values that describe this process.
func TestRuntimeAndProcessBasics(t *testing.T) {
	fams := parse(t, scrape(t, New()))
	if got := family(t, fams, "go_goroutines", dto.MetricType_GAUGE).GetMetric()[0].GetGauge().GetValue(); got < 1 {
		t.Errorf("go_goroutines = %v", got)
	}
	if got := family(t, fams, "go_memstats_heap_alloc_bytes", dto.MetricType_GAUGE).GetMetric()[0].GetGauge().GetValue(); got <= 0 {
		t.Errorf("go_memstats_heap_alloc_bytes = %v", got)
	}
	seriesOf(t, family(t, fams, "go_info", dto.MetricType_GAUGE), "version", runtime.Version())
	if got := len(family(t, fams, "go_gc_duration_seconds", dto.MetricType_SUMMARY).GetMetric()[0].GetSummary().GetQuantile()); got != 5 {
		t.Errorf("go_gc_duration_seconds has %d quantiles, want 5", got)
	}

	if _, err := os.Stat("/proc/self/stat"); err != nil {
		for name := range fams {
			if strings.HasPrefix(name, "process_") {
				t.Errorf("%s reported without /proc", name)
			}
		}
		t.Skip("no /proc here: the process_* metrics are rightly absent")
	}
	value := func(name string, kind dto.MetricType) float64 {
		m := family(t, fams, name, kind).GetMetric()[0]
		return m.GetGauge().GetValue() + m.GetCounter().GetValue()
	}
	if rss := value("process_resident_memory_bytes", dto.MetricType_GAUGE); rss < 1<<20 || rss > value("process_virtual_memory_bytes", dto.MetricType_GAUGE) {
		t.Errorf("resident memory %v bytes: not between 1 MiB and the virtual size", rss)
	}
	if open, limit := value("process_open_fds", dto.MetricType_GAUGE), value("process_max_fds", dto.MetricType_GAUGE); open < 3 || open > limit {
		t.Errorf("open fds %v, limit %v", open, limit)
	}
	start := time.Unix(int64(value("process_start_time_seconds", dto.MetricType_GAUGE)), 0)
	if age := time.Since(start); age < -time.Second || age > time.Hour {
		t.Errorf("process started at %v, %v ago", start, age)
	}
	if cpu := value("process_cpu_seconds_total", dto.MetricType_COUNTER); cpu < 0 || cpu > time.Since(start).Seconds()*float64(runtime.NumCPU())+1 {
		t.Errorf("process_cpu_seconds_total = %v", cpu)
	}
	family(t, fams, "process_virtual_memory_max_bytes", dto.MetricType_GAUGE)
}

// Families come in name order, each once, as client_golang wrote them, so
// that a scrape is stable and diffable.
func TestFamiliesInNameOrder(t *testing.T) {
	m := New()
	m.CallStarted("get_event")("ok")
	m.ObserveRequest("GET /workspaces", 200, 2, time.Millisecond)
	m.Rejected("origin")
	var names []string
	for line := range strings.Lines(scrape(t, m)) {
		if name, found := strings.CutPrefix(line, "# HELP "); found {
			names = append(names, strings.Fields(name)[0])
		}
	}
	if !slices.IsSorted(names) || len(slices.Compact(slices.Clone(names))) != len(names) {
		t.Errorf("families not in name order, once each: %v", names)
	}
	if len(names) < 7+20 {
		t.Errorf("only %d families: %v", len(names), names)
	}
}

// A scraper that accepts gzip (Prometheus does) gets the same exposition
// compressed; one that refuses it gets it plain.
func TestGzip(t *testing.T) {
	m := New()
	m.Rejected("origin")
	for _, c := range []struct {
		accept string
		gzip   bool
	}{{"gzip", true}, {"deflate, GZIP;q=0.5", true}, {"gzip;q=0", false}, {"identity", false}, {"", false}} {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.Header.Set("Accept-Encoding", c.accept)
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, req)
		body := rec.Body.Bytes()
		if got := rec.Header().Get("Content-Encoding") == "gzip"; got != c.gzip {
			t.Errorf("Accept-Encoding %q: gzipped %v, want %v", c.accept, got, c.gzip)
			continue
		}
		if c.gzip {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		seriesOf(t, family(t, parse(t, string(body)), "meshes_mcp_http_rejected_total", dto.MetricType_COUNTER), "reason", "origin")
	}
}

// The cost a tool call pays to be counted (the observer runs on every call).
func BenchmarkToolCall(b *testing.B) {
	m := New()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			done := m.CallStarted("get_event")
			m.ObserveRequest("GET /events/{event_id}", 200, 1, time.Millisecond)
			done("ok")
		}
	})
}

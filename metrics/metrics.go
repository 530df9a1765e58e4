// Package metrics exposes what an operator of a shared meshes-mcp needs to
// watch in Prometheus format: tool calls by tool and outcome with their
// latency, calls in flight, requests to Meshes by operation and status,
// retries, and HTTP requests the server refused, by reason.
//
// Labels are bounded and carry nothing secret or customer-specific: tool
// names come from the catalog, Meshes operations are path templates
// ("GET /events/{event_id}") and never ids, and callers are not labelled.
//
// The text exposition format (version 0.0.4) is written by hand rather than
// with Prometheus' client_golang: that library's package initialisation
// (with the protobuf, runtime/metrics and procfs it pulls in) cost every
// start of the server, stdio included, about 2 million instructions and 6 ms
// of CPU, and the binary 3.4 MB, while only the HTTP transport ever serves
// /metrics. Go runs a linked package's init whether it is used or not, so
// the only way to spare stdio users is not to link it. The tests check the
// output with Prometheus' own parser.
//
// Besides the server's own metrics, a scrape reports the runtime and process
// basics dashboards expect, under client_golang's names and help texts: the
// go_memstats_* family (one runtime.ReadMemStats per scrape), go_goroutines,
// go_threads, go_info, go_gc_duration_seconds, go_gc_gomemlimit_bytes,
// go_sched_gomaxprocs_threads and, where /proc exists, process_cpu_seconds_total,
// process_resident_memory_bytes, process_virtual_memory_bytes,
// process_start_time_seconds, process_open_fds and process_max_fds. The rest
// of client_golang's default set is left out: the runtime/metrics-only
// series (its init is part of the cost above), go_gc_gogc_percent (the
// runtime offers no side-effect-free read of it), and
// process_network_*_bytes_total, which count the whole network namespace,
// not this process.
package metrics

import (
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// Metrics is one server's metrics, so that tests and several servers in one
// process do not share counts. It implements tools.CallObserver and
// meshesapi.Observer. Its methods are safe for concurrent use.
type Metrics struct {
	toolCalls       *vec
	toolSeconds     *vec
	inFlight        atomic.Int64
	upstream        *vec
	upstreamSeconds *vec
	retries         *vec
	rejected        *vec
}

// New returns a server's metrics, all at zero.
func New() *Metrics {
	return &Metrics{
		toolCalls: newVec("meshes_mcp_tool_calls_total",
			"Tool calls by tool and outcome (ok, error, denied, panic).",
			nil, "outcome", "tool"),
		toolSeconds: newVec("meshes_mcp_tool_call_duration_seconds",
			"Tool call latency, retries to Meshes included.",
			[]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}, "tool"),
		upstream: newVec("meshes_mcp_upstream_requests_total",
			"HTTP attempts to Meshes by operation (method and path template) and status (0: no response).",
			nil, "operation", "status"),
		upstreamSeconds: newVec("meshes_mcp_upstream_request_duration_seconds",
			"Latency of one HTTP attempt to Meshes.",
			// client_golang's default buckets, which this histogram has always had.
			[]float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}, "operation"),
		retries: newVec("meshes_mcp_upstream_retries_total",
			"HTTP attempts to Meshes that repeated an earlier one, by operation.",
			nil, "operation"),
		rejected: newVec("meshes_mcp_http_rejected_total",
			"HTTP requests refused before reaching a tool, by reason.",
			nil, "reason"),
	}
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return http.HandlerFunc(m.serve)
}

// CallStarted counts a tool call in flight until the returned function
// records its outcome and latency (tools.CallObserver).
func (m *Metrics) CallStarted(tool string) func(outcome string) {
	start := time.Now()
	m.inFlight.Add(1)
	return func(outcome string) {
		m.inFlight.Add(-1)
		m.toolCalls.inc(outcome, tool)
		m.toolSeconds.observe(time.Since(start).Seconds(), tool)
	}
}

// ObserveRequest records one HTTP attempt to Meshes (meshesapi.Observer).
func (m *Metrics) ObserveRequest(operation string, status, attempt int, took time.Duration) {
	m.upstream.inc(operation, strconv.Itoa(status))
	m.upstreamSeconds.observe(took.Seconds(), operation)
	if attempt > 1 {
		m.retries.inc(operation)
	}
}

// Rejected counts an HTTP request refused for reason (a fixed word such as
// "invalid_token" or "rate_limited", never anything from the request).
func (m *Metrics) Rejected(reason string) {
	m.rejected.inc(reason)
}

// Package metrics exposes what an operator of a shared meshes-mcp needs to
// watch in Prometheus format: tool calls by tool and outcome with their
// latency, calls in flight, requests to Meshes by operation and status,
// retries, and HTTP requests the server refused, by reason.
//
// Labels are bounded and carry nothing secret or customer-specific: tool
// names come from the catalog, Meshes operations are path templates
// ("GET /events/{event_id}") and never ids, and callers are not labelled.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is one server's collectors in their own registry, so that tests
// and several servers in one process do not share counts. It implements
// tools.CallObserver and meshesapi.Observer.
type Metrics struct {
	reg             *prometheus.Registry
	toolCalls       *prometheus.CounterVec
	toolSeconds     *prometheus.HistogramVec
	inFlight        prometheus.Gauge
	upstream        *prometheus.CounterVec
	upstreamSeconds *prometheus.HistogramVec
	retries         *prometheus.CounterVec
	rejected        *prometheus.CounterVec
}

// New registers every collector, plus the Go runtime and process ones.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meshes_mcp_tool_calls_total",
			Help: "Tool calls by tool and outcome (ok, error, denied, panic).",
		}, []string{"tool", "outcome"}),
		toolSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "meshes_mcp_tool_call_duration_seconds",
			Help:    "Tool call latency, retries to Meshes included.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"tool"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "meshes_mcp_tool_calls_in_flight",
			Help: "Tool calls running now.",
		}),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meshes_mcp_upstream_requests_total",
			Help: "HTTP attempts to Meshes by operation (method and path template) and status (0: no response).",
		}, []string{"operation", "status"}),
		upstreamSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "meshes_mcp_upstream_request_duration_seconds",
			Help:    "Latency of one HTTP attempt to Meshes.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meshes_mcp_upstream_retries_total",
			Help: "HTTP attempts to Meshes that repeated an earlier one, by operation.",
		}, []string{"operation"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "meshes_mcp_http_rejected_total",
			Help: "HTTP requests refused before reaching a tool, by reason.",
		}, []string{"reason"}),
	}
	m.reg.MustRegister(m.toolCalls, m.toolSeconds, m.inFlight, m.upstream, m.upstreamSeconds, m.retries, m.rejected,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the registry in Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// CallStarted counts a tool call in flight until the returned function
// records its outcome and latency (tools.CallObserver).
func (m *Metrics) CallStarted(tool string) func(outcome string) {
	start := time.Now()
	m.inFlight.Inc()
	return func(outcome string) {
		m.inFlight.Dec()
		m.toolCalls.WithLabelValues(tool, outcome).Inc()
		m.toolSeconds.WithLabelValues(tool).Observe(time.Since(start).Seconds())
	}
}

// ObserveRequest records one HTTP attempt to Meshes (meshesapi.Observer).
func (m *Metrics) ObserveRequest(operation string, status, attempt int, took time.Duration) {
	m.upstream.WithLabelValues(operation, strconv.Itoa(status)).Inc()
	m.upstreamSeconds.WithLabelValues(operation).Observe(took.Seconds())
	if attempt > 1 {
		m.retries.WithLabelValues(operation).Inc()
	}
}

// Rejected counts an HTTP request refused for reason (a fixed word such as
// "invalid_token" or "rate_limited", never anything from the request).
func (m *Metrics) Rejected(reason string) {
	m.rejected.WithLabelValues(reason).Inc()
}

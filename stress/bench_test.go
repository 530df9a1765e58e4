package stress

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
)

// Benchmarks behind BENCHMARKS.md. Each runs the plain binary over real
// pipes against a loopback Meshes stand-in (the sandbox behind the
// pass-through proxy), so the figures are what an MCP host would see. Run:
//
//	go test -run '^$' -bench . -benchtime 20x ./stress/

// BenchmarkColdStart measures process spawn to tools/list answered, and
// reports the median and the fastest run (on a shared machine the mean
// carries other processes' noise) and the median CPU time of a whole run
// (start, initialize, tools/list, exit on end of input), which a loaded
// machine distorts less than wall time.
//
// STRESS_BASELINE_BIN names other builds to compare, separated by the
// path-list separator (an earlier commit's binary, the one-tool reference
// servers of bench/startup): iterations alternate between all of them, so
// the machine's drift hits each alike, which makes the comparison fair
// where separate runs are not. Each is reported under its file name.
func BenchmarkColdStart(b *testing.B) {
	s := teststack.Start(b, teststack.Options{})
	env := childEnv(b, s)
	bins := []string{binary(b)}
	if baseline := os.Getenv("STRESS_BASELINE_BIN"); baseline != "" {
		bins = append(bins, filepath.SplitList(baseline)...)
	}
	runs := make([][]time.Duration, len(bins))
	cpu := make([][]time.Duration, len(bins))
	for i := 0; b.Loop(); i++ {
		k := i % len(bins)
		t0 := time.Now()
		p := start(b, bins[k], env)
		p.initialize()
		if m := p.request("tools/list", map[string]any{}); m.Error != nil {
			b.Fatal(m.Error)
		}
		runs[k] = append(runs[k], time.Since(t0))
		b.StopTimer()
		if code := p.close(); code != 0 {
			b.Fatalf("%s: exit code %d", bins[k], code)
		}
		cpu[k] = append(cpu[k], p.cmd.ProcessState.UserTime()+p.cmd.ProcessState.SystemTime())
		b.StartTimer()
	}
	for k, bin := range bins {
		if len(runs[k]) == 0 {
			continue
		}
		prefix := ""
		if k > 0 {
			prefix = filepath.Base(bin) + "-"
		}
		b.ReportMetric(ms(percentile(runs[k], 50)), prefix+"p50-ms")
		b.ReportMetric(ms(slices.Min(runs[k])), prefix+"min-ms")
		b.ReportMetric(ms(percentile(cpu[k], 50)), prefix+"cpu-p50-ms")
	}
}

// BenchmarkStdioCallLatency calls get_workspace (one GET to Meshes) over one
// stdio session and reports p50/p95 latency, and the server's overhead: the
// p50 minus the p50 of the same GET made directly with meshesapi.
func BenchmarkStdioCallLatency(b *testing.B) {
	s := teststack.Start(b, teststack.Options{})
	p := start(b, binary(b), childEnv(b, s))
	p.initialize()
	args := map[string]any{"workspace_id": s.IDs.Workspace}
	for range 50 { // warm up connections and caches
		p.callTool("get_workspace", args)
	}
	var calls, direct []time.Duration
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		t0 := time.Now()
		if r := p.callTool("get_workspace", args); r.IsError {
			b.Fatal(r.text())
		}
		calls = append(calls, time.Since(t0))
		b.StopTimer()
		t1 := time.Now()
		if _, err := s.Client.GetWorkspace(ctx, s.IDs.Workspace); err != nil {
			b.Fatal(err)
		}
		direct = append(direct, time.Since(t1))
		b.StartTimer()
	}
	b.StopTimer()
	reportPercentiles(b, calls, direct)
	p.close()
}

func reportPercentiles(b *testing.B, calls, direct []time.Duration) {
	p50, p95 := percentile(calls, 50), percentile(calls, 95)
	d50 := percentile(direct, 50)
	b.ReportMetric(ms(p50), "p50-ms")
	b.ReportMetric(ms(p95), "p95-ms")
	b.ReportMetric(ms(d50), "direct-p50-ms")
	b.ReportMetric(ms(p50-d50), "overhead-p50-ms")
}

func percentile(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkSession700Calls runs 700 mixed tool calls (every read tool, plus
// send_event) in one session and reports the server's peak RSS (VmHWM).
func BenchmarkSession700Calls(b *testing.B) {
	s := teststack.Start(b, teststack.Options{})
	bin, env := binary(b), childEnv(b, s)
	var reads []toolCall
	for _, tc := range callsOf(classRead) {
		reads = append(reads, tc)
	}
	b.ResetTimer()
	for b.Loop() {
		p := start(b, bin, env)
		p.initialize()
		p.request("tools/list", map[string]any{})
		for i := range 700 {
			name, args := "send_event", map[string]any{"workspace_id": s.IDs.Workspace, "event": "bench.session", "payload": map[string]any{"n": i}}
			if i%5 != 0 {
				tc := reads[i%len(reads)]
				name, args = tc.tool, tc.args(b, s)
			}
			if r := p.callTool(name, args); r.IsError {
				b.Fatalf("%s: %s", name, r.text())
			}
		}
		rss, hwm := p.memory()
		b.ReportMetric(float64(hwm)/1024, "peak-RSS-MiB")
		b.ReportMetric(float64(rss)/1024, "RSS-MiB")
		p.close()
	}
}

// BenchmarkSendEvents10k sends 10,000 events in one send_events call (100
// bulk requests, a few in parallel) and reports events per second. The
// event name matches no rule, so the figure is ingestion, not delivery.
//
// Each iteration also sends the same events through bench/sendref, the same
// work without MCP or JSON-RPC, against the same stack: its peak RSS is the
// reference for the server's, and the x-ref metrics are server/reference
// (x-ref-time: the server's wall time for the calls over the reference's).
// Both processes' RSS is read once they are ready (after initialize, after
// an empty call), since the server is a larger program at rest; the peak
// minus that idle RSS is what the call itself cost each of them.
func BenchmarkSendEvents10k(b *testing.B) {
	const n = 10_000
	s := teststack.Start(b, teststack.Options{})
	env := childEnv(b, s)
	p := start(b, binary(b), env)
	p.initialize()
	idle, _ := p.memory()
	ref := startRef(b, sendrefBinary(b), env)
	refIdle, _ := ref.memory()
	events := make([]any, n)
	for i := range events {
		events[i] = map[string]any{"workspace_id": s.IDs.Workspace, "event": "bench.bulk",
			"payload": map[string]any{"email": fmt.Sprintf("user%d@example.com", i), "plan": "pro", "n": i}}
	}
	args := map[string]any{"events": events}
	refLine := mustLine(args)
	var refTime time.Duration
	b.ResetTimer()
	for b.Loop() {
		r := p.callTool("send_events", args)
		var out struct{ Total, Accepted int }
		if r.IsError || json.Unmarshal(r.StructuredContent, &out) != nil || out.Total != n || out.Accepted != n {
			b.Fatalf("send_events: %.300s", r.text())
		}
		b.StopTimer()
		t0 := time.Now()
		if total, accepted := ref.call(refLine); total != n || accepted != n {
			b.Fatalf("sendref: %d of %d events accepted; stderr:\n%s", accepted, total, tail(ref.stderr.String()))
		}
		refTime += time.Since(t0)
		b.StartTimer()
	}
	b.StopTimer()
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(n*b.N)/refTime.Seconds(), "ref-events/s")
	b.ReportMetric(b.Elapsed().Seconds()/refTime.Seconds(), "x-ref-time")
	_, hwm := p.memory()
	_, refHWM := ref.memory()
	b.ReportMetric(float64(idle)/1024, "idle-RSS-MiB")
	b.ReportMetric(float64(hwm)/1024, "peak-RSS-MiB")
	b.ReportMetric(float64(refIdle)/1024, "ref-idle-RSS-MiB")
	b.ReportMetric(float64(refHWM)/1024, "ref-peak-RSS-MiB")
	b.ReportMetric(float64(hwm)/float64(refHWM), "x-ref-peak-RSS")
	b.ReportMetric(float64(hwm-idle)/float64(refHWM-refIdle), "x-ref-call-RSS")
	p.close()
	ref.close()
}

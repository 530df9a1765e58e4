package httpserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/tools"
)

// The load driver runs only under -bench (BenchmarkHTTPLoad); these flags
// shape it. Every run is bounded both in time and in number of calls, and
// only ever targets loopback.
var (
	loadClients  = flag.Int("load.clients", 32, "concurrent MCP clients")
	loadDuration = flag.Duration("load.duration", 10*time.Second, "how long each load run lasts")
	loadMaxCalls = flag.Int("load.max-calls", 2_000_000, "upper bound on calls per run")
)

// loadResult is what one run measured.
type loadResult struct {
	calls, failures int
	firstErr        error
	elapsed         time.Duration
	latencies       []time.Duration // sorted
	rss             []int64         // VmRSS samples, KiB, one per second
	peakRSS         int64           // VmHWM, KiB
	// serverCPU and driverCPU are the CPU time the server process and this
	// test process (clients, plus the sandbox or echo handler) used during
	// the run: per call they measure cost independently of what else the
	// shared machine is doing.
	serverCPU, driverCPU time.Duration
	separate             bool // the server is another process than the driver
}

func (r loadResult) cpuPerCall(d time.Duration) time.Duration {
	if r.calls == 0 {
		return 0
	}
	return d / time.Duration(r.calls)
}

func (r loadResult) rate() float64 { return float64(r.calls) / r.elapsed.Seconds() }

func (r loadResult) percentile(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(float64(len(r.latencies)-1) * p)
	return r.latencies[i]
}

// rssGrowth compares resident memory after warm-up (the sample at 25% of
// the run) with the last sample: a flat process shows ~0.
func (r loadResult) rssGrowth() (afterWarmup, end int64) {
	if len(r.rss) == 0 {
		return 0, 0
	}
	return r.rss[len(r.rss)/4], r.rss[len(r.rss)-1]
}

func (r loadResult) summary(name string) string {
	warm, end := r.rssGrowth()
	cpu := fmt.Sprintf("CPU per call: server %dµs, driver %dµs", r.cpuPerCall(r.serverCPU).Microseconds(), r.cpuPerCall(r.driverCPU).Microseconds())
	if !r.separate {
		cpu = fmt.Sprintf("CPU per call (server and clients in one process): %dµs", r.cpuPerCall(r.serverCPU).Microseconds())
	}
	return fmt.Sprintf("%-10s %d clients: %d calls in %.1fs = %.0f calls/s, p50 %.2fms, p99 %.2fms, max %.2fms, failures %d, RSS after warm-up %.1f MiB, at end %.1f MiB, peak (VmHWM) %.1f MiB, %s",
		name, *loadClients, r.calls, r.elapsed.Seconds(), r.rate(),
		ms(r.percentile(0.50)), ms(r.percentile(0.99)), ms(r.percentile(1)), r.failures,
		float64(warm)/1024, float64(end)/1024, float64(r.peakRSS)/1024, cpu)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// runLoad runs one call function per worker until duration or maxCalls,
// sampling the resident memory of process pid once a second.
func runLoad(workers []func(context.Context) error, duration time.Duration, maxCalls int, pid int) loadResult {
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var issued atomic.Int64
	var mu sync.Mutex
	res := loadResult{}

	samplerDone := make(chan struct{})
	go func() {
		defer close(samplerDone)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if kb, err := procStatus(pid, "VmRSS"); err == nil {
					res.rss = append(res.rss, kb)
				}
			}
		}
	}()

	serverCPU0, _ := procCPU(pid)
	driverCPU0, _ := procCPU(os.Getpid())
	start := time.Now()
	var wg sync.WaitGroup
	for _, call := range workers {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 4096)
			var failures int
			var firstErr error
			for ctx.Err() == nil && issued.Add(1) <= int64(maxCalls) {
				t0 := time.Now()
				err := call(ctx)
				if ctx.Err() != nil {
					break // cut off by the end of the run, not a failure
				}
				lat = append(lat, time.Since(t0))
				if err != nil {
					failures++
					if firstErr == nil {
						firstErr = err
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.latencies = append(res.latencies, lat...)
			res.failures += failures
			if res.firstErr == nil {
				res.firstErr = firstErr
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	serverCPU1, _ := procCPU(pid)
	driverCPU1, _ := procCPU(os.Getpid())
	res.serverCPU = serverCPU1 - serverCPU0
	if res.separate = pid != os.Getpid(); res.separate {
		res.driverCPU = driverCPU1 - driverCPU0
	}
	cancel()
	<-samplerDone
	res.calls = len(res.latencies)
	slices.Sort(res.latencies)
	res.peakRSS, _ = procStatus(pid, "VmHWM")
	return res
}

// procStatus reads one "<field>: <n> kB" line of /proc/<pid>/status.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", field, pid)
}

// procCPU is the user+system CPU time process pid has used so far, from
// /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s on Linux).
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may contain spaces; fields resume after ')'.
	_, rest, ok := bytes.Cut(b, []byte(") "))
	if !ok {
		return 0, errors.New("unexpected /proc stat format")
	}
	f := strings.Fields(string(rest))
	if len(f) < 13 {
		return 0, errors.New("unexpected /proc stat format")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// loopbackTransport is shared by all workers of a run, with enough idle
// connections that no worker ever has to dial again.
func loopbackTransport(n int) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        2 * n,
		MaxIdleConnsPerHost: 2 * n,
		IdleConnTimeout:     time.Minute,
	}
}

// mcpWorkers connects n streamable-HTTP clients to base and returns, per
// client, a get_workspace call on the seeded production workspace.
//
// legacy clients use the 2025-11-25 initialize handshake; the others the
// sessionless 2026-07-28 protocol, which mcp-go's client prefers.
func mcpWorkers(tb testing.TB, base string, n int, legacy bool) []func(context.Context) error {
	tb.Helper()
	hc := &http.Client{Transport: loopbackTransport(n)}
	workers := make([]func(context.Context) error, n)
	var workspaceID string
	for i := range workers {
		c, err := client.NewStreamableHttpClient(base+"/mcp", transport.WithHTTPBasicClient(hc))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { _ = c.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		if err := c.Start(ctx); err != nil {
			tb.Fatal(err)
		}
		init := initializeRequest()
		if legacy {
			init.Params.ProtocolVersion = mcp.LATEST_LEGACY_PROTOCOL_VERSION
		}
		if _, err := c.Initialize(ctx, init); err != nil {
			tb.Fatalf("initialize client %d: %v", i, err)
		}
		cancel()
		if workspaceID == "" {
			workspaceID = productionWorkspace(tb, c)
		}
		args := map[string]any{"workspace_id": workspaceID}
		workers[i] = func(ctx context.Context) error {
			res, err := callTool(ctx, c, "get_workspace", args)
			if err != nil {
				return err
			}
			if res.IsError {
				return errors.New(resultText(res))
			}
			return nil
		}
	}
	return workers
}

func productionWorkspace(tb testing.TB, c *client.Client) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := callTool(ctx, c, "list_workspaces", map[string]any{})
	if err != nil || res.IsError {
		tb.Fatalf("list_workspaces: %v", err)
	}
	raw, _ := json.Marshal(res.StructuredContent)
	var out struct {
		Workspaces []struct{ ID, Name string } `json:"workspaces"`
	}
	if err := json.Unmarshal(raw, &out); err != nil || len(out.Workspaces) == 0 {
		tb.Fatalf("list_workspaces returned no workspace: %s", raw)
	}
	return out.Workspaces[0].ID
}

// echoWorkers POST a small JSON document to a bare net/http echo handler:
// the ceiling this machine puts on any HTTP JSON service, for scale.
func echoWorkers(tb testing.TB, n int) []func(context.Context) error {
	tb.Helper()
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var doc map[string]any
		if err := json.NewDecoder(r.Body).Decode(&doc); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(func() { _ = srv.Close() })
	url := "http://" + ln.Addr().String() + "/echo"
	hc := &http.Client{Transport: loopbackTransport(n)}
	body := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_workspace","arguments":{"workspace_id":"3f0c2a7e-9b1d-4c5e-8f6a-1b2c3d4e5f60"}}}`)
	workers := make([]func(context.Context) error, n)
	for i := range workers {
		workers[i] = func(ctx context.Context) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
			if err != nil {
				return err
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			var doc map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
				return err
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			return nil
		}
	}
	return workers
}

// BenchmarkHTTPLoad is the load driver: N concurrent MCP clients calling
// get_workspace over streamable HTTP against the sandbox, then the same
// load against a bare net/http JSON echo. Each sub-benchmark is one bounded
// run, so use -benchtime 1x:
//
//	go test -run '^$' -bench 'HTTPLoad/(mcp|mcp-legacy|echo)$' -benchtime 1x ./httpserver/ -args -load.duration 60s
func BenchmarkHTTPLoad(b *testing.B) {
	report := func(b *testing.B, name string, r loadResult) {
		b.ReportMetric(r.rate(), "calls/s")
		b.ReportMetric(ms(r.percentile(0.50)), "p50-ms")
		b.ReportMetric(ms(r.percentile(0.99)), "p99-ms")
		b.ReportMetric(float64(r.peakRSS)/1024, "peak-RSS-MiB")
		warm, end := r.rssGrowth()
		b.ReportMetric(float64(end-warm)/1024, "RSS-growth-MiB")
		b.ReportMetric(float64(r.failures), "failures")
		b.ReportMetric(float64(r.cpuPerCall(r.serverCPU).Microseconds()), "server-CPU-µs/call")
		b.Log(r.summary(name))
		if r.firstErr != nil {
			b.Logf("first failure: %v", r.firstErr)
		}
	}
	// The server under test is the real binary in its own process, so its
	// resident memory and CPU are measured apart from the clients and the
	// sandbox. Clients of both protocol generations are measured: mcp-go
	// spends far more per request on the sessionless one.
	for _, v := range []struct {
		name   string
		legacy bool
	}{{"mcp", false}, {"mcp-legacy", true}} {
		b.Run(v.name, func(b *testing.B) {
			p := startProcess(b, startBackend(b, nil), "", "--transport", "http")
			workers := mcpWorkers(b, p.Base, *loadClients, v.legacy)
			b.ResetTimer()
			report(b, v.name, runLoad(workers, *loadDuration, *loadMaxCalls, p.Cmd.Process.Pid))
		})
	}
	// The same server in this process, for profiling with -cpuprofile.
	b.Run("mcp-inprocess", func(b *testing.B) {
		r := serve(b, catalogServer(b, tools.Policy{}), Config{Transport: TransportHTTP, Logger: quietLogger()})
		workers := mcpWorkers(b, r.base, *loadClients, false)
		b.ResetTimer()
		report(b, "mcp-inproc", runLoad(workers, *loadDuration, *loadMaxCalls, os.Getpid()))
	})
	b.Run("echo", func(b *testing.B) {
		workers := echoWorkers(b, *loadClients)
		b.ResetTimer()
		report(b, "echo", runLoad(workers, *loadDuration, *loadMaxCalls, os.Getpid()))
	})
}

// The driver itself works: every call of a short bounded run is counted
// and succeeds. (Throughput is measured only by BenchmarkHTTPLoad.)
func TestLoadDriverSmoke(t *testing.T) {
	r := serve(t, catalogServer(t, tools.Policy{}), Config{Transport: TransportHTTP})
	res := runLoad(mcpWorkers(t, r.base, 4, false), 30*time.Second, 200, os.Getpid())
	if res.calls != 200 || res.failures != 0 {
		t.Fatalf("smoke run: %d calls, %d failures (first: %v); want 200 calls, none failed", res.calls, res.failures, res.firstErr)
	}
	if res.percentile(0.5) <= 0 || res.percentile(0.99) < res.percentile(0.5) || res.peakRSS <= 0 {
		t.Fatalf("smoke run reported p50 %v, p99 %v, peak RSS %d KiB", res.percentile(0.5), res.percentile(0.99), res.peakRSS)
	}
}

// Package lb proves the HTTP transport behind a real load balancer: three
// replicas of the built binary behind HAProxy (Debian's package), one
// shared sandbox, 32 MCP clients, and one replica killed mid-run.
// scripts/loadbalancer.sh installs HAProxy and runs it with the figures
// recorded in BENCHMARKS.md; without haproxy on PATH, or under -short, the
// test is skipped.
package lb

import (
	"github.com/meshes-mcp/meshes-mcp/internal/hermetic"

	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
	"github.com/meshes-mcp/meshes-mcp/sandbox"
)

const clients = 32

func TestMain(m *testing.M) {
	code := hermetic.Run(m)
	testbin.Cleanup()
	os.Exit(code)
}

// phaseDuration is how long each phase drives load: MESHES_LB_SECONDS, or
// 8 s, short enough for CI.
func phaseDuration(t *testing.T) time.Duration {
	if v := os.Getenv("MESHES_LB_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 {
			t.Fatalf("MESHES_LB_SECONDS=%q: want whole seconds >= 2", v)
		}
		return time.Duration(n) * time.Second
	}
	return 8 * time.Second
}

// upstream is the shared sandbox, counting each event POST by the marker
// its payload carries.
type upstream struct {
	sb      *sandbox.Running
	mu      sync.Mutex
	posts   int
	markers map[string]int
}

func startUpstream(t *testing.T) *upstream {
	u := &upstream{markers: map[string]int{}}
	sb, err := sandbox.Start(sandbox.Options{Seed: true, Backoff: []time.Duration{}, OnRequest: u.count})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	u.sb = sb
	return u
}

func (u *upstream) count(r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/events") {
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var ev struct {
		Payload struct {
			Marker string `json:"marker"`
		} `json:"payload"`
	}
	_ = json.Unmarshal(body, &ev)
	u.mu.Lock()
	u.posts++
	u.markers[ev.Payload.Marker]++
	u.mu.Unlock()
}

func (u *upstream) reset() {
	u.mu.Lock()
	u.posts, u.markers = 0, map[string]int{}
	u.mu.Unlock()
}

func (u *upstream) workspace(t *testing.T) string {
	ws := u.sb.Server.Workspaces()
	if len(ws) == 0 {
		t.Fatal("the seeded sandbox has no workspace")
	}
	return ws[0].ID
}

// startHAProxy runs haproxy in the foreground in front of backends and
// returns its URL.
func startHAProxy(t *testing.T, bin string, backends []string) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	var servers strings.Builder
	for i, b := range backends {
		fmt.Fprintf(&servers, "  server r%d %s check\n", i+1, strings.TrimPrefix(b, "http://"))
	}
	// retries/redispatch resend only requests whose connection failed, i.e.
	// never reached a replica (HAProxy's default retry-on is conn-failure),
	// so a POST is never replayed; health checks take a dead replica out.
	// http-server-close gives every request its own connection to a
	// replica: a request sent on a kept-alive connection to a replica that
	// has just died cannot be retried safely, and HAProxy then closes the
	// client's connection without an answer. Three failed checks take a
	// replica out, so one slow /healthz on a loaded machine does not (a
	// dead replica refuses connections at once, which are retried
	// elsewhere meanwhile).
	cfg := `global
  maxconn 4096
defaults
  mode http
  option http-server-close
  timeout connect 1s
  timeout client 60s
  timeout server 60s
  timeout check 2s
  retries 3
  option redispatch 1
frontend mcp
  bind ` + addr + `
  default_backend replicas
backend replicas
  balance roundrobin
  option httpchk GET /healthz
  default-server inter 250ms fall 3 rise 2
` + servers.String()
	path := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", path)
	var out testbin.SyncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy did not come up: %v\n%s", err, &out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// outcome is one tool call as a client saw it.
type outcome struct {
	marker     string
	start, end time.Time
	err        string // "" on success
}

// drive runs clients MCP clients against base for d, each sending events
// one after another; atHalf runs once half of d has passed.
func drive(t *testing.T, base, workspace string, d time.Duration, atHalf func()) (results []outcome) {
	conns := make([]*client.Client, clients)
	for i := range conns {
		c, err := client.NewStreamableHttpClient(base + "/mcp")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if err := c.Start(ctx); err != nil {
			t.Fatal(err)
		}
		init := mcp.InitializeRequest{}
		init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
		init.Params.ClientInfo = mcp.Implementation{Name: "lb", Version: "1"}
		if _, err := c.Initialize(ctx, init); err != nil {
			t.Fatalf("initialize through the load balancer: %v", err)
		}
		cancel()
		conns[i] = c
	}
	var mu sync.Mutex
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for w, c := range conns {
		wg.Go(func() {
			for n := 0; time.Now().Before(stop); n++ {
				marker := fmt.Sprintf("c%d-%d", w, n)
				req := mcp.CallToolRequest{}
				req.Params.Name = "send_event"
				req.Params.Arguments = map[string]any{"workspace_id": workspace, "event": "lb.test", "payload": map[string]any{"marker": marker}}
				o := outcome{marker: marker, start: time.Now()}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				res, err := c.CallTool(ctx, req)
				cancel()
				o.end = time.Now()
				switch {
				case err != nil:
					o.err = err.Error()
				case res.IsError:
					o.err = "tool error: " + fmt.Sprint(res.Content)
				}
				mu.Lock()
				results = append(results, o)
				mu.Unlock()
			}
		})
	}
	time.Sleep(d / 2)
	if atHalf != nil {
		atHalf()
	}
	wg.Wait()
	return results
}

// summary is throughput and latency of the successful calls.
func summary(results []outcome, d time.Duration) (ok int, perSec float64, p50, p99 time.Duration) {
	var lat []time.Duration
	for _, o := range results {
		if o.err == "" {
			lat = append(lat, o.end.Sub(o.start))
		}
	}
	slices.Sort(lat)
	if len(lat) == 0 {
		return 0, 0, 0, 0
	}
	return len(lat), float64(len(lat)) / d.Seconds(), lat[len(lat)*50/100], lat[len(lat)*99/100]
}

func TestThreeReplicasBehindHAProxy(t *testing.T) {
	if testing.Short() {
		t.Skip("load-balancer run skipped under -short")
	}
	haproxy, err := exec.LookPath("haproxy")
	switch {
	case err != nil && os.Getenv("CI") != "":
		t.Fatal("haproxy is not installed, and CI must run this test: .ci/run installs it (apt-get install haproxy)")
	case err != nil:
		t.Skip("haproxy is not installed; scripts/loadbalancer.sh installs it (apt-get install haproxy) and runs this test")
	}
	d := phaseDuration(t)
	up := startUpstream(t)
	ws := up.workspace(t)
	bin := testbin.Binary(t, false)
	env := testbin.ChildEnv(t.TempDir(), up.sb.Credentials, up.sb.URL, "MESHES_LOG_LEVEL=info")
	var replicas []*testbin.HTTPServer
	var backends []string
	for range 3 {
		r := testbin.StartHTTP(t, bin, env, "--transport", "http", "--addr", "127.0.0.1:0")
		replicas = append(replicas, r)
		backends = append(backends, r.Base)
	}

	// Baseline: one replica behind the same load balancer.
	single := startHAProxy(t, haproxy, backends[:1])
	results := drive(t, single, ws, d, nil)
	for _, o := range results {
		if o.err != "" {
			t.Fatalf("single replica: call %s failed: %s", o.marker, o.err)
		}
	}
	n, rate, p50, p99 := summary(results, d)
	t.Logf("RESULT 1 replica: %d calls in %v, %.0f calls/s, p50 %v, p99 %v", n, d, rate, p50.Round(time.Millisecond/10), p99.Round(time.Millisecond/10))

	// Three replicas; the second is killed (SIGKILL) halfway through. A
	// call is in flight on it if it was sent before the process was gone:
	// until the kernel has torn the process down, its listening socket
	// still completes connections, so requests HAProxy hands it in those
	// milliseconds die with it.
	up.reset()
	lb := startHAProxy(t, haproxy, backends)
	var killedAt, goneAt time.Time
	results = drive(t, lb, ws, d, func() {
		killedAt = time.Now()
		_ = replicas[1].Cmd.Process.Kill()
		<-replicas[1].Exited
		goneAt = time.Now()
	})
	var failed []outcome
	for _, o := range results {
		if o.err != "" {
			failed = append(failed, o)
		}
	}
	for _, o := range failed {
		if !o.start.Before(goneAt) || o.end.Before(killedAt) {
			t.Errorf("call %s failed but was not in flight when the replica died (%v..%v after the kill; the process was gone %v after it): %s",
				o.marker, o.start.Sub(killedAt), o.end.Sub(killedAt), goneAt.Sub(killedAt), o.err)
		}
	}
	if len(failed) > clients {
		t.Errorf("%d calls failed; at most the %d in flight can have been on the killed replica", len(failed), clients)
	}

	// Nothing duplicated: every event POST carries a marker seen once, each
	// successful call reached Meshes exactly once, and the only extra
	// events are from calls whose outcome the client could not know.
	up.mu.Lock()
	defer up.mu.Unlock()
	for m, c := range up.markers {
		if c > 1 {
			t.Errorf("event %s reached Meshes %d times", m, c)
		}
	}
	succeeded := 0
	for _, o := range results {
		if o.err == "" {
			succeeded++
			if up.markers[o.marker] != 1 {
				t.Errorf("successful call %s reached Meshes %d times", o.marker, up.markers[o.marker])
			}
		}
	}
	if extra := up.posts - succeeded; extra < 0 || extra > len(failed) {
		t.Errorf("%d event POSTs reached Meshes for %d successful and %d failed calls", up.posts, succeeded, len(failed))
	}
	n, rate, p50, p99 = summary(results, d)
	t.Logf("RESULT 3 replicas, one killed at %v (gone %v later): %d calls in %v, %.0f calls/s, p50 %v, p99 %v; %d failed (all in flight on the killed replica), %d event POSTs upstream for %d successes",
		d/2, goneAt.Sub(killedAt).Round(time.Millisecond/10), n, d, rate, p50.Round(time.Millisecond/10), p99.Round(time.Millisecond/10), len(failed), up.posts, succeeded)
	for _, o := range failed {
		t.Logf("failed in flight: %s: %s", o.marker, o.err)
	}
}

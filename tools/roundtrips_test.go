package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/sandbox"
	"github.com/meshes-mcp/meshes-mcp/schemas"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// Round trips are what a user waits for when Meshes is 50-150 ms away. The
// stand-in below is the sandbox behind a fixed delay per request, counting
// round trips as waves: a wave starts when a request arrives while none is
// in flight, so requests sent together are one round trip and requests
// sent one after another are one each.

// farMeshes is the sandbox as if it were latency away, optionally without
// rule_events in event lists (the contract lets Meshes leave them out).
type farMeshes struct {
	upstream http.Handler
	latency  time.Duration
	stripped bool

	mu       sync.Mutex
	inFlight int
	waves    int
	requests int
}

func (f *farMeshes) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	if f.inFlight == 0 {
		f.waves++
	}
	f.inFlight++
	f.requests++
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	time.Sleep(f.latency)
	if !f.stripped || r.Method != http.MethodGet || !strings.HasSuffix(r.URL.Path, "/events") {
		f.upstream.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	f.upstream.ServeHTTP(rec, r)
	var list map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &list) != nil {
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	if records, ok := list["records"].([]any); ok {
		for _, rec := range records {
			delete(rec.(map[string]any), "rule_events")
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(list)
}

// reset starts counting a new measurement.
func (f *farMeshes) reset() {
	f.mu.Lock()
	f.waves, f.requests = 0, 0
	f.mu.Unlock()
}

func (f *farMeshes) counts() (waves, requests int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.waves, f.requests
}

// busyWorkspace is a sandbox workspace with one failed event (a webhook
// nobody listens on, plus a Slack delivery that succeeds) behind newer
// successful events, each with one delivery.
type busyWorkspace struct {
	run       *sandbox.Running
	workspace string
	failed    string
}

func newBusyWorkspace(tb testing.TB, newer int) *busyWorkspace {
	tb.Helper()
	run, err := sandbox.Start(sandbox.Options{Seed: true, Backoff: []time.Duration{}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = run.Close() })
	direct, err := meshesapi.New(meshesapi.Config{AccessKey: run.Credentials.AccessKey, SecretKey: run.Credentials.SecretKey,
		OrgID: run.Credentials.OrgID, APIURL: run.URL})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	ws, err := direct.CreateWorkspace(ctx, meshesapi.CreateWorkspaceRequest{Name: "Busy"})
	if err != nil {
		tb.Fatal(err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	hook, err := direct.CreateConnection(ctx, meshesapi.CreateConnectionRequest{Workspace: ws.ID, Type: "webhook", Name: "Gone",
		Metadata: map[string]any{"url": closed.URL + "/hook"}})
	if err != nil {
		tb.Fatal(err)
	}
	slack, err := direct.CreateConnection(ctx, meshesapi.CreateConnectionRequest{Workspace: ws.ID, Type: "slack", Name: "Chat"})
	if err != nil {
		tb.Fatal(err)
	}
	for _, r := range []meshesapi.CreateRuleRequest{
		{Connection: hook.ID, Event: "order.completed", Metadata: map[string]any{"action": "send_webhook"}},
		{Connection: slack.ID, Event: "order.completed", Metadata: map[string]any{"action": "send_message", "id": "C0123456789", "template": "{{email}}"}},
		{Connection: slack.ID, Event: "user.signup", Metadata: map[string]any{"action": "send_message", "id": "C0123456789", "template": "{{email}}"}},
	} {
		r.Workspace = ws.ID
		if _, err := direct.CreateRule(ctx, r); err != nil {
			tb.Fatal(err)
		}
	}
	failed, err := direct.SendEvent(ctx, meshesapi.EventInput{Workspace: ws.ID, Event: "order.completed", Payload: json.RawMessage(`{"email":"a@example.com"}`)})
	if err != nil {
		tb.Fatal(err)
	}
	for sent := 0; sent < newer; sent += meshesapi.MaxBulkEvents {
		batch := make([]meshesapi.EventInput, min(meshesapi.MaxBulkEvents, newer-sent))
		for i := range batch {
			batch[i] = meshesapi.EventInput{Workspace: ws.ID, Event: "user.signup", Payload: json.RawMessage(fmt.Sprintf(`{"email":"u%d@example.com"}`, sent+i))}
		}
		if _, err := direct.SendEvents(ctx, batch); err != nil {
			tb.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		l, err := direct.ListWorkspaceEvents(ctx, ws.ID, meshesapi.EventQuery{Page: meshesapi.Page{Limit: 1}, Status: "processing"})
		p, err2 := direct.ListWorkspaceEvents(ctx, ws.ID, meshesapi.EventQuery{Page: meshesapi.Page{Limit: 1}, Status: "pending"})
		if err == nil && err2 == nil && len(l.Records) == 0 && len(p.Records) == 0 {
			break
		}
		if time.Now().After(deadline) {
			tb.Fatal("the busy workspace's deliveries did not settle")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return &busyWorkspace{run: run, workspace: ws.ID, failed: failed.ID}
}

// far returns a catalog whose Meshes is latency away, confined to the busy
// workspace (and the others named) when confined is set.
func (b *busyWorkspace) far(tb testing.TB, latency time.Duration, stripped, confined bool, others ...string) (*tools.Catalog, *meshesapi.Client, *farMeshes) {
	tb.Helper()
	fm := &farMeshes{upstream: b.run.Server, latency: latency, stripped: stripped}
	srv := httptest.NewServer(fm)
	tb.Cleanup(srv.Close)
	client, err := meshesapi.New(meshesapi.Config{AccessKey: b.run.Credentials.AccessKey, SecretKey: b.run.Credentials.SecretKey,
		OrgID: b.run.Credentials.OrgID, APIURL: srv.URL})
	if err != nil {
		tb.Fatal(err)
	}
	var pol tools.Policy
	if confined {
		pol.Workspaces = append([]string{b.workspace}, others...)
	}
	cat, err := tools.New(client, tools.Options{Policy: pol})
	if err != nil {
		tb.Fatal(err)
	}
	return cat, client, fm
}

func callCatalog(tb testing.TB, c *tools.Catalog, tool string, args map[string]any, out any) {
	tb.Helper()
	raw, _ := json.Marshal(args)
	res, err := c.Call(context.Background(), tool, raw)
	if err != nil {
		tb.Fatal(err)
	}
	b, _ := json.Marshal(res.StructuredContent)
	if res.IsError {
		tb.Fatalf("%s: %s", tool, resultText(res))
	}
	if err := json.Unmarshal(b, out); err != nil {
		tb.Fatal(err)
	}
}

// agentListChain is what an agent does with one API call per tool call:
// list the newest events, then read events one by one until it has limit
// deliveries (a list that embeds them needs no reads).
func agentListChain(tb testing.TB, client *meshesapi.Client, ws string, limit int) int {
	ctx := context.Background()
	list, err := client.ListWorkspaceEvents(ctx, ws, meshesapi.EventQuery{Page: meshesapi.Page{Limit: limit}})
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, e := range list.Records {
		if n >= limit {
			break
		}
		if e.RuleEvents == nil {
			full, err := client.GetEvent(ctx, e.ID)
			if err != nil {
				tb.Fatal(err)
			}
			e.RuleEvents = full.RuleEvents
		}
		n += len(e.RuleEvents)
	}
	return n
}

// agentDiagnoseChain is the reads an agent makes, one after another, to
// explain one failed delivery: the event, the rule, the connection, the
// attempts and the newest attempt's captured answer.
func agentDiagnoseChain(tb testing.TB, client *meshesapi.Client, eventID string) {
	ctx := context.Background()
	e, err := client.GetEvent(ctx, eventID)
	if err != nil {
		tb.Fatal(err)
	}
	for _, re := range e.RuleEvents {
		if re.Status != "failed" {
			continue
		}
		if _, err := client.GetRule(ctx, re.Rule); err != nil {
			tb.Fatal(err)
		}
		if _, err := client.GetConnection(ctx, re.Connection); err != nil {
			tb.Fatal(err)
		}
		attempts, err := client.ListDeliveryAttempts(ctx, eventID, re.Rule, meshesapi.Page{})
		if err != nil {
			tb.Fatal(err)
		}
		_, _ = client.GetAttemptResponse(ctx, eventID, re.Rule, attempts.Records[0].ID)
	}
}

// TestRoundTripTargets holds issue #15's bounds with Meshes far away (a
// page of 20 deliveries in at most 3 round trips, a diagnosis in at most
// 2) and every other multi-request tool's (seeded.rows), each derived from
// the depth of the tool's data dependencies, so that a tool that regresses
// by one wave fails here.
func TestRoundTripTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a busy workspace")
	}
	s := newSeeded(t, 300)
	b := s.busyWorkspace
	for _, shape := range []struct{ stripped, confined bool }{{false, false}, {true, false}, {true, true}} {
		stripped := shape.stripped
		t.Run(fmt.Sprintf("deliveries_embedded=%v/confined=%v", !stripped, shape.confined), func(t *testing.T) {
			cat, _, fm := b.far(t, 20*time.Millisecond, stripped, shape.confined)
			cases := []struct {
				tool  string
				args  map[string]any
				max   int
				check func(raw []byte) error
			}{
				{"list_deliveries", map[string]any{"workspace_id": b.workspace, "limit": 20}, 3, func(raw []byte) error {
					var out schemas.ListDeliveriesOutput
					_ = json.Unmarshal(raw, &out)
					if out.Count != 20 {
						return fmt.Errorf("%d deliveries, want 20", out.Count)
					}
					return nil
				}},
				{"list_deliveries", map[string]any{"workspace_id": b.workspace, "status": "failed"}, 3, func(raw []byte) error {
					var out schemas.ListDeliveriesOutput
					_ = json.Unmarshal(raw, &out)
					if out.Count != 1 || out.Deliveries[0].EventID != b.failed {
						return fmt.Errorf("failed deliveries %+v, want the one of event %s", out.Deliveries, b.failed)
					}
					return nil
				}},
				{"diagnose_event", map[string]any{"event_id": b.failed}, 2, func(raw []byte) error {
					var out schemas.DiagnoseEventOutput
					_ = json.Unmarshal(raw, &out)
					for _, f := range out.Findings {
						if f.Severity == "error" && f.OutcomeCode == "network_error" {
							return nil
						}
					}
					return fmt.Errorf("no network_error finding: %+v", out.Findings)
				}},
			}
			for _, tc := range cases {
				fm.reset()
				var out json.RawMessage
				callCatalog(t, cat, tc.tool, tc.args, &out)
				if err := tc.check(out); err != nil {
					t.Errorf("%s: %v", tc.tool, err)
				}
				waves, requests := fm.counts()
				t.Logf("%s %v: %d round trips, %d requests", tc.tool, tc.args["status"], waves, requests)
				if waves > tc.max {
					t.Errorf("%s %v took %d round trips (%d requests), want at most %d", tc.tool, tc.args, waves, requests, tc.max)
				}
			}
		})
	}
	// The other tools' rows create and send in their own workspace, after
	// the cases above have read the busy one.
	for i, confined := range []bool{false, true} {
		t.Run(fmt.Sprintf("every_tool/confined=%v", confined), func(t *testing.T) {
			cat, _, fm := b.far(t, 20*time.Millisecond, false, confined, s.rows, s.acme)
			for _, row := range s.calls() {
				waves, requests := row.call(t, cat, fm, row.args(t))
				t.Logf("%s: %d round trips, %d requests", row.name, waves, requests)
				if waves > row.max[i] {
					t.Errorf("%s took %d round trips (%d requests), want at most %d", row.name, waves, requests, row.max[i])
				}
			}
		})
	}
}

// BenchmarkRoundTrips reports round trips, requests and wall time with
// Meshes 80 ms away: list_deliveries (limit 20, and status failed behind
// 1,000 newer successes) and diagnose_event in both list shapes, then every
// other multi-request tool (seeded.calls, which read no event list, so one
// shape), unconfined and confined; each next to the chain of single API
// calls an agent would make where one is meaningful:
//
//	go test -run '^$' -bench RoundTrips -benchtime 10x ./tools/
func BenchmarkRoundTrips(b *testing.B) {
	s := newSeeded(b, 1000)
	busy := s.busyWorkspace
	const latency = 80 * time.Millisecond
	for _, stripped := range []bool{false, true} {
		shape := "embedded"
		if stripped {
			shape = "not_embedded"
		}
		cat, client, fm := busy.far(b, latency, stripped, false)
		runs := []struct {
			name string
			run  func(b *testing.B)
		}{
			{"list_deliveries_limit20/tool", func(b *testing.B) {
				var out schemas.ListDeliveriesOutput
				callCatalog(b, cat, "list_deliveries", map[string]any{"workspace_id": busy.workspace, "limit": 20}, &out)
			}},
			{"list_deliveries_limit20/agent_chain", func(b *testing.B) { agentListChain(b, client, busy.workspace, 20) }},
			{"list_deliveries_failed/tool", func(b *testing.B) {
				var out schemas.ListDeliveriesOutput
				callCatalog(b, cat, "list_deliveries", map[string]any{"workspace_id": busy.workspace, "status": "failed"}, &out)
			}},
			{"diagnose_event/tool", func(b *testing.B) {
				var out schemas.DiagnoseEventOutput
				callCatalog(b, cat, "diagnose_event", map[string]any{"event_id": busy.failed}, &out)
			}},
			{"diagnose_event/agent_chain", func(b *testing.B) { agentDiagnoseChain(b, client, busy.failed) }},
		}
		for _, r := range runs {
			b.Run(shape+"/"+r.name, func(b *testing.B) { benchRoundTrips(b, fm, r.run) })
		}
	}
	for _, confined := range []bool{false, true} {
		scope := "tools"
		if confined {
			scope = "tools_confined"
		}
		cat, client, fm := busy.far(b, latency, false, confined, s.rows, s.acme)
		for _, row := range s.calls() {
			b.Run(scope+"/"+row.name+"/tool", func(b *testing.B) {
				benchRoundTrips(b, fm, func(b *testing.B) {
					b.StopTimer()
					args := row.args(b)
					b.StartTimer()
					row.call(b, cat, fm, args)
				})
			})
			if confined {
				continue
			}
			switch row.name {
			case "export_workspace":
				b.Run(scope+"/"+row.name+"/agent_chain", func(b *testing.B) {
					benchRoundTrips(b, fm, func(b *testing.B) { agentExportChain(b, client, s.acme) })
				})
			case "get_delivery":
				b.Run(scope+"/"+row.name+"/agent_chain", func(b *testing.B) {
					benchRoundTrips(b, fm, func(b *testing.B) { agentDeliveryChain(b, client, s.rejected, s.rejecter) })
				})
			}
		}
	}
}

// benchRoundTrips runs one measured call per iteration and reports its
// round trips and requests next to the wall time.
func benchRoundTrips(b *testing.B, fm *farMeshes, run func(b *testing.B)) {
	var waves, requests int
	for b.Loop() {
		fm.reset()
		run(b)
		w, n := fm.counts()
		waves, requests = waves+w, requests+n
	}
	b.ReportMetric(float64(waves)/float64(b.N), "round_trips/op")
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
}

package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/poll"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// The rest of the catalog's tools that make more than one request to Meshes,
// measured like list_deliveries and diagnose_event: each row is one call,
// its bound is the depth of its data dependencies (a request that needs an
// id from another answer waits for it; independent reads share a wave), and
// confined rows run with a workspace allowlist, whose object lookups may
// add a wave before the handler runs.

// seeded is the busy workspace next to the objects the rows act on: the
// sandbox's seeded Acme Production, and a workspace of their own (rows), so
// that what they create and send leaves the busy workspace's deliveries as
// list_deliveries' bounds expect them.
type seeded struct {
	*busyWorkspace
	direct    *meshesapi.Client
	acme      string
	rows      string
	hookRule  string // the rule of a webhook nobody listens on
	ended     string // an event whose delivery through hookRule failed
	rejected  string // an event whose delivery a destination answered with 500
	rejecter  string // the rule of that delivery
	kept      string // a webhook connection with a stored bearer token
	blueprint schemas.Blueprint
	secrets   []schemas.SecretValue
	names     atomic.Int64
}

func newSeeded(tb testing.TB, newer int) *seeded {
	tb.Helper()
	s := &seeded{busyWorkspace: newBusyWorkspace(tb, newer)}
	creds := s.run.Credentials
	var err error
	s.direct, err = meshesapi.New(meshesapi.Config{AccessKey: creds.AccessKey, SecretKey: creds.SecretKey, OrgID: creds.OrgID, APIURL: s.run.URL})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	all, err := s.direct.ListWorkspaces(ctx, meshesapi.Page{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, w := range all.Records {
		if w.Name == "Acme Production" {
			s.acme = w.ID
		}
	}
	if s.acme == "" {
		tb.Fatal("the seed has no Acme Production")
	}
	ws, err := s.direct.CreateWorkspace(ctx, meshesapi.CreateWorkspaceRequest{Name: "Rows"})
	if err != nil {
		tb.Fatal(err)
	}
	s.rows = ws.ID
	s.hookRule = s.webhookRule(tb, "Gone", "http://127.0.0.1:9/gone", "order.completed")
	s.ended = s.freshFailure(tb)["event_id"].(string)
	conn, err := s.direct.CreateConnection(ctx, meshesapi.CreateConnectionRequest{Workspace: s.rows, Type: "webhook", Name: "Kept",
		Metadata: map[string]any{"url": "http://127.0.0.1:9/kept", "auth_scheme": "bearer", "auth_token": "tok_roundtrips_0123456789abcdef"}})
	if err != nil {
		tb.Fatal(err)
	}
	s.kept = conn.ID
	s.rejected, s.rejecter = s.rejectedDelivery(tb)
	cat, _, _ := s.far(tb, 0, false, false)
	var export schemas.ExportWorkspaceOutput
	callCatalog(tb, cat, "export_workspace", map[string]any{"workspace_id": s.acme}, &export)
	s.blueprint = export.Blueprint
	for _, name := range export.Secrets {
		s.secrets = append(s.secrets, schemas.SecretValue{Name: name, Value: "value-of-" + name})
	}
	return s
}

// webhookRule routes event to a new webhook connection of the rows
// workspace and returns the rule's id.
func (s *seeded) webhookRule(tb testing.TB, name, url, event string) string {
	tb.Helper()
	ctx := context.Background()
	conn, err := s.direct.CreateConnection(ctx, meshesapi.CreateConnectionRequest{Workspace: s.rows, Type: "webhook", Name: name,
		Metadata: map[string]any{"url": url}})
	if err != nil {
		tb.Fatal(err)
	}
	rule, err := s.direct.CreateRule(ctx, meshesapi.CreateRuleRequest{Workspace: s.rows, Connection: conn.ID, Event: event,
		Metadata: map[string]any{"action": "send_webhook"}})
	if err != nil {
		tb.Fatal(err)
	}
	return rule.ID
}

// rejectedDelivery makes a delivery whose one attempt a destination
// answered with 500, so that get_delivery has an answer to fetch.
func (s *seeded) rejectedDelivery(tb testing.TB) (eventID, ruleID string) {
	tb.Helper()
	dest := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte(`{"error":"boom"}`))
	}))
	tb.Cleanup(dest.Close)
	ruleID = s.webhookRule(tb, "Rejecting", dest.URL+"/hook", "order.rejected")
	sent, err := s.direct.SendEvent(context.Background(), meshesapi.EventInput{Workspace: s.rows, Event: "order.rejected", Payload: json.RawMessage(`{"email":"x@example.com"}`)})
	if err != nil {
		tb.Fatal(err)
	}
	s.waitFailed(tb, sent.ID, ruleID)
	return sent.ID, ruleID
}

// waitFailed waits until the event's delivery through the rule has failed.
func (s *seeded) waitFailed(tb testing.TB, eventID, ruleID string) {
	tb.Helper()
	poll.Until(tb, fmt.Sprintf("the delivery of event %s through rule %s to fail", eventID, ruleID), func() bool {
		e, err := s.direct.GetEvent(context.Background(), eventID)
		if err != nil {
			tb.Fatal(err)
		}
		return slices.ContainsFunc(e.RuleEvents, func(re meshesapi.RuleEvent) bool { return re.Rule == ruleID && re.Status == "failed" })
	})
}

// session mints an embed session of a workspace, directly.
func (s *seeded) session(tb testing.TB, workspace string) string {
	tb.Helper()
	sess, err := s.direct.CreateSession(context.Background(), meshesapi.CreateSessionRequest{WorkspaceID: workspace})
	if err != nil {
		tb.Fatal(err)
	}
	return sess.SessionID
}

// unique is a connection name not used before.
func (s *seeded) unique(prefix string) string { return fmt.Sprintf("%s %d", prefix, s.names.Add(1)) }

// toolRow is one measured call: args builds its arguments (outside the
// measurement); max is its bound in round trips, unconfined and confined,
// derived from the depth of its data dependencies; wantError is a call that
// must fail after the reads that decide it.
type toolRow struct {
	name      string
	tool      string
	args      func(tb testing.TB) map[string]any
	max       [2]int
	wantError string
}

// calls are the measured rows. Confined means a workspace allowlist of the
// busy workspace, the rows workspace and Acme Production, in that order:
// objects named by id are looked up first, all in one wave.
func (s *seeded) calls() []toolRow {
	fixed := func(args map[string]any) func(testing.TB) map[string]any {
		return func(testing.TB) map[string]any { return args }
	}
	return []toolRow{
		// The integration catalog, the workspace, its connections and its
		// rules; then each connection's default mapping.
		{name: "export_workspace", tool: "export_workspace", args: fixed(map[string]any{"workspace_id": s.acme}), max: [2]int{2, 2}},
		{name: "plan_blueprint_by_id", tool: "plan_blueprint", args: fixed(map[string]any{"workspace_id": s.acme, "blueprint": s.blueprint}), max: [2]int{2, 2}},
		// By name, the workspace's id comes from the list of workspaces.
		{name: "plan_blueprint_by_name", tool: "plan_blueprint", args: fixed(map[string]any{"workspace_name": "Acme Production", "blueprint": s.blueprint}), max: [2]int{3, 3}},
		// The plan's reads; each step would add one, in order.
		{name: "apply_blueprint_nothing_to_do", tool: "apply_blueprint", args: fixed(map[string]any{"workspace_id": s.acme, "blueprint": s.blueprint, "secrets": s.secrets}), max: [2]int{2, 2}},
		// The event and the attempts; then the destination's answer.
		// Confined, the event and the rule are looked up first.
		{name: "get_delivery", tool: "get_delivery", args: fixed(map[string]any{"event_id": s.rejected, "rule_id": s.rejecter}), max: [2]int{2, 3}},
		// The event says the delivery has ended: no cancel is sent.
		{name: "cancel_delivery_ended", tool: "cancel_delivery", args: fixed(map[string]any{"event_id": s.ended, "rule_id": s.hookRule}), max: [2]int{1, 1}, wantError: "already failed"},
		{name: "retry_delivery", tool: "retry_delivery", args: s.freshFailure, max: [2]int{1, 2}},
		// The create and the integration's catalog entry, together.
		{name: "create_connection", tool: "create_connection", args: func(testing.TB) map[string]any {
			return map[string]any{"workspace_id": s.rows, "type": "slack", "name": s.unique("Chat"), "metadata": map[string]any{}}
		}, max: [2]int{1, 1}},
		// The stored secrets, the update, the read back that checks them.
		{name: "update_connection_keeping_secret", tool: "update_connection", args: func(testing.TB) map[string]any {
			return map[string]any{"connection_id": s.kept, "name": s.unique("Kept"),
				"metadata": map[string]any{"url": "http://127.0.0.1:9/kept", "auth_scheme": "bearer", "auth_token": schemas.Redacted}}
		}, max: [2]int{3, 3}},
		// The description to keep, then the update.
		{name: "update_workspace_name_only", tool: "update_workspace", args: fixed(map[string]any{"workspace_id": s.rows, "name": "Rows"}), max: [2]int{2, 2}},
		{name: "get_connection_mapping", tool: "get_connection_mapping", args: fixed(map[string]any{"connection_id": s.kept}), max: [2]int{1, 2}},
		{name: "create_session", tool: "create_session", args: fixed(map[string]any{"workspace_id": s.rows}), max: [2]int{1, 1}},
		// Confined, the session is searched for among the allowed
		// workspaces' sessions, all in one wave; this one is in the last.
		{name: "revoke_session_last_workspace", tool: "revoke_session", args: func(tb testing.TB) map[string]any {
			return map[string]any{"session_id": s.session(tb, s.acme)}
		}, max: [2]int{1, 2}},
		// The lookup reads the event with its payload, which the handler
		// then uses.
		{name: "get_event_payload", tool: "get_event", args: fixed(map[string]any{"event_id": s.ended, "include_payload": true}), max: [2]int{1, 1}},
		// Three batches of up to 100, sent together.
		{name: "send_events_250", tool: "send_events", args: func(testing.TB) map[string]any {
			events := make([]any, 250)
			for i := range events {
				events[i] = map[string]any{"workspace_id": s.rows, "event": "noise.sent", "payload": map[string]any{"n": i + 1}}
			}
			return map[string]any{"events": events}
		}, max: [2]int{1, 1}},
	}
}

// freshFailure sends an order.completed event to the rows workspace and
// waits until its webhook delivery has failed, for retry_delivery.
func (s *seeded) freshFailure(tb testing.TB) map[string]any {
	tb.Helper()
	r, err := s.direct.SendEvent(context.Background(), meshesapi.EventInput{Workspace: s.rows, Event: "order.completed", Payload: json.RawMessage(`{"email":"r@example.com"}`)})
	if err != nil {
		tb.Fatal(err)
	}
	s.waitFailed(tb, r.ID, s.hookRule)
	return map[string]any{"event_id": r.ID, "rule_id": s.hookRule}
}

// agentExportChain is what an agent does to write a workspace down with one
// API call per tool call: the integration catalog (which settings are
// secrets), the workspace, its connections, its rules, then each
// connection's default mapping, one after another.
func agentExportChain(tb testing.TB, client *meshesapi.Client, workspaceID string) {
	ctx := context.Background()
	if _, err := client.ListIntegrations(ctx, meshesapi.Page{}); err != nil {
		tb.Fatal(err)
	}
	if _, err := client.GetWorkspace(ctx, workspaceID); err != nil {
		tb.Fatal(err)
	}
	conns, err := client.ListWorkspaceConnections(ctx, workspaceID, meshesapi.Page{})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := client.ListWorkspaceRules(ctx, workspaceID, meshesapi.RuleFilter{}); err != nil {
		tb.Fatal(err)
	}
	for _, conn := range conns.Records {
		_, _ = client.GetDefaultMapping(ctx, conn.ID)
	}
}

// agentDeliveryChain is an agent's look at one delivery: the event, the
// delivery's attempts, the newest attempt's captured answer.
func agentDeliveryChain(tb testing.TB, client *meshesapi.Client, eventID, ruleID string) {
	ctx := context.Background()
	if _, err := client.GetEvent(ctx, eventID); err != nil {
		tb.Fatal(err)
	}
	attempts, err := client.ListDeliveryAttempts(ctx, eventID, ruleID, meshesapi.Page{})
	if err != nil || len(attempts.Records) == 0 {
		tb.Fatalf("attempts: %v", err)
	}
	if _, err := client.GetAttemptResponse(ctx, eventID, ruleID, attempts.Records[0].ID); err != nil {
		tb.Fatal(err)
	}
}

// call runs one row through cat and returns the round trips and requests
// it made, failing tb when the call's outcome is not the row's.
func (row toolRow) call(tb testing.TB, cat *tools.Catalog, fm *farMeshes, args map[string]any) (waves, requests int) {
	tb.Helper()
	raw, _ := json.Marshal(args)
	fm.reset()
	res, err := cat.Call(context.Background(), row.tool, raw)
	if err != nil {
		tb.Fatal(err)
	}
	waves, requests = fm.counts()
	switch text := resultText(res); {
	case row.wantError == "" && res.IsError:
		tb.Fatalf("%s: %s", row.name, text)
	case row.wantError != "" && (!res.IsError || !strings.Contains(text, row.wantError)):
		tb.Fatalf("%s: %s, want an error saying %q", row.name, text, row.wantError)
	}
	return waves, requests
}

// update_connection reads the connection back after the update to check the
// secrets it kept; that read must reach Meshes, not reuse the read made
// before the update, or the result shows the connection as it was and the
// check proves nothing.
func TestUpdateConnectionReadsTheUpdateBack(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a busy workspace")
	}
	s := newSeeded(t, 0)
	cat, _, fm := s.far(t, 0, false, false)
	var out schemas.UpdateConnectionOutput
	callCatalog(t, cat, "update_connection", map[string]any{"connection_id": s.kept, "name": "Kept Renamed",
		"metadata": map[string]any{"url": "http://127.0.0.1:9/renamed", "auth_scheme": "bearer", "auth_token": schemas.Redacted}}, &out)
	if out.Name != "Kept Renamed" || out.Metadata["url"] != "http://127.0.0.1:9/renamed" || strings.Join(out.KeptSecrets, ",") != "auth_token" {
		t.Errorf("update_connection result = name %q, url %v, kept %v; want the connection as updated, auth_token kept", out.Name, out.Metadata["url"], out.KeptSecrets)
	}
	if _, requests := fm.counts(); requests != 3 {
		t.Errorf("update_connection made %d requests, want 3: read, update, read back", requests)
	}
}

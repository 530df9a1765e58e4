package tools_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// The rest of the catalog's tools that make more than one request to Meshes,
// measured like list_deliveries and diagnose_event: each row is one call,
// its bound is the depth of its data dependencies (a request that needs an
// id from another answer waits for it; independent reads share a wave), and
// confined rows run with a workspace allowlist, whose object lookups may
// add a wave before the handler runs.

// seeded is the busy workspace plus the sandbox's seeded Acme Production and
// the objects the rows act on.
type seeded struct {
	*busyWorkspace
	direct    *meshesapi.Client
	acme      string
	hookRule  string // the rule of the failed webhook delivery
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
	e, err := s.direct.GetEvent(ctx, s.failed)
	if err != nil {
		tb.Fatal(err)
	}
	for _, re := range e.RuleEvents {
		if re.Status == "failed" {
			s.hookRule = re.Rule
		}
	}
	conn, err := s.direct.CreateConnection(ctx, meshesapi.CreateConnectionRequest{Workspace: s.workspace, Type: "webhook", Name: "Kept",
		Metadata: map[string]any{"url": "http://127.0.0.1:9/kept", "auth_scheme": "bearer", "auth_token": "tok_roundtrips_0123456789abcdef"}})
	if err != nil {
		tb.Fatal(err)
	}
	s.kept = conn.ID
	if s.acme == "" || s.hookRule == "" {
		tb.Fatalf("seed lacks Acme Production (%q) or the failed webhook delivery (%q)", s.acme, s.hookRule)
	}
	cat, _, _ := s.far(tb, 0, false, false)
	var export schemas.ExportWorkspaceOutput
	callCatalog(tb, cat, "export_workspace", map[string]any{"workspace_id": s.acme}, &export)
	s.blueprint = export.Blueprint
	for _, name := range export.Secrets {
		s.secrets = append(s.secrets, schemas.SecretValue{Name: name, Value: "value-of-" + name})
	}
	return s
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
// measurement), max is its bound unconfined and confined, wantError a call
// that must fail (after the reads that decide it).
type toolRow struct {
	name      string
	tool      string
	args      func(tb testing.TB) map[string]any
	max       [2]int
	wantError string
}

func (s *seeded) rows() []toolRow {
	fixed := func(args map[string]any) func(testing.TB) map[string]any {
		return func(testing.TB) map[string]any { return args }
	}
	return []toolRow{
		{name: "export_workspace", tool: "export_workspace", args: fixed(map[string]any{"workspace_id": s.acme}), max: [2]int{99, 99}},
		{name: "plan_blueprint_by_id", tool: "plan_blueprint", args: fixed(map[string]any{"workspace_id": s.acme, "blueprint": s.blueprint}), max: [2]int{99, 99}},
		{name: "plan_blueprint_by_name", tool: "plan_blueprint", args: fixed(map[string]any{"workspace_name": "Acme Production", "blueprint": s.blueprint}), max: [2]int{99, 99}},
		{name: "apply_blueprint_nothing_to_do", tool: "apply_blueprint", args: fixed(map[string]any{"workspace_id": s.acme, "blueprint": s.blueprint, "secrets": s.secrets}), max: [2]int{99, 99}},
		{name: "get_delivery", tool: "get_delivery", args: fixed(map[string]any{"event_id": s.failed, "rule_id": s.hookRule}), max: [2]int{99, 99}},
		{name: "cancel_delivery_ended", tool: "cancel_delivery", args: fixed(map[string]any{"event_id": s.failed, "rule_id": s.hookRule}), max: [2]int{99, 99}, wantError: "already failed"},
		{name: "retry_delivery", tool: "retry_delivery", args: s.freshFailure, max: [2]int{99, 99}},
		{name: "create_connection", tool: "create_connection", args: func(testing.TB) map[string]any {
			return map[string]any{"workspace_id": s.workspace, "type": "slack", "name": s.unique("Chat"), "metadata": map[string]any{}}
		}, max: [2]int{99, 99}},
		{name: "update_connection_keeping_secret", tool: "update_connection", args: func(testing.TB) map[string]any {
			return map[string]any{"connection_id": s.kept, "name": s.unique("Kept"),
				"metadata": map[string]any{"url": "http://127.0.0.1:9/kept", "auth_scheme": "bearer", "auth_token": schemas.Redacted}}
		}, max: [2]int{99, 99}},
		{name: "update_workspace_name_only", tool: "update_workspace", args: fixed(map[string]any{"workspace_id": s.workspace, "name": "Busy"}), max: [2]int{99, 99}},
		{name: "get_connection_mapping", tool: "get_connection_mapping", args: fixed(map[string]any{"connection_id": s.kept}), max: [2]int{99, 99}},
		{name: "create_session", tool: "create_session", args: fixed(map[string]any{"workspace_id": s.workspace}), max: [2]int{99, 99}},
		{name: "refresh_session", tool: "refresh_session", args: func(tb testing.TB) map[string]any {
			return map[string]any{"session_id": s.session(tb, s.workspace)}
		}, max: [2]int{99, 99}},
		// Confined, the session is searched for among the allowed
		// workspaces; this one is in the second.
		{name: "revoke_session_second_workspace", tool: "revoke_session", args: func(tb testing.TB) map[string]any {
			return map[string]any{"session_id": s.session(tb, s.acme)}
		}, max: [2]int{99, 99}},
		{name: "list_integrations", tool: "list_integrations", args: fixed(map[string]any{}), max: [2]int{99, 99}},
		{name: "list_connections", tool: "list_connections", args: fixed(map[string]any{"workspace_id": s.acme}), max: [2]int{99, 99}},
		{name: "list_rules", tool: "list_rules", args: fixed(map[string]any{"workspace_id": s.acme}), max: [2]int{99, 99}},
		{name: "get_event_payload", tool: "get_event", args: fixed(map[string]any{"event_id": s.failed, "include_payload": true}), max: [2]int{99, 99}},
		{name: "send_events_250", tool: "send_events", args: func(testing.TB) map[string]any {
			events := make([]any, 250)
			for i := range events {
				events[i] = map[string]any{"workspace_id": s.workspace, "event": "noise.sent", "payload": map[string]any{"n": i + 1}}
			}
			return map[string]any{"events": events}
		}, max: [2]int{99, 99}},
	}
}

// freshFailure sends an order.completed event to the busy workspace and
// waits until its webhook delivery has failed, for retry_delivery.
func (s *seeded) freshFailure(tb testing.TB) map[string]any {
	tb.Helper()
	ctx := context.Background()
	r, err := s.direct.SendEvent(ctx, meshesapi.EventInput{Workspace: s.workspace, Event: "order.completed", Payload: json.RawMessage(`{"email":"r@example.com"}`)})
	if err != nil {
		tb.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		e, err := s.direct.GetEvent(ctx, r.ID)
		if err != nil {
			tb.Fatal(err)
		}
		for _, re := range e.RuleEvents {
			if re.Rule == s.hookRule && re.Status == "failed" {
				return map[string]any{"event_id": r.ID, "rule_id": s.hookRule}
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	tb.Fatal("the new webhook delivery did not fail in time")
	return nil
}

func TestRoundTripsOfEveryTool(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a busy workspace")
	}
	s := newSeeded(t, 50)
	for i, confined := range []bool{false, true} {
		t.Run(fmt.Sprintf("confined=%v", confined), func(t *testing.T) {
			cat, _, fm := s.far(t, 20*time.Millisecond, false, confined, s.acme)
			for _, row := range s.rows() {
				args := row.args(t)
				raw, _ := json.Marshal(args)
				fm.reset()
				res, err := cat.Call(context.Background(), row.tool, raw)
				if err != nil {
					t.Fatal(err)
				}
				waves, requests := fm.counts()
				text := resultText(res)
				switch {
				case row.wantError == "" && res.IsError:
					t.Errorf("%s: %s", row.name, text)
				case row.wantError != "" && (!res.IsError || !strings.Contains(text, row.wantError)):
					t.Errorf("%s: %s, want an error saying %q", row.name, text, row.wantError)
				}
				t.Logf("%-34s %d round trips, %d requests", row.name, waves, requests)
				if waves > row.max[i] {
					t.Errorf("%s took %d round trips (%d requests), want at most %d", row.name, waves, requests, row.max[i])
				}
			}
		})
	}
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

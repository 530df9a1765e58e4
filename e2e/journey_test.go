package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/poll"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// TestDeliveryDebuggingJourney is the multi-step journey: a tenant
// routes signups to a webhook whose receiver is broken; the agent finds the
// failure, diagnoses it, and once the receiver is fixed retries the delivery
// to completion, following the server's own suggested call.
func TestDeliveryDebuggingJourney(t *testing.T) {
	f := newFixture(t)
	var healthy atomic.Bool
	var received atomic.Int64
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		received.Add(1)
		if !healthy.Load() {
			http.Error(w, "database unavailable", http.StatusInternalServerError)
		}
	}))
	defer receiver.Close()
	c := connect(t, f.env(t))

	var ws schemas.CreateWorkspaceOutput
	ok(t, c, "create_workspace", map[string]any{"name": "Journey Tenant"}, &ws)
	var conn schemas.CreateConnectionOutput
	ok(t, c, "create_connection", map[string]any{"workspace_id": ws.ID, "type": "webhook", "name": "Signup Hook",
		"metadata": map[string]any{"url": receiver.URL + "/signups"}}, &conn)
	var rule schemas.CreateRuleOutput
	ok(t, c, "create_rule", map[string]any{"workspace_id": ws.ID, "connection_id": conn.ID, "event": "user.signup", "action": "send_webhook"}, &rule)
	var sent schemas.SendEventOutput
	ok(t, c, "send_event", map[string]any{"workspace_id": ws.ID, "event": "user.signup", "payload": map[string]any{"email": "jo@example.com"}}, &sent)

	// list_deliveries shows the failure.
	var failed schemas.ListDeliveriesOutput
	poll.Until(t, "the delivery to fail", func() bool {
		ok(t, c, "list_deliveries", map[string]any{"workspace_id": ws.ID, "status": "failed"}, &failed)
		return failed.Count == 1
	})
	d := failed.Deliveries[0]
	if d.EventID != sent.EventID || d.Rule != rule.ID || d.Connection != conn.ID || !strings.Contains(d.LastError, "500") {
		t.Fatalf("failed delivery = %+v", d)
	}

	// diagnose_event names the cause and the call that fixes it.
	var diag schemas.DiagnoseEventOutput
	ok(t, c, "diagnose_event", map[string]any{"event_id": sent.EventID}, &diag)
	if len(diag.Findings) != 1 {
		t.Fatalf("findings = %+v", diag.Findings)
	}
	finding := diag.Findings[0]
	if finding.Severity != "error" || !strings.Contains(finding.Cause, "failed on its side") || finding.OutcomeCode != "rejected_server_error" ||
		!strings.Contains(finding.Said, "500") || !strings.Contains(finding.Said, "database unavailable") {
		t.Errorf("diagnosis does not quote the destination's 500: %+v", finding)
	}
	if strings.Contains(diag.Summary, "database unavailable") || strings.Contains(finding.What, "database unavailable") {
		t.Errorf("the destination's answer is repeated: %+v / %s", finding, diag.Summary)
	}
	if finding.Next == nil || finding.Next.Tool != "retry_delivery" ||
		finding.Next.Arguments["event_id"] != sent.EventID || finding.Next.Arguments["rule_id"] != rule.ID {
		t.Fatalf("next call = %+v, want retry_delivery for this event and rule", finding.Next)
	}

	// The receiver is fixed; the agent makes exactly the suggested call.
	healthy.Store(true)
	var retried schemas.RetryDeliveryOutput
	ok(t, c, finding.Next.Tool, finding.Next.Arguments, &retried)
	var event schemas.GetEventOutput
	poll.Until(t, "the retried delivery to complete", func() bool {
		ok(t, c, "get_event", map[string]any{"event_id": sent.EventID}, &event)
		return event.Status == "completed"
	})
	if event.Deliveries[0].Status != "completed" || event.Deliveries[0].AttemptCount != 2 || received.Load() != 2 {
		t.Errorf("after retry: %+v, receiver saw %d requests", event.Deliveries, received.Load())
	}
	var after schemas.ListDeliveriesOutput
	ok(t, c, "list_deliveries", map[string]any{"workspace_id": ws.ID}, &after)
	if after.ByStatus["completed"] != 1 || after.ByStatus["failed"] != 0 {
		t.Errorf("counts after the fix = %v", after.ByStatus)
	}
}

// The seeded organisation's failures are explained from the connection's
// state and the error: an inactive Mailchimp key, an unreachable webhook.
func TestDiagnoseSeededFailures(t *testing.T) {
	f := newFixture(t)
	c := connect(t, f.env(t))
	var prod string
	var list schemas.ListWorkspacesOutput
	ok(t, c, "list_workspaces", nil, &list)
	for _, w := range list.Workspaces {
		if w.Name == "Acme Production" {
			prod = w.ID
		}
	}
	var failed schemas.ListDeliveriesOutput
	ok(t, c, "list_deliveries", map[string]any{"workspace_id": prod, "status": "failed"}, &failed)
	causes := map[string]string{}
	for _, d := range failed.Deliveries {
		var diag schemas.DiagnoseEventOutput
		ok(t, c, "diagnose_event", map[string]any{"event_id": d.EventID}, &diag)
		for _, fd := range diag.Findings {
			if fd.Severity == "error" {
				causes[d.IntegrationType] = fd.Cause
			}
		}
	}
	if !strings.Contains(causes["mailchimp"], "credentials are invalid") {
		t.Errorf("mailchimp cause = %q", causes["mailchimp"])
	}
	if !strings.Contains(causes["webhook"], "could not be reached") {
		t.Errorf("webhook cause = %q", causes["webhook"])
	}
	var contact schemas.ListEventsOutput
	ok(t, c, "list_events", map[string]any{"workspace_id": prod, "event": "contact.created"}, &contact)
	var diag schemas.DiagnoseEventOutput
	ok(t, c, "diagnose_event", map[string]any{"event_id": contact.Events[0].ID}, &diag)
	if len(diag.Findings) != 1 || !strings.Contains(diag.Findings[0].What, "no rule routes") || diag.Findings[0].Next.Tool != "list_connections" {
		t.Errorf("unrouted event diagnosis = %+v", diag.Findings)
	}
}

// The server tells the model the workflow and offers the two journeys as
// prompts that name the tools to call.
func TestInstructionsAndPrompts(t *testing.T) {
	f := newFixture(t)
	c, err := client.NewStdioMCPClient(binary, f.env(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = "2025-06-18"
	init.Params.ClientInfo = mcp.Implementation{Name: "e2e", Version: "1"}
	res, err := c.Initialize(ctx, init)
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []string{"list_workspaces", "create_connection", "create_rule", "send_event", "get_event", `list_deliveries {status: "failed"}`, "diagnose_event", "get_delivery"} {
		if !strings.Contains(res.Instructions, step) {
			t.Errorf("instructions do not mention %s: %q", step, res.Instructions)
		}
	}
	prompts, err := c.ListPrompts(ctx, mcp.ListPromptsRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, journey := range []string{"debug_failed_deliveries", "provision_tenant"} {
		if !slices.ContainsFunc(prompts.Prompts, func(p mcp.Prompt) bool { return p.Name == journey }) {
			t.Errorf("prompts/list lacks %s: %+v", journey, prompts.Prompts)
		}
	}
	get := mcp.GetPromptRequest{}
	get.Params.Name = "debug_failed_deliveries"
	get.Params.Arguments = map[string]string{"workspace_id": "123e4567-e89b-42d3-a456-426614174000"}
	p, err := c.GetPrompt(ctx, get)
	if err != nil {
		t.Fatal(err)
	}
	body := p.Messages[0].Content.(mcp.TextContent).Text
	for _, want := range []string{"123e4567-e89b-42d3-a456-426614174000", `"status": "failed"`, "diagnose_event", "get_delivery", "cancel_delivery", "retry_delivery"} {
		if !strings.Contains(body, want) {
			t.Errorf("debug prompt does not mention %s", want)
		}
	}
	get.Params.Name = "provision_tenant"
	get.Params.Arguments = map[string]string{"name": "Globex"}
	if p, err = c.GetPrompt(ctx, get); err != nil || !strings.Contains(p.Messages[0].Content.(mcp.TextContent).Text, `"Globex"`) {
		t.Errorf("provision prompt = %+v, %v", p, err)
	}
	// Missing or invalid arguments are the client's error (-32602), named
	// with their rule, never a prompt rendered with a hole in it.
	for args, want := range map[string]string{
		`{}`:                       "workspace_id is required",
		`{"workspace_id": "acme"}`: "workspace_id must be a UUID",
	} {
		get.Params.Name, get.Params.Arguments = "debug_failed_deliveries", nil
		_ = json.Unmarshal([]byte(args), &get.Params.Arguments)
		p, err := c.GetPrompt(ctx, get)
		if !errors.Is(err, mcp.ErrInvalidParams) || !strings.Contains(err.Error(), want) {
			t.Errorf("debug prompt with %s: want -32602 saying %q, got %v (%+v)", args, want, err, p)
		}
	}
}

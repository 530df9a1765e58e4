package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/poll"
	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

var anyUUID = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)

func ops(steps []schemas.PlanStep) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.Op
	}
	return out
}

// writes counts the requests that could change something in Meshes.
func (f *fixture) writes() int {
	return f.requestsMatching("POST ") + f.requestsMatching("PUT ") + f.requestsMatching("DELETE ")
}

func workspaceByName(t *testing.T, c *client.Client, name string) string {
	t.Helper()
	var all schemas.ListWorkspacesOutput
	ok(t, c, "list_workspaces", nil, &all)
	for _, w := range all.Workspaces {
		if w.Name == name {
			return w.ID
		}
	}
	t.Fatalf("no workspace %q", name)
	return ""
}

// secretList is apply_blueprint's secrets argument: name, value, name, value…
func secretList(kv ...string) []any {
	var out []any
	for i := 0; i < len(kv); i += 2 {
		out = append(out, map[string]any{"name": kv[i], "value": kv[i+1]})
	}
	return out
}

func emptyPlan(p *schemas.PlanBlueprintOutput) bool {
	return len(p.Steps) == 0 && len(p.Manual) == 0 && len(p.Waiting) == 0 && len(p.Differs) == 0
}

// TestBlueprintCloneAndPromote clones the seeded "Acme Production" into a
// new tenant (export, plan, apply, the OAuth connections done by a person,
// apply again, an empty plan), then promotes a changed rule from
// Production to the clone.
func TestBlueprintCloneAndPromote(t *testing.T) {
	f := newFixture(t)
	c := connect(t, f.env(t))
	prod := workspaceByName(t, c, "Acme Production")
	// The webhook's stored mapping travels with the blueprint.
	var prodConns schemas.ListConnectionsOutput
	ok(t, c, "list_connections", map[string]any{"workspace_id": prod}, &prodConns)
	mapping := map[string]any{"schema_version": 1, "fields": []any{map[string]any{"dest": "customer_email", "source": map[string]any{"type": "path", "value": "email"}}}}
	for _, conn := range prodConns.Connections {
		if conn.Type == "webhook" {
			ok(t, c, "update_connection_mapping", map[string]any{"connection_id": conn.ID, "schema": mapping}, nil)
		}
	}

	var export schemas.ExportWorkspaceOutput
	ok(t, c, "export_workspace", map[string]any{"workspace_id": prod}, &export)
	bp := export.Blueprint
	raw, _ := json.Marshal(bp)
	if len(bp.Connections) != 4 || len(bp.Rules) != 5 {
		t.Fatalf("blueprint of Acme Production has %d connections and %d rules, want 4 and 5: %s", len(bp.Connections), len(bp.Rules), raw)
	}
	if anyUUID.Match(raw) {
		t.Errorf("blueprint carries ids: %s", raw)
	}
	for _, secret := range []string{"0123456789abcdef0123456789abcdef-us21", "whsec_demo_0123456789", "********", "redacted"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("blueprint carries secret %q: %s", secret, raw)
		}
	}
	wantSecrets := []string{"Mailchimp Newsletter.api_key", "Order Webhook.signing_secret"}
	if !slices.Equal(export.Secrets, wantSecrets) {
		t.Errorf("export secrets = %v, want %v", export.Secrets, wantSecrets)
	}
	secrets := secretList("Mailchimp Newsletter.api_key", "fedcba9876543210fedcba9876543210-us21", "Order Webhook.signing_secret", "whsec_clone_9876543210")

	// Plan for a tenant that does not exist yet: every step, no write.
	writes := f.writes()
	var plan schemas.PlanBlueprintOutput
	plan = schemas.PlanBlueprintOutput{}
	ok(t, c, "plan_blueprint", map[string]any{"blueprint": bp, "workspace_name": "Acme Clone"}, &plan)
	if got, want := ops(plan.Steps), []string{"create_workspace", "create_connection", "create_connection", "store_mapping", "create_rule", "create_rule"}; !slices.Equal(got, want) {
		t.Errorf("plan steps = %v, want %v", got, want)
	}
	if len(plan.Manual) != 2 || len(plan.Waiting) != 3 || !slices.Equal(plan.Secrets, wantSecrets) {
		t.Errorf("plan: manual %v, waiting %v, secrets %v; want the 2 OAuth connections, their 3 rules and both secrets", plan.Manual, plan.Waiting, plan.Secrets)
	}
	if n := f.writes() - writes; n != 0 {
		t.Errorf("plan_blueprint made %d write requests", n)
	}

	progress := testbin.Progress(c)
	res, err := callErr(c, "apply_blueprint", map[string]any{"blueprint": bp, "workspace_name": "Acme Clone", "secrets": secrets}, &mcp.Meta{ProgressToken: "clone"})
	if err != nil || res.IsError {
		t.Fatalf("apply_blueprint: %v %s", err, text(res))
	}
	var applied schemas.ApplyBlueprintOutput
	b, _ := json.Marshal(res.StructuredContent)
	_ = json.Unmarshal(b, &applied)
	if applied.Failed != nil || len(applied.Done) != 6 || applied.WorkspaceID == "" {
		t.Fatalf("apply = %s", b)
	}
	for _, s := range []string{"fedcba9876543210fedcba9876543210-us21", "whsec_clone_9876543210"} {
		if strings.Contains(text(res), s) {
			t.Errorf("apply result shows a secret: %s", text(res))
		}
	}
	poll.Until(t, "a progress notification per step", func() bool { return len(progress()) == 6 })
	clone := applied.WorkspaceID
	var cloneConns schemas.ListConnectionsOutput
	ok(t, c, "list_connections", map[string]any{"workspace_id": clone}, &cloneConns)
	for _, conn := range cloneConns.Connections {
		var m schemas.GetConnectionMappingOutput
		ok(t, c, "get_connection_mapping", map[string]any{"connection_id": conn.ID}, &m)
		if got := m.Status == "stored"; got != (conn.Type == "webhook") || (got && !strings.Contains(fmt.Sprint(m.Schema), "customer_email")) {
			t.Errorf("clone's %s mapping = %s %v", conn.Name, m.Status, m.Schema)
		}
	}

	// A person connects the OAuth accounts in the embedded UI the manual
	// step opens; the sandbox takes a created OAuth connection as connected.
	for _, m := range applied.Manual {
		if m.Call == nil || m.Call.Tool != "create_session" || m.Call.Arguments["workspace_id"] != clone {
			t.Fatalf("manual step without a create_session call for the clone: %+v", m)
		}
		ok(t, c, m.Call.Tool, m.Call.Arguments, nil)
		ok(t, c, "create_connection", map[string]any{"workspace_id": clone, "type": m.Type, "name": m.Connection, "metadata": map[string]any{}}, nil)
	}
	plan = schemas.PlanBlueprintOutput{}
	ok(t, c, "plan_blueprint", map[string]any{"blueprint": bp, "workspace_id": clone}, &plan)
	if got := ops(plan.Steps); !slices.Equal(got, []string{"create_rule", "create_rule", "create_rule"}) || len(plan.Manual) != 0 {
		t.Errorf("plan after the OAuth connections = %v, manual %v; want the 3 waiting rules", got, plan.Manual)
	}
	applied = schemas.ApplyBlueprintOutput{}
	ok(t, c, "apply_blueprint", map[string]any{"blueprint": bp, "workspace_id": clone, "secrets": secrets}, &applied)
	if len(applied.Done) != 3 || applied.Failed != nil {
		t.Errorf("second apply = %+v", applied)
	}
	plan = schemas.PlanBlueprintOutput{}
	ok(t, c, "plan_blueprint", map[string]any{"blueprint": bp, "workspace_id": clone}, &plan)
	if !emptyPlan(&plan) || plan.Unchanged != 10 || len(plan.OnlyInTarget) != 0 {
		t.Errorf("plan after the clone is not empty: %+v", plan)
	}
	writes = f.writes()
	applied = schemas.ApplyBlueprintOutput{}
	ok(t, c, "apply_blueprint", map[string]any{"blueprint": bp, "workspace_id": clone, "secrets": secrets}, &applied)
	if len(applied.Done) != 0 || f.writes() != writes {
		t.Errorf("applying a matching blueprint again changed something: %+v, %d writes", applied, f.writes()-writes)
	}

	// Promote: Production's Slack rule gets a new template (delete and
	// recreate, as rules cannot be edited)...
	var prodRules schemas.ListRulesOutput
	ok(t, c, "list_rules", map[string]any{"workspace_id": prod, "event": "user.signup"}, &prodRules)
	var slackRule schemas.GetRuleOutput
	for _, r := range prodRules.Rules {
		if r.Action == "send_message" {
			ok(t, c, "get_rule", map[string]any{"rule_id": r.ID}, &slackRule)
		}
	}
	ok(t, c, "delete_rule", map[string]any{"rule_id": slackRule.ID}, nil)
	const template = "New signup: {{email}} on {{plan}} (promoted)"
	ok(t, c, "create_rule", map[string]any{"workspace_id": prod, "connection_id": slackRule.Connection, "event": "user.signup",
		"action": "send_message", "metadata": map[string]any{"id": slackRule.Metadata["id"], "template": template}}, nil)
	// and its webhook switches to raw payloads.
	for _, conn := range prodConns.Connections {
		if conn.Type == "webhook" {
			ok(t, c, "update_connection", map[string]any{"connection_id": conn.ID, "name": conn.Name, "metadata": map[string]any{
				"url": "http://127.0.0.1:9/meshes/orders", "payload_mode": "raw", "signing_secret": "whsec_demo_0123456789"}}, nil)
		}
	}
	export = schemas.ExportWorkspaceOutput{}
	ok(t, c, "export_workspace", map[string]any{"workspace_id": prod}, &export)

	plan = schemas.PlanBlueprintOutput{}
	ok(t, c, "plan_blueprint", map[string]any{"blueprint": export.Blueprint, "workspace_id": clone}, &plan)
	if len(plan.Steps) != 0 || len(plan.Differs) != 2 || !strings.HasPrefix(plan.Differs[1].Object, "rule ") {
		t.Fatalf("plan without replace must report the changed connection and rule as differing, not change them: %+v", plan)
	}
	oldRule := plan.Differs[1].ID
	plan = schemas.PlanBlueprintOutput{}
	ok(t, c, "plan_blueprint", map[string]any{"blueprint": export.Blueprint, "workspace_id": clone, "replace": true}, &plan)
	if got := ops(plan.Steps); !slices.Equal(got, []string{"update_connection", "delete_rule", "create_rule"}) || plan.Steps[1].ID != oldRule {
		t.Errorf("plan with replace = %+v, want update_connection, delete_rule %s, create_rule", plan.Steps, oldRule)
	}
	applied = schemas.ApplyBlueprintOutput{}
	ok(t, c, "apply_blueprint", map[string]any{"blueprint": export.Blueprint, "workspace_id": clone, "replace": true, "secrets": secrets}, &applied)
	if len(applied.Done) != 3 || applied.Failed != nil {
		t.Fatalf("promote apply = %+v", applied)
	}
	var hook schemas.GetConnectionOutput
	ok(t, c, "get_connection", map[string]any{"connection_id": applied.Done[0].ID}, &hook)
	if hook.Workspace != clone || hook.Metadata["payload_mode"] != "raw" {
		t.Errorf("promoted connection = %+v", hook)
	}
	var promoted schemas.GetRuleOutput
	ok(t, c, "get_rule", map[string]any{"rule_id": applied.Done[2].ID}, &promoted)
	if promoted.Workspace != clone || promoted.Metadata["template"] != template {
		t.Errorf("promoted rule = %+v", promoted)
	}
	fails(t, c, "get_rule", map[string]any{"rule_id": oldRule}, "not found")
	plan = schemas.PlanBlueprintOutput{}
	ok(t, c, "plan_blueprint", map[string]any{"blueprint": export.Blueprint, "workspace_id": clone}, &plan)
	if !emptyPlan(&plan) {
		t.Errorf("plan after the promotion is not empty: %+v", plan)
	}
}

// TestBlueprintApplyStopsAndResumes applies a blueprint whose second rule
// Meshes refuses (422: the action needs metadata.id): the apply stops there
// and reports exactly what exists; the apply after the fix makes only the
// rest, and the secrets reached the connection.
func TestBlueprintApplyStopsAndResumes(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var auth []string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		auth = append(auth, r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer receiver.Close()
	c := connect(t, f.env(t))
	bp := map[string]any{
		"version": 1,
		"connections": []any{
			map[string]any{"name": "Hook", "type": "webhook", "metadata": map[string]any{"url": receiver.URL + "/in", "auth_scheme": "bearer", "auth_token": "${secret:hook token}"}},
			map[string]any{"name": "News", "type": "mailchimp", "metadata": map[string]any{"data_center": "us1", "api_key": "${secret:mailchimp}"}},
		},
		"rules": []any{
			map[string]any{"event": "order.completed", "connection": "Hook", "action": "send_webhook"},
			map[string]any{"event": "user.signup", "connection": "News", "action": "add_to_list"},
			map[string]any{"event": "user.deleted", "connection": "News", "action": "remove_from_list", "metadata": map[string]any{"id": "list1"}},
		},
	}
	const token = "tok_resume_5f4e3d2c1b0a9988"
	secrets := secretList("hook token", token, "mailchimp", "00112233445566778899aabbccddeeff-us1")
	args := map[string]any{"blueprint": bp, "workspace_name": "Resume Tenant", "secrets": secrets}

	// The stopped apply is an error result that still carries the report.
	res := call(t, c, "apply_blueprint", args)
	var first schemas.ApplyBlueprintOutput
	raw, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(raw, &first); err != nil || !res.IsError || !strings.Contains(text(res), `"remaining"`) {
		t.Fatalf("apply stopped by a failure: isError=%v, %v, %s", res.IsError, err, text(res))
	}
	if got := ops(first.Done); !slices.Equal(got, []string{"create_workspace", "create_connection", "create_connection", "create_rule"}) {
		t.Fatalf("done = %v, want workspace, both connections and the first rule", got)
	}
	if first.Failed == nil || first.Failed.Op != "create_rule" || !strings.Contains(first.Failed.Error, "metadata.id") || len(first.Remaining) != 1 {
		t.Fatalf("failure not reported with its cause and the remaining step: %+v", first)
	}
	if !strings.Contains(first.Summary, "4 steps done") || !strings.Contains(first.Summary, "1 not attempted") {
		t.Errorf("summary = %q", first.Summary)
	}
	ws := first.WorkspaceID
	var conns schemas.ListConnectionsOutput
	ok(t, c, "list_connections", map[string]any{"workspace_id": ws}, &conns)
	var rules schemas.ListRulesOutput
	ok(t, c, "list_rules", map[string]any{"workspace_id": ws}, &rules)
	if conns.Count != 2 || rules.Count != 1 || rules.Rules[0].ID != first.Done[3].ID {
		t.Fatalf("after the failed apply Meshes holds %d connections and %d rules, the report says 2 and 1 (%s)", conns.Count, rules.Count, first.Done[3].ID)
	}

	// The fix: the rule names its list. The resumed apply (by name again)
	// makes the two missing rules and nothing else.
	bp["rules"].([]any)[1].(map[string]any)["metadata"] = map[string]any{"id": "list1"}
	var second schemas.ApplyBlueprintOutput
	ok(t, c, "apply_blueprint", args, &second)
	if got := ops(second.Done); !slices.Equal(got, []string{"create_rule", "create_rule"}) || second.Failed != nil || second.WorkspaceID != ws {
		t.Fatalf("resumed apply = %+v", second)
	}
	ok(t, c, "list_connections", map[string]any{"workspace_id": ws}, &conns)
	ok(t, c, "list_rules", map[string]any{"workspace_id": ws}, &rules)
	if conns.Count != 2 || rules.Count != 3 {
		t.Errorf("after resuming: %d connections, %d rules; want 2 and 3, no duplicates", conns.Count, rules.Count)
	}
	var all schemas.ListWorkspacesOutput
	ok(t, c, "list_workspaces", nil, &all)
	n := 0
	for _, w := range all.Workspaces {
		if w.Name == "Resume Tenant" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d workspaces named Resume Tenant", n)
	}

	// The secret reached the connection: a delivery carries it.
	ok(t, c, "send_event", map[string]any{"workspace_id": ws, "event": "order.completed", "payload": map[string]any{"email": "a@example.com"}}, nil)
	poll.Until(t, "the webhook delivery", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(auth) > 0
	})
	mu.Lock()
	defer mu.Unlock()
	if auth[0] != "Bearer "+token {
		t.Errorf("webhook Authorization = %q, want the secret given to apply_blueprint", auth[0])
	}
}

// TestBlueprintRefusedBeforeAnyRequest: an unknown integration, a missing
// or stray secret, a credential written into the blueprint or a rule on an
// unknown connection are refused with no request to Meshes.
func TestBlueprintRefusedBeforeAnyRequest(t *testing.T) {
	f := newFixture(t)
	c := connect(t, f.env(t))
	conn := func(typ string, md map[string]any) map[string]any {
		return map[string]any{"name": "Hook", "type": typ, "metadata": md}
	}
	bp := func(conns []any, rules []any) map[string]any {
		return map[string]any{"version": 1, "connections": conns, "rules": rules}
	}
	hook := conn("webhook", map[string]any{"url": "https://example.com/in", "signing_secret": "${secret:sig}"})
	tests := []struct {
		tool string
		args map[string]any
		want string
	}{
		{"plan_blueprint", map[string]any{"blueprint": bp([]any{conn("fax", nil)}, []any{}), "workspace_name": "New One"}, "type must be one of"},
		{"apply_blueprint", map[string]any{"blueprint": bp([]any{conn("fax", nil)}, []any{}), "workspace_name": "New One"}, "type must be one of"},
		{"apply_blueprint", map[string]any{"blueprint": bp([]any{hook}, []any{}), "workspace_name": "New One"}, `secrets lacks "sig"`},
		{"apply_blueprint", map[string]any{"blueprint": bp([]any{hook}, []any{}), "workspace_name": "New One", "secrets": secretList("sig", "s3cr3t-value", "sgi", "x")}, `secrets[1].name "sgi" is not a placeholder`},
		{"plan_blueprint", map[string]any{"blueprint": bp([]any{conn("webhook", map[string]any{"url": "https://example.com/in", "signing_secret": "whsec_live_0123456789abcdef"})}, []any{}), "workspace_name": "New One"}, "metadata.signing_secret holds what looks like a credential"},
		{"plan_blueprint", map[string]any{"blueprint": bp([]any{hook}, []any{map[string]any{"event": "a", "connection": "Hoook", "action": "send_webhook"}}), "workspace_name": "New One"}, `"Hoook" is not the name of a connection`},
		{"plan_blueprint", map[string]any{"blueprint": bp([]any{hook}, []any{}), "workspace_id": "123e4567-e89b-42d3-a456-426614174000", "workspace_name": "New One"}, "not both"},
		{"export_workspace", map[string]any{"workspace_id": "acme"}, "workspace_id must be a UUID"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			msg := rejectedBeforeAnyRequest(t, f, c, tt.tool, tt.args, tt.want)
			if strings.Contains(msg, "whsec_live_0123456789abcdef") || strings.Contains(msg, "s3cr3t-value") {
				t.Errorf("error repeats a secret: %s", msg)
			}
		})
	}
}

// TestBlueprintWorkspaceAllowlist: a confined agent may apply to an allowed
// workspace, but not to another one, nor create a new one by name.
func TestBlueprintWorkspaceAllowlist(t *testing.T) {
	f := newFixture(t)
	open := connect(t, f.env(t))
	prod, staging := workspaceByName(t, open, "Acme Production"), workspaceByName(t, open, "Acme Staging")
	var export schemas.ExportWorkspaceOutput
	ok(t, open, "export_workspace", map[string]any{"workspace_id": staging}, &export)

	c := connect(t, f.env(t), "--workspaces", staging)
	writes := f.writes()
	fails(t, c, "export_workspace", map[string]any{"workspace_id": prod}, "outside the workspaces this server may use")
	fails(t, c, "apply_blueprint", map[string]any{"blueprint": export.Blueprint, "workspace_id": prod}, "outside the workspaces this server may use")
	fails(t, c, "apply_blueprint", map[string]any{"blueprint": export.Blueprint, "workspace_name": "Acme Production"}, "creating one is not allowed while a workspace allowlist is in force")
	fails(t, c, "plan_blueprint", map[string]any{"blueprint": export.Blueprint, "workspace_name": "Brand New"}, "creating one is not allowed")
	if n := f.writes() - writes; n != 0 {
		t.Errorf("%d write requests from refused calls", n)
	}
	var plan schemas.PlanBlueprintOutput
	plan = schemas.PlanBlueprintOutput{}
	ok(t, c, "plan_blueprint", map[string]any{"blueprint": export.Blueprint, "workspace_name": "Acme Staging"}, &plan)
	if !emptyPlan(&plan) || plan.WorkspaceID != staging {
		t.Errorf("staging's own blueprint against staging = %+v, want an empty plan", plan)
	}
}

// The provisioning prompt walks the blueprint journey: export the
// reference, plan for the new tenant, show the plan, apply after consent.
func TestProvisionPromptUsesBlueprints(t *testing.T) {
	f := newFixture(t)
	c := connect(t, f.env(t))
	get := mcp.GetPromptRequest{}
	get.Params.Name = "provision_tenant"
	get.Params.Arguments = map[string]string{"name": "Globex", "reference": "Acme Production"}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := c.GetPrompt(ctx, get)
	if err != nil {
		t.Fatal(err)
	}
	body := p.Messages[0].Content.(mcp.TextContent).Text
	order := []string{`"Acme Production"`, "export_workspace", "plan_blueprint", `"Globex"`, "go-ahead", "apply_blueprint", "create_session"}
	rest := body
	for _, want := range order {
		i := strings.Index(rest, want)
		if i < 0 {
			t.Fatalf("provision prompt does not mention %s after the previous step:\n%s", want, body)
		}
		rest = rest[i+len(want):]
	}
}

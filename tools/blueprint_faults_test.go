package tools_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/faultmeshes"
	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// callTool calls a tool through the catalog; a result without structured
// content (an error) comes back as its text.
func callTool[T any](t *testing.T, s *teststack.Stack, name string, args map[string]any) (*T, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	raw, _ := json.Marshal(args)
	res, err := s.Catalog.Call(ctx, name, raw)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b, _ := json.Marshal(res.StructuredContent)
	if res.StructuredContent == nil {
		return nil, mcp.GetTextFromContent(res.Content[0])
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return out, ""
}

func stepOps(steps []schemas.PlanStep) []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.Op
	}
	return out
}

// A rule POST whose answer is lost after Meshes made the rule (a 504 from
// the load balancer) has an unknown outcome: apply stops there, says to
// plan again, and is never retried into a duplicate; the next plan sees the
// rule, and the next apply makes only the rule after it.
func TestApplyStopsAtAnUnknownOutcomeAndResumesWithoutDuplicate(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	bp := map[string]any{"version": 1,
		"connections": []any{map[string]any{"name": "Orders", "type": "webhook", "metadata": map[string]any{"url": "http://127.0.0.1:9/orders"}}},
		"rules": []any{
			map[string]any{"event": "order.completed", "connection": "Orders", "action": "send_webhook"},
			map[string]any{"event": "order.refunded", "connection": "Orders", "action": "send_webhook"},
		}}
	args := map[string]any{"blueprint": bp, "workspace_name": "Lost Answers"}
	s.Proxy.Script("POST", "/api/v1/rules", faultmeshes.Fault{Kind: faultmeshes.GatewayTimeout, Forward: true})

	first, errText := callTool[schemas.ApplyBlueprintOutput](t, s, "apply_blueprint", args)
	if first == nil {
		t.Fatalf("apply_blueprint failed as a call: %s", errText)
	}
	if got := stepOps(first.Done); !slices.Equal(got, []string{"create_workspace", "create_connection"}) {
		t.Errorf("done = %v", got)
	}
	if first.Failed == nil || first.Failed.Op != "create_rule" || !strings.Contains(first.Failed.Error, "Call plan_blueprint again") || len(first.Remaining) != 1 {
		t.Fatalf("unknown outcome not reported as such: %+v", first)
	}
	if n := s.Proxy.Count("POST", "/api/v1/rules"); n != 1 {
		t.Errorf("the rule POST was sent %d times; a POST with an unknown outcome must not be repeated", n)
	}

	plan, errText := callTool[schemas.PlanBlueprintOutput](t, s, "plan_blueprint", args)
	if plan == nil {
		t.Fatal(errText)
	}
	if got := stepOps(plan.Steps); !slices.Equal(got, []string{"create_rule"}) || plan.Unchanged != 2 {
		t.Errorf("plan after the lost answer = %v, unchanged %d; want only the second rule", got, plan.Unchanged)
	}
	second, errText := callTool[schemas.ApplyBlueprintOutput](t, s, "apply_blueprint", args)
	if second == nil || second.Failed != nil || len(second.Done) != 1 {
		t.Fatalf("resumed apply = %+v %s", second, errText)
	}
	rules, _ := callTool[schemas.ListRulesOutput](t, s, "list_rules", map[string]any{"workspace_id": second.WorkspaceID})
	if rules.Count != 2 {
		t.Errorf("%d rules after resuming, want 2", rules.Count)
	}
}

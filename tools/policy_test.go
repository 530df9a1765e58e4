package tools

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

const (
	wsA = "11111111-1111-4111-8111-111111111111"
	wsB = "22222222-2222-4222-8222-222222222222"
)

func TestPolicyNarrowOnlyRestricts(t *testing.T) {
	tests := []struct {
		name             string
		base, req        Policy
		readOnly         bool
		toolset          string
		toolsetAllowed   bool
		workspace        string
		workspaceAllowed bool
	}{
		{"empty narrows nothing", Policy{}, Policy{}, false, "rules", true, wsA, true},
		{"read-only from either side", Policy{}, Policy{ReadOnly: true}, true, "rules", true, wsA, true},
		{"request cannot undo read-only", Policy{ReadOnly: true}, Policy{ReadOnly: false}, true, "rules", true, wsA, true},
		{"request restricts toolsets", Policy{}, Policy{Toolsets: []string{"events"}}, false, "rules", false, wsA, true},
		{"request cannot add a toolset", Policy{Toolsets: []string{"events"}}, Policy{Toolsets: []string{"events", "rules"}}, false, "rules", false, wsA, true},
		{"intersection keeps common toolsets", Policy{Toolsets: []string{"events", "rules"}}, Policy{Toolsets: []string{"rules"}}, false, "rules", true, wsA, true},
		{"disjoint toolsets allow nothing", Policy{Toolsets: []string{"events"}}, Policy{Toolsets: []string{"rules"}}, false, "events", false, wsA, true},
		{"request restricts workspaces", Policy{}, Policy{Workspaces: []string{wsA}}, false, "rules", true, wsB, false},
		{"request cannot add a workspace", Policy{Workspaces: []string{wsA}}, Policy{Workspaces: []string{wsA, wsB}}, false, "rules", true, wsB, false},
		{"disjoint workspaces allow none", Policy{Workspaces: []string{wsA}}, Policy{Workspaces: []string{wsB}}, false, "rules", true, wsA, false},
		{"workspace ids compare case-insensitively", Policy{Workspaces: []string{wsA}}, Policy{}, false, "rules", true, "11111111-1111-4111-8111-111111111111", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.base.Narrow(tt.req)
			if p.ReadOnly != tt.readOnly {
				t.Errorf("ReadOnly = %v", p.ReadOnly)
			}
			if got := p.AllowsToolset(tt.toolset); got != tt.toolsetAllowed {
				t.Errorf("AllowsToolset(%s) = %v", tt.toolset, got)
			}
			if got := p.AllowsWorkspace(tt.workspace); got != tt.workspaceAllowed {
				t.Errorf("AllowsWorkspace(%s) = %v", tt.workspace, got)
			}
			// Narrowing again with anything never widens.
			if again := p.Narrow(Policy{}); again.AllowsToolset(tt.toolset) != tt.toolsetAllowed || again.AllowsWorkspace(tt.workspace) != tt.workspaceAllowed {
				t.Error("narrowing with an empty policy changed the result")
			}
		})
	}
}

func TestParsePolicyLists(t *testing.T) {
	if got, err := ParseToolsets(" Events, rules ,events"); err != nil || !slices.Equal(got, []string{"events", "rules"}) {
		t.Errorf("ParseToolsets = %v, %v", got, err)
	}
	if got, err := ParseToolsets("all"); err != nil || got != nil {
		t.Errorf("ParseToolsets(all) = %v, %v", got, err)
	}
	if _, err := ParseToolsets("events,webhooks"); err == nil {
		t.Error("unknown toolset accepted")
	}
	if got, err := ParseWorkspaces(wsA + "," + wsB); err != nil || len(got) != 2 {
		t.Errorf("ParseWorkspaces = %v, %v", got, err)
	}
	if _, err := ParseWorkspaces("acme"); err == nil {
		t.Error("non-UUID workspace accepted")
	}
	if _, err := New(nil, Options{Policy: Policy{Toolsets: []string{"nope"}}}); err == nil {
		t.Error("New accepted an unknown toolset")
	}
}

func visibleNames(c *Catalog, ctx context.Context) []string {
	var names []string
	for _, tool := range c.filter(ctx, definitions(c)) {
		names = append(names, tool.Name)
	}
	return names
}

func TestFilterAppliesBaseAndRequestPolicy(t *testing.T) {
	c := newTestCatalog(t, Options{Policy: Policy{Toolsets: []string{"workspaces", "events"}}})
	names := visibleNames(c, context.Background())
	if !slices.Contains(names, "send_event") || !slices.Contains(names, "create_workspace") || slices.Contains(names, "create_rule") {
		t.Errorf("base policy not applied: %v", names)
	}
	ctx := WithPolicy(context.Background(), Policy{ReadOnly: true, Toolsets: []string{"events", "rules"}})
	names = visibleNames(c, ctx)
	if want := readToolsOf(c, toolsetEvents); !sameSet(names, want) {
		t.Errorf("narrowed tools = %v, want %v", names, want)
	}
	// Nested narrowing through WithPolicy also only restricts.
	ctx = WithPolicy(ctx, Policy{Toolsets: []string{"workspaces"}})
	if names = visibleNames(c, ctx); len(names) != 0 {
		t.Errorf("second narrowing widened to %v", names)
	}
	confined := newTestCatalog(t, Options{Policy: Policy{Workspaces: []string{wsA}}})
	if slices.Contains(visibleNames(confined, context.Background()), "create_workspace") {
		t.Error("create_workspace offered to an agent confined to workspaces")
	}
}

func TestCallEnforcesPolicy(t *testing.T) {
	c := newTestCatalog(t, Options{Policy: Policy{ReadOnly: true}})
	if _, err := c.Call(context.Background(), "create_workspace", []byte(`{"name":"abc"}`)); err == nil {
		t.Error("read-only catalog ran a write tool")
	}
	if _, err := c.Call(context.Background(), "nope", nil); err == nil {
		t.Error("unknown tool ran")
	}
	ctx := WithPolicy(context.Background(), Policy{Toolsets: []string{"events"}})
	if _, err := c.Call(ctx, "list_workspaces", nil); err == nil {
		t.Error("per-request toolset restriction ignored by Call")
	}
	res, err := c.Call(context.Background(), "list_workspaces", []byte(`{"bogus":1}`))
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(mcp.TextContent).Text, "bogus is not an argument") {
		t.Errorf("bad arguments must be an isError result naming them, got %+v %v", res, err)
	}
}

// readToolsOf names the catalog's read-only tools of the given toolsets.
func readToolsOf(c *Catalog, toolsets ...string) []string {
	var names []string
	for _, tool := range c.All() {
		if tool.ReadOnly && slices.Contains(toolsets, tool.Toolset) {
			names = append(names, tool.Name)
		}
	}
	return names
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func definitions(c *Catalog) []mcp.Tool {
	defs := make([]mcp.Tool, 0, len(c.tools))
	for _, tool := range c.tools {
		defs = append(defs, tool.Definition)
	}
	return defs
}

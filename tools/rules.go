package tools

import (
	"context"
	"maps"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

func (c *Catalog) ruleTools() []Tool {
	return []Tool{
		newTool(reading("list_rules", "List rules", toolsetRules,
			"List routing rules.").inWorkspace("workspace_id"), c.listRules),
		newTool(reading("get_rule", "Get rule", toolsetRules,
			"Get a rule with its action metadata.").onObject(objRule, "rule_id"), c.getRule),
		newTool(writing("create_rule", "Create rule", toolsetRules,
			"Route an event to a connection action.", false, false).inWorkspace("workspace_id").onObject(objConnection, "connection_id"), c.createRule),
		newTool(writing("delete_rule", "Delete rule", toolsetRules,
			"Delete a rule (rules cannot be edited: delete and recreate).", true, true).onObject(objRule, "rule_id"), c.deleteRule),
	}
}

func (c *Catalog) listRules(ctx context.Context, in *schemas.ListRulesInput) (*schemas.ListRulesOutput, error) {
	cur, err := decodeCursor("list_rules", in.Cursor)
	if err != nil {
		return nil, err
	}
	f := meshesapi.RuleFilter{Event: in.Event, Resource: in.Resource, ResourceID: in.ResourceID}
	kept, page, err := pageWhole(ctx, c, "list_rules", cur, c.rulesLister(in.WorkspaceID, f), func(r *meshesapi.Rule) (schemas.Rule, bool) {
		return ruleOut(r, false), visible(ctx, r.Workspace)
	})
	if err != nil {
		return nil, err
	}
	return &schemas.ListRulesOutput{Count: len(kept), Rules: kept, Page: page}, nil
}

func (c *Catalog) getRule(ctx context.Context, in *schemas.GetRuleInput) (*schemas.GetRuleOutput, error) {
	r, err := c.rule(ctx, in.RuleID)
	if err != nil {
		return nil, err
	}
	return &schemas.GetRuleOutput{Rule: ruleOut(r, true)}, nil
}

func (c *Catalog) createRule(ctx context.Context, in *schemas.CreateRuleInput) (*schemas.CreateRuleOutput, error) {
	metadata := maps.Clone(in.Metadata)
	if metadata == nil {
		metadata = map[string]any{}
	}
	metadata["action"] = in.Action
	r, err := c.client.CreateRule(ctx, meshesapi.CreateRuleRequest{
		Workspace: in.WorkspaceID, Connection: in.ConnectionID, Event: in.Event, Metadata: metadata,
		Resource: in.Resource, ResourceID: in.ResourceID, Active: in.Active, Hidden: &in.Hidden,
	})
	if err != nil {
		return nil, err
	}
	return &schemas.CreateRuleOutput{Rule: ruleOut(r, true)}, nil
}

func (c *Catalog) deleteRule(ctx context.Context, in *schemas.DeleteRuleInput) (*schemas.DeleteRuleOutput, error) {
	d, err := c.client.DeleteRule(ctx, in.RuleID)
	if err != nil {
		return nil, err
	}
	id := d.ID
	if id == "" {
		id = in.RuleID
	}
	return &schemas.DeleteRuleOutput{ID: id, Connection: d.Connection, Event: d.Event, Deleted: true}, nil
}

// rulesLister pages through the rules matching f, in one workspace or
// (workspaceID "") across the organisation.
func (c *Catalog) rulesLister(workspaceID string, f meshesapi.RuleFilter) meshesapi.PageFunc[meshesapi.Rule] {
	return func(ctx context.Context, p meshesapi.Page) (*meshesapi.List[meshesapi.Rule], error) {
		f.Page = p
		if workspaceID == "" {
			return c.client.ListRules(ctx, f)
		}
		return c.client.ListWorkspaceRules(ctx, workspaceID, f)
	}
}

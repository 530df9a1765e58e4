package meshesapi

import (
	"context"
)

// ListRules returns the organisation's rules, optionally filtered.
func (c *Client) ListRules(ctx context.Context, f RuleFilter) (*List[Rule], error) {
	return getJSON[List[Rule]](ctx, c, opListRules, f.query())
}

// CreateRule routes an event to a connection action (POST /rules → 201 {rule}).
func (c *Client) CreateRule(ctx context.Context, in CreateRuleRequest) (*Rule, error) {
	var out ruleCreated
	if err := c.send(ctx, opCreateRule, request{body: in}, &out, in.Workspace, in.Connection); err != nil {
		return nil, err
	}
	return &out.Rule, nil
}

// GetRule returns one rule.
func (c *Client) GetRule(ctx context.Context, ruleID string) (*Rule, error) {
	return getJSON[Rule](ctx, c, opGetRule, nil, ruleID)
}

// DeleteRule deletes a rule; there is no update, so changing a rule means
// deleting it and creating another.
func (c *Client) DeleteRule(ctx context.Context, ruleID string) (*DeletedRule, error) {
	return call[DeletedRule](ctx, c, opDeleteRule, request{}, ruleID)
}

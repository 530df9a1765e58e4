package meshesapi

import (
	"context"
	"net/http"
)

// ListRules returns the organisation's rules, optionally filtered.
func (c *Client) ListRules(ctx context.Context, f RuleFilter) (*List[Rule], error) {
	return getJSON[List[Rule]](ctx, c, f.query(), "rules")
}

// CreateRule routes an event to a connection action (POST /rules → 201 {rule}).
func (c *Client) CreateRule(ctx context.Context, in CreateRuleRequest) (*Rule, error) {
	var out struct {
		Rule Rule `json:"rule"`
	}
	if err := c.do(ctx, request{method: http.MethodPost, path: "/rules", body: in}, &out); err != nil {
		return nil, err
	}
	return &out.Rule, nil
}

// GetRule returns one rule.
func (c *Client) GetRule(ctx context.Context, ruleID string) (*Rule, error) {
	return getJSON[Rule](ctx, c, nil, "rules", uuidArg("rule_id", ruleID))
}

// DeleteRule deletes a rule; there is no update, so changing a rule means
// deleting it and creating another.
func (c *Client) DeleteRule(ctx context.Context, ruleID string) (*DeletedRule, error) {
	return call[DeletedRule](ctx, c, request{method: http.MethodDelete}, "rules", uuidArg("rule_id", ruleID))
}

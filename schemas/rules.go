package schemas

// Rules toolset (docs/meshes-api.md §5.4, §9).

// ListRulesInput filters the rule list; every filter is an exact match.
type ListRulesInput struct {
	WorkspaceID string `json:"workspace_id,omitempty" jsonschema:"format=uuid" jsonschema_description:"Only this workspace."`
	Event       string `json:"event,omitempty" jsonschema_description:"Only rules for this event."`
	Resource    string `json:"resource,omitempty" jsonschema_description:"Only this resource."`
	ResourceID  string `json:"resource_id,omitempty" jsonschema_description:"Only this resource_id."`
	Cursor      string `json:"cursor,omitempty" jsonschema_description:"Prior next_cursor."`
}

// Rule routes an event to a connection action. Lists leave Metadata out
// but keep its action.
type Rule struct {
	ID         string         `json:"id"`
	Workspace  string         `json:"workspace"`
	Connection string         `json:"connection"`
	Type       string         `json:"type,omitempty"`
	Event      string         `json:"event"`
	Action     string         `json:"action,omitempty"`
	Resource   string         `json:"resource,omitempty"`
	ResourceID string         `json:"resource_id,omitempty"`
	Active     *bool          `json:"active,omitempty"`
	Hidden     *bool          `json:"hidden,omitempty"`
	Metadata   map[string]any `json:"metadata,omitempty"`
	CreatedAt  string         `json:"created_at,omitempty"`
}

// ListRulesOutput lists rules compactly.
type ListRulesOutput struct {
	Count int    `json:"count"`
	Rules []Rule `json:"rules"`
	Page
}

// GetRuleInput names one rule.
type GetRuleInput struct {
	RuleID string `json:"rule_id" jsonschema:"format=uuid" jsonschema_description:"Rule ID."`
}

// GetRuleOutput is the rule with its metadata.
type GetRuleOutput struct {
	Rule
}

// CreateRuleInput routes an event to one connection action. Action is
// lifted out of metadata because every rule needs it.
type CreateRuleInput struct {
	WorkspaceID  string       `json:"workspace_id" jsonschema:"format=uuid" jsonschema_description:"Workspace ID."`
	ConnectionID string       `json:"connection_id" jsonschema:"format=uuid" jsonschema_description:"Connection ID."`
	Event        string       `json:"event" jsonschema:"minLength=1" jsonschema_description:"Event name, e.g. user.signup."`
	Action       string       `json:"action" jsonschema:"minLength=1" jsonschema_description:"Action key (list_integrations), e.g. send_webhook."`
	Metadata     RuleMetadata `json:"metadata,omitempty" jsonschema_description:"Other keys the action needs (list_integrations actions[].fields)."`
	Resource     string       `json:"resource,omitempty" jsonschema_description:"Match only this resource key (list_resources)."`
	ResourceID   string       `json:"resource_id,omitempty" jsonschema:"maxLength=64,pattern=^[A-Za-z0-9._:-]+$" jsonschema_description:"Match only this resource_id."`
	Active       *bool        `json:"active,omitempty" jsonschema:"default=true" jsonschema_description:"false creates the rule switched off: it delivers nothing until recreated."`
	Hidden       bool         `json:"hidden,omitempty" jsonschema:"default=false" jsonschema_description:"Hide in embedded UI."`
}

// Validate rejects a metadata.action that contradicts action.
func (in *CreateRuleInput) Validate() error {
	if a, ok := in.Metadata["action"]; ok && a != in.Action {
		return &FieldError{Field: "metadata.action", Rule: "must be left out or equal action"}
	}
	return nil
}

// CreateRuleOutput is the created rule.
type CreateRuleOutput struct {
	Rule
}

// DeleteRuleInput names the rule to delete.
type DeleteRuleInput struct {
	RuleID string `json:"rule_id" jsonschema:"format=uuid" jsonschema_description:"Rule ID."`
}

// DeleteRuleOutput confirms a deletion.
type DeleteRuleOutput struct {
	ID         string `json:"id"`
	Connection string `json:"connection,omitempty"`
	Event      string `json:"event,omitempty"`
	Deleted    bool   `json:"deleted"`
}

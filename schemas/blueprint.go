package schemas

import (
	"fmt"
	"strings"
)

// Blueprints (docs/blueprints.md): a workspace's connections, default
// mappings and rules as a portable document. Objects are named, never
// identified: connections by name, rules by what they match and do, so one
// blueprint can be planned against any workspace of any organisation. No
// secret is ever written into one: each is a ${secret:NAME} placeholder whose
// value the apply call supplies.

// BlueprintVersion is the only blueprint format so far.
const BlueprintVersion = 1

// Blueprint is the document export_workspace writes and plan_blueprint and
// apply_blueprint read. Its schema is published as the blueprint property of
// their input schemas and in export_workspace's output schema.
type Blueprint struct {
	Version     int                   `json:"version" jsonschema:"minimum=1,maximum=1" jsonschema_description:"1."`
	Connections []BlueprintConnection `json:"connections" jsonschema_description:"Matched by name."`
	Rules       []BlueprintRule       `json:"rules" jsonschema_description:"Matched by event, resource(_id), connection, action, metadata.id."`
}

// BlueprintConnection is a connection with its non-secret settings and its
// default mapping.
type BlueprintConnection struct {
	Name     string             `json:"name" jsonschema:"maxLength=128,pattern=^[a-zA-Z0-9 _-]+$" jsonschema_description:"Name, unique."`
	Type     string             `json:"type" jsonschema:"enum=activecampaign,enum=aweber,enum=customer_io,enum=discord,enum=hubspot,enum=intercom,enum=mailchimp,enum=mailerlite,enum=pipedrive,enum=resend,enum=salesforce,enum=sendgrid,enum=slack,enum=webhook,enum=zoom" jsonschema_description:"Integration type."`
	Metadata ConnectionMetadata `json:"metadata,omitempty" jsonschema_description:"Settings; each secret as \"${secret:NAME}\"."`
	Mapping  BlueprintMapping   `json:"mapping,omitempty" jsonschema_description:"Stored default mapping (get_connection_mapping schema)."`
}

// BlueprintRule routes an event to an action of a connection named in the
// blueprint.
type BlueprintRule struct {
	Event      string       `json:"event" jsonschema:"minLength=1" jsonschema_description:"Event name."`
	Resource   string       `json:"resource,omitempty" jsonschema_description:"Resource filter."`
	ResourceID string       `json:"resource_id,omitempty" jsonschema:"maxLength=64,pattern=^[A-Za-z0-9._:-]+$" jsonschema_description:"resource_id filter."`
	Connection string       `json:"connection" jsonschema:"minLength=1" jsonschema_description:"Connection name."`
	Action     string       `json:"action" jsonschema:"minLength=1" jsonschema_description:"Action key."`
	Metadata   RuleMetadata `json:"metadata,omitempty" jsonschema_description:"Other action keys."`
	Active     *bool        `json:"active,omitempty" jsonschema_description:"Active."`
}

// Identity is what makes a rule the same rule in two workspaces: what it
// matches, where it goes, which action and which item (metadata.id). Meshes
// refuses a second rule with the same identity, and rules cannot be edited,
// so every other difference (a template, active) is a change to the rule.
func (r BlueprintRule) Identity() string {
	id, _ := r.Metadata["id"].(string)
	// Connection names compare case-insensitively, as connections match.
	return strings.Join([]string{r.Event, r.Resource, r.ResourceID, strings.ToLower(r.Connection), r.Action, id}, "\x00")
}

// Describe names a rule for a person: event, filters, connection, action.
func (r BlueprintRule) Describe() string {
	s := r.Event
	if r.Resource != "" {
		s += " [" + r.Resource
		if r.ResourceID != "" {
			s += "/" + r.ResourceID
		}
		s += "]"
	}
	s += " → " + r.Connection + " " + r.Action
	if id, _ := r.Metadata["id"].(string); id != "" {
		s += " " + id
	}
	return s
}

// BlueprintTarget names the workspace a plan or an apply is for: an existing
// workspace by id, or a workspace by name (created by apply if missing).
type BlueprintTarget struct {
	WorkspaceID   string `json:"workspace_id,omitempty" jsonschema:"format=uuid" jsonschema_description:"Target workspace; or workspace_name."`
	WorkspaceName string `json:"workspace_name,omitempty" jsonschema:"minLength=3,maxLength=50,pattern=^[a-zA-Z0-9 _-]+$" jsonschema_description:"Target by name; created if missing."`
	Replace       bool   `json:"replace,omitempty" jsonschema:"default=false" jsonschema_description:"Also replace what differs."`
}

// Validate requires exactly one way of naming the target.
func (t *BlueprintTarget) Validate() error {
	if (t.WorkspaceID == "") == (t.WorkspaceName == "") {
		return &FieldError{Field: "workspace_id", Rule: "or workspace_name is required, not both: workspace_id for an existing workspace, workspace_name to find or create one by name"}
	}
	return nil
}

// ExportWorkspaceInput names the workspace to export.
type ExportWorkspaceInput struct {
	WorkspaceID string `json:"workspace_id" jsonschema:"format=uuid" jsonschema_description:"Workspace ID."`
}

// ExportWorkspaceOutput is the blueprint of a workspace.
type ExportWorkspaceOutput struct {
	Blueprint Blueprint `json:"blueprint"`
	// Secrets names the placeholders an apply must be given values for.
	Secrets []string `json:"secrets,omitempty" jsonschema_description:"Placeholder names apply_blueprint needs values for."`
	Notice  string   `json:"notice,omitempty"`
}

// PlanBlueprintInput is a blueprint and the workspace to compare it with.
type PlanBlueprintInput struct {
	Blueprint Blueprint `json:"blueprint" jsonschema_description:"From export_workspace."`
	BlueprintTarget
}

// ApplyBlueprintInput is a plan's arguments plus the secrets. Its
// blueprint is checked by plan_blueprint's argument decoder, so the format
// is declared once, in PlanBlueprintInput.
type ApplyBlueprintInput struct {
	Blueprint BlueprintDocument `json:"blueprint" jsonschema_description:"The blueprint, in plan_blueprint's format."`
	BlueprintTarget
	Secrets []SecretValue `json:"secrets,omitempty" jsonschema_description:"A value per ${secret:NAME} of the blueprint."`
}

// SecretValue is the value of one ${secret:NAME} placeholder. A list of
// pairs rather than a map: an object without declared properties is not
// portable across hosts.
type SecretValue struct {
	Name  string `json:"name" jsonschema:"minLength=1" jsonschema_description:"NAME."`
	Value string `json:"value" jsonschema:"minLength=1" jsonschema_description:"The secret."`
}

// PlanStep is one change, in the order apply makes them.
type PlanStep struct {
	// Op is create_workspace, create_connection, update_connection,
	// store_mapping, delete_rule or create_rule.
	Op     string `json:"op"`
	Object string `json:"object" jsonschema_description:"What the step changes, by name."`
	// ID is the existing object a step changes or, in apply results, the
	// object it made.
	ID     string `json:"id,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// PlanItem is an object the plan will not change, with why.
type PlanItem struct {
	Object string `json:"object"`
	ID     string `json:"id,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// ManualStep is what a person must do: connect an OAuth account.
type ManualStep struct {
	Connection string `json:"connection"`
	Type       string `json:"type"`
	Detail     string `json:"detail"`
	// Call is the tool call that starts it (an embed session on the
	// connections page).
	Call *NextCall `json:"call,omitempty"`
}

// Plan is what it takes to make the target match the blueprint.
type Plan struct {
	WorkspaceID   string `json:"workspace_id,omitempty" jsonschema_description:"Target; absent while it is still to be created."`
	WorkspaceName string `json:"workspace_name"`
	// Steps is every change apply will make, in order. Empty: nothing to do.
	Steps []PlanStep `json:"steps"`
	// Manual is what a person must do before the Waiting items can follow.
	Manual []ManualStep `json:"manual,omitempty"`
	// Waiting are objects apply cannot make yet: their connection is an
	// OAuth connection still to be made by a person, or blocked.
	Waiting []PlanItem `json:"waiting,omitempty"`
	// Differs are objects that exist but do not match; apply leaves them
	// unless replace is true.
	Differs []PlanItem `json:"differs,omitempty"`
	// OnlyInTarget are objects the blueprint does not have; never deleted.
	OnlyInTarget []PlanItem `json:"only_in_target,omitempty"`
	Unchanged    int        `json:"unchanged" jsonschema_description:"Objects that already match."`
	// Secrets are the placeholders apply_blueprint needs values for.
	Secrets []string `json:"secrets,omitempty"`
}

// PlanBlueprintOutput is the plan.
type PlanBlueprintOutput struct {
	Plan
	Summary string `json:"summary"`
}

// ApplyBlueprintOutput says what an apply did and what is left.
type ApplyBlueprintOutput struct {
	WorkspaceID string     `json:"workspace_id,omitempty"`
	Done        []PlanStep `json:"done"`
	// Failed is the step that stopped the apply, with Meshes' reason.
	Failed    *FailedStep  `json:"failed,omitempty"`
	Remaining []PlanStep   `json:"remaining,omitempty"`
	Manual    []ManualStep `json:"manual,omitempty"`
	Waiting   []PlanItem   `json:"waiting,omitempty"`
	Differs   []PlanItem   `json:"differs,omitempty"`
	Summary   string       `json:"summary"`
}

// StoppedByFailure makes an apply that stopped at a failed step an error
// result, whose content still says what was done and what remains.
func (o *ApplyBlueprintOutput) StoppedByFailure() bool { return o.Failed != nil }

// FailedStep is the step an apply stopped at.
type FailedStep struct {
	PlanStep
	Error string `json:"error"`
}

// SecretPlaceholder is how a blueprint writes the secret named name.
func SecretPlaceholder(name string) string { return fmt.Sprintf("${secret:%s}", name) }

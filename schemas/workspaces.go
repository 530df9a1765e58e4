package schemas

import (
	"fmt"
	"unicode/utf8"
)

// Workspaces toolset (docs/meshes-api.md §6).

// ListWorkspacesInput takes only a cursor: Meshes does not page this list,
// the server does when the result would be too large.
type ListWorkspacesInput struct {
	Cursor string `json:"cursor,omitempty" jsonschema_description:"Prior next_cursor."`
}

// Workspace is a tenant. PublishableKey is only known to get_workspace.
type Workspace struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Description    string `json:"description,omitempty"`
	CreatedAt      string `json:"created_at,omitempty"`
	UpdatedAt      string `json:"updated_at,omitempty"`
	PublishableKey string `json:"publishable_key,omitempty" jsonschema_description:"Workspace-bound ingestion key; safe in browser code."`
}

// ListWorkspacesOutput lists workspaces compactly.
type ListWorkspacesOutput struct {
	Count      int         `json:"count"`
	Workspaces []Workspace `json:"workspaces"`
	Page
}

// GetWorkspaceInput names one workspace.
type GetWorkspaceInput struct {
	WorkspaceID string `json:"workspace_id" jsonschema:"format=uuid" jsonschema_description:"Workspace ID."`
}

// GetWorkspaceOutput is the workspace with its publishable key.
type GetWorkspaceOutput struct {
	Workspace
}

// CreateWorkspaceInput is a new tenant.
type CreateWorkspaceInput struct {
	Name        string `json:"name" jsonschema:"minLength=3,maxLength=50,pattern=^[a-zA-Z0-9 _-]+$" jsonschema_description:"Unique name."`
	Description string `json:"description,omitempty" jsonschema:"maxLength=1024" jsonschema_description:"Description."`
}

// CreateWorkspaceOutput is the created workspace.
type CreateWorkspaceOutput struct {
	Workspace
}

// UpdateWorkspaceInput replaces name and, when given, description.
type UpdateWorkspaceInput struct {
	WorkspaceID string         `json:"workspace_id" jsonschema:"format=uuid" jsonschema_description:"Workspace ID."`
	Name        string         `json:"name" jsonschema:"minLength=3,maxLength=50,pattern=^[a-zA-Z0-9 _-]+$" jsonschema_description:"Name (resend current to keep)."`
	Description NullableString `json:"description,omitzero" jsonschema:"maxLength=1024" jsonschema_description:"New description; null clears; omit to keep."`
}

// UpdateWorkspaceOutput is the updated workspace.
type UpdateWorkspaceOutput struct {
	Workspace
}

// WorkspaceScopedInput names the workspace whose catalog to list.
type WorkspaceScopedInput struct {
	WorkspaceID string `json:"workspace_id" jsonschema:"format=uuid" jsonschema_description:"Workspace ID."`
}

// ListEventTypesInput names the workspace whose event types to list.
type ListEventTypesInput WorkspaceScopedInput

// ListResourcesInput names the workspace whose resources to list.
type ListResourcesInput WorkspaceScopedInput

// CatalogItem is one event type or resource key of a workspace.
type CatalogItem struct {
	Key         string `json:"key"`
	Label       string `json:"label,omitempty"`
	Description string `json:"description,omitempty"`
	Active      *bool  `json:"active,omitempty"`
}

// ListEventTypesOutput lists the event names a workspace knows.
type ListEventTypesOutput struct {
	Count      int           `json:"count"`
	EventTypes []CatalogItem `json:"event_types"`
	Notice     string        `json:"notice,omitempty" jsonschema_description:"Why the list was cut short."`
}

// ListResourcesOutput lists the resource keys a workspace knows.
type ListResourcesOutput struct {
	Count     int           `json:"count"`
	Resources []CatalogItem `json:"resources"`
	Notice    string        `json:"notice,omitempty" jsonschema_description:"Why the list was cut short."`
}

// maxDescription is Meshes' limit on a workspace description, too long for a
// pattern (see portable.go), so it is checked here; the schema states it.
const maxDescription = 1024

// Validate enforces the description limit the schema states in words.
func (in *CreateWorkspaceInput) Validate() error { return checkDescription(in.Description) }

// Validate enforces the description limit the schema states in words.
func (in *UpdateWorkspaceInput) Validate() error { return checkDescription(in.Description.Value) }

func checkDescription(s string) error {
	if n := utf8.RuneCountInString(s); n > maxDescription {
		return &FieldError{Field: "description", Rule: fmt.Sprintf("must have at most %d characters, not %d", maxDescription, n)}
	}
	return nil
}

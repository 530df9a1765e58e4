package schemas

// Workspaces toolset (contract §6).

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

package schemas

// Connections toolset (docs/meshes-api.md §7, §8, §13).

// ListConnectionsInput optionally narrows the list to one workspace.
type ListConnectionsInput struct {
	WorkspaceID string `json:"workspace_id,omitempty" jsonschema:"format=uuid" jsonschema_description:"Only this workspace."`
	Cursor      string `json:"cursor,omitempty" jsonschema_description:"Prior next_cursor."`
}

// Connection is a configured destination. Lists leave Metadata out.
type Connection struct {
	ID             string         `json:"id"`
	Workspace      string         `json:"workspace"`
	Type           string         `json:"type"`
	Name           string         `json:"name"`
	Active         *bool          `json:"active,omitempty"`
	InactiveReason string         `json:"inactive_reason,omitempty" jsonschema_description:"Why deliveries to it fail: authentication_invalid, oauth_authorization_revoked, oauth_reauthorization_required or manually_inactivated."`
	Hidden         *bool          `json:"hidden,omitempty"`
	Metadata       map[string]any `json:"metadata,omitempty" jsonschema_description:"Configuration; credentials appear as [redacted]."`
	CreatedAt      string         `json:"created_at,omitempty"`
	UpdatedAt      string         `json:"updated_at,omitempty"`
}

// ListConnectionsOutput lists connections compactly.
type ListConnectionsOutput struct {
	Count       int          `json:"count"`
	Connections []Connection `json:"connections"`
	Page
}

// ConnectionIDInput names one connection.
type ConnectionIDInput struct {
	ConnectionID string `json:"connection_id" jsonschema:"format=uuid" jsonschema_description:"Connection ID."`
}

// GetConnectionInput names the connection to read.
type GetConnectionInput ConnectionIDInput

// GetConnectionOutput is the connection with redacted metadata.
type GetConnectionOutput struct {
	Connection
}

// CreateConnectionInput configures a new destination in a workspace. Type
// accepts the union of every source's integration types (docs/meshes-api.md §13.1
// recommends accepting all 15).
type CreateConnectionInput struct {
	WorkspaceID string             `json:"workspace_id" jsonschema:"format=uuid" jsonschema_description:"Workspace ID."`
	Type        string             `json:"type" jsonschema:"enum=activecampaign,enum=aweber,enum=customer_io,enum=discord,enum=hubspot,enum=intercom,enum=mailchimp,enum=mailerlite,enum=pipedrive,enum=resend,enum=salesforce,enum=sendgrid,enum=slack,enum=webhook,enum=zoom" jsonschema_description:"Integration type (list_integrations)."`
	Name        string             `json:"name" jsonschema:"maxLength=128,pattern=^[a-zA-Z0-9 _-]+$" jsonschema_description:"Name unique in the workspace."`
	Metadata    ConnectionMetadata `json:"metadata" jsonschema_description:"Credentials/config keyed by auth_fields of list_integrations (OAuth types: use the dashboard)."`
	Hidden      bool               `json:"hidden,omitempty" jsonschema:"default=false" jsonschema_description:"Hide in embedded UI."`
}

// CreateConnectionOutput is the created connection, credentials redacted.
type CreateConnectionOutput struct {
	Connection
	Notice string `json:"notice,omitempty" jsonschema_description:"What the connection still needs before it can deliver."`
}

// UpdateConnectionInput replaces name and metadata. A stored secret is
// never dropped by leaving it out: each must be given (a new value, or the
// Redacted placeholder a read shows, to keep it) or named in RemoveSecrets.
type UpdateConnectionInput struct {
	ConnectionID  string             `json:"connection_id" jsonschema:"format=uuid" jsonschema_description:"Connection ID."`
	Name          string             `json:"name" jsonschema:"maxLength=128,pattern=^[a-zA-Z0-9 _-]+$" jsonschema_description:"Name (resend current to keep)."`
	Metadata      ConnectionMetadata `json:"metadata" jsonschema_description:"Full new metadata; a stored secret: new value or \"[redacted]\" to keep it."`
	Hidden        *bool              `json:"hidden,omitempty" jsonschema_description:"Hide in embedded UI; omit to keep."`
	RemoveSecrets []string           `json:"remove_secrets,omitempty" jsonschema:"maxItems=32" jsonschema_description:"Stored secrets to delete by path, e.g. api_key."`
}

// UpdateConnectionOutput is the updated connection as read back, credentials
// redacted, with the stored secrets the update kept and removed.
type UpdateConnectionOutput struct {
	Connection
	KeptSecrets    []string `json:"kept_secrets,omitempty"`
	RemovedSecrets []string `json:"removed_secrets,omitempty"`
}

// DeleteConnectionInput names the connection to delete.
type DeleteConnectionInput struct {
	ConnectionID string `json:"connection_id" jsonschema:"format=uuid" jsonschema_description:"Connection ID."`
	ForceDelete  bool   `json:"force_delete,omitempty" jsonschema:"default=false" jsonschema_description:"Delete even while rules use it."`
}

// DeleteConnectionOutput confirms a deletion.
type DeleteConnectionOutput struct {
	ID      string `json:"id"`
	Type    string `json:"type,omitempty"`
	Deleted bool   `json:"deleted"`
}

// ListConnectionActionsInput names the connection whose live data to read.
type ListConnectionActionsInput ConnectionIDInput

// ListConnectionActionsOutput carries Meshes' live action data verbatim:
// its shape is unpublished (docs/meshes-api.md §17 q16).
type ListConnectionActionsOutput struct {
	ConnectionID string `json:"connection_id"`
	Actions      any    `json:"actions" jsonschema_description:"Per action: selectable items (lists, tags, channels…) whose id goes in rule metadata.id."`
	Notice       string `json:"notice,omitempty" jsonschema_description:"Why items were left out."`
}

// GetConnectionFieldsInput names the connection whose field catalog to read.
type GetConnectionFieldsInput struct {
	ConnectionID string `json:"connection_id" jsonschema:"format=uuid" jsonschema_description:"Connection ID."`
	Refresh      bool   `json:"refresh,omitempty" jsonschema:"default=false" jsonschema_description:"Re-read fields from the provider."`
}

// Field is one destination field a mapping can write.
type Field struct {
	Key         string         `json:"key" jsonschema_description:"Mapping dest."`
	Label       string         `json:"label,omitempty"`
	Type        string         `json:"type"`
	Description string         `json:"description,omitempty"`
	Constraints map[string]any `json:"constraints,omitempty"`
}

// GetConnectionFieldsOutput is a connection's destination field catalog.
type GetConnectionFieldsOutput struct {
	ConnectionID    string  `json:"connection_id"`
	IntegrationType string  `json:"integration_type"`
	CatalogVersion  string  `json:"catalog_version,omitempty"`
	RefreshedAt     string  `json:"refreshed_at,omitempty"`
	Count           int     `json:"count"`
	Fields          []Field `json:"fields"`
	Notice          string  `json:"notice,omitempty" jsonschema_description:"Why fields were left out."`
}

// GetConnectionMappingInput names the connection whose mapping to read.
type GetConnectionMappingInput ConnectionIDInput

// Mapping is a connection's default field mapping.
type Mapping struct {
	ConnectionID   string         `json:"connection_id"`
	Status         string         `json:"status" jsonschema_description:"stored, or generated (a proposal; nothing saved yet)."`
	MappingID      string         `json:"mapping_id,omitempty"`
	Version        int            `json:"version,omitempty"`
	Name           string         `json:"name,omitempty"`
	CatalogVersion string         `json:"catalog_version,omitempty"`
	Schema         map[string]any `json:"schema"`
}

// GetConnectionMappingOutput is the stored or generated default mapping.
type GetConnectionMappingOutput struct {
	Mapping
}

// UpdateConnectionMappingInput stores a new default mapping version.
// Schema shows the grammar's outline and enums only (MappingDocument): the
// full grammar would triple the tool list every model reads, and the
// decoder in package tools checks it field by field.
type UpdateConnectionMappingInput struct {
	ConnectionID    string          `json:"connection_id" jsonschema:"format=uuid" jsonschema_description:"Connection ID."`
	Schema          MappingDocument `json:"schema" jsonschema_description:"Mapping document."`
	WorkspaceID     string          `json:"workspace_id,omitempty" jsonschema:"format=uuid" jsonschema_description:"Workspace ID."`
	MappingID       string          `json:"mapping_id,omitempty" jsonschema:"format=uuid" jsonschema_description:"Mapping to replace."`
	ExpectedVersion int             `json:"expected_version,omitempty" jsonschema:"minimum=1" jsonschema_description:"Fail if the stored version differs."`
	Name            string          `json:"name,omitempty" jsonschema:"minLength=1,maxLength=64" jsonschema_description:"Display name."`
}

// UpdateConnectionMappingOutput is the stored mapping.
type UpdateConnectionMappingOutput struct {
	Mapping
}

// ListIntegrationsInput optionally narrows the catalog to one type.
type ListIntegrationsInput struct {
	Type string `json:"type,omitempty" jsonschema_description:"Only this type, e.g. hubspot."`
}

// AuthField is one key a connection's metadata needs, with what a first
// create_connection must get right: the allowed values and defaults of
// select fields, and which values are credentials.
type AuthField struct {
	Key      string   `json:"key"`
	Label    string   `json:"label,omitempty"`
	Type     string   `json:"type,omitempty"`
	Required bool     `json:"required,omitempty"`
	Secret   bool     `json:"secret,omitempty" jsonschema_description:"A credential: reads show it as [redacted]."`
	Default  string   `json:"default,omitempty"`
	Options  []string `json:"options,omitempty" jsonschema_description:"The allowed values."`
	When     string   `json:"when,omitempty" jsonschema_description:"Used only when this holds, e.g. auth_scheme=basic."`
	Help     string   `json:"help,omitempty"`
}

// Action is one thing a rule can do with a connection.
type Action struct {
	Key    string   `json:"key" jsonschema_description:"Rule action."`
	Label  string   `json:"label,omitempty"`
	Fields []string `json:"fields,omitempty" jsonschema_description:"Rule metadata keys it needs."`
}

// Integration is one catalog entry.
type Integration struct {
	Type       string      `json:"type"`
	Name       string      `json:"name"`
	Auth       string      `json:"auth" jsonschema_description:"api_key, basic, none or oauth."`
	Connect    string      `json:"connect,omitempty" jsonschema_description:"How to connect when create_connection cannot: oauth integrations are authorized by a person."`
	AuthFields []AuthField `json:"auth_fields,omitempty"`
	Actions    []Action    `json:"actions"`
}

// ListIntegrationsOutput is the integration catalog.
type ListIntegrationsOutput struct {
	Count        int           `json:"count"`
	Integrations []Integration `json:"integrations"`
	Notice       string        `json:"notice,omitempty" jsonschema_description:"Why the list was cut short."`
}

package meshesapi

import "encoding/json"

// Wire types for the Meshes API (docs/meshes-api.md §5–§12).
//
// Timestamps stay strings: Meshes only promises RFC 3339, and a strict
// time.Time decode would turn one odd timestamp into a failed call for data the
// caller usually only displays. Optional response fields are pointers or
// omitempty so that "absent" survives a round trip.

// List is the envelope every paginated list operation returns (docs/meshes-api.md §4.4).
type List[T any] struct {
	Count      int     `json:"count"`
	Limit      int     `json:"limit"`
	NextCursor *string `json:"next_cursor"`
	Records    []T     `json:"records"`
}

// Workspace is a tenant (docs/meshes-api.md §5.1). PublishableKey is only present on GetWorkspace.
type Workspace struct {
	ID             string          `json:"id"`
	Name           string          `json:"name"`
	Description    *string         `json:"description"`
	CreatedAt      string          `json:"created_at"`
	UpdatedAt      string          `json:"updated_at"`
	PublishableKey *PublishableKey `json:"publishable_key,omitempty"`
}

// PublishableKey is the workspace-bound ingestion key (docs/meshes-api.md §3.2). It is safe to
// ship in browser code, so unlike the secret key it may be shown to a model.
type PublishableKey struct {
	Name      string `json:"name"`
	PublicKey string `json:"public_key"`
}

// CatalogEntry is one workspace event type or resource (docs/meshes-api.md §5.2).
type CatalogEntry struct {
	ID          string  `json:"id"`
	Key         string  `json:"key"`
	Label       string  `json:"label"`
	Description *string `json:"description"`
	Active      *bool   `json:"active,omitempty"`
	CreatedBy   *string `json:"created_by"`
	CreatedAt   string  `json:"created_at"`
	UpdatedAt   string  `json:"updated_at"`
}

// CreateWorkspaceRequest is the body of POST /workspaces.
type CreateWorkspaceRequest struct {
	Name        string  `json:"name"`
	Description *string `json:"description,omitempty"`
}

// UpdateWorkspaceRequest is the body of PUT /workspaces/{id}. Description is
// always sent: JSON null clears it (docs/meshes-api.md §6), so there is no omitempty.
type UpdateWorkspaceRequest struct {
	Name        string  `json:"name"`
	Description *string `json:"description"`
}

// Connection is a configured destination in one workspace (docs/meshes-api.md §5.3).
type Connection struct {
	ID             string         `json:"id"`
	Workspace      string         `json:"workspace"`
	Type           string         `json:"type"`
	Name           string         `json:"name"`
	Metadata       map[string]any `json:"metadata"`
	ActionData     map[string]any `json:"action_data,omitempty"`
	Active         *bool          `json:"active,omitempty"`
	InactiveReason string         `json:"inactive_reason,omitempty"`
	Hidden         *bool          `json:"hidden,omitempty"`
	CreatedBy      string         `json:"created_by"`
	CreatedAt      string         `json:"created_at"`
	UpdatedAt      string         `json:"updated_at"`
}

// CreateConnectionRequest is the body of POST /connections.
type CreateConnectionRequest struct {
	Workspace string         `json:"workspace"`
	Type      string         `json:"type"`
	Name      string         `json:"name"`
	Metadata  map[string]any `json:"metadata"`
	Hidden    *bool          `json:"hidden,omitempty"`
}

// UpdateConnectionRequest is the body of PUT /connections/{id}.
type UpdateConnectionRequest struct {
	Name     string         `json:"name"`
	Metadata map[string]any `json:"metadata"`
	Hidden   *bool          `json:"hidden,omitempty"`
}

// DeletedConnection is the 200 body of DELETE /connections/{id}.
type DeletedConnection struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// FieldCatalog is the destination field catalog of a connection (docs/meshes-api.md §7.3).
type FieldCatalog struct {
	ID              string            `json:"id"`
	WorkspaceID     string            `json:"workspace_id"`
	ConnectionID    string            `json:"connection_id"`
	IntegrationType string            `json:"integration_type"`
	CatalogVersion  string            `json:"catalog_version"`
	RefreshedAt     string            `json:"refreshed_at"`
	CreatedBy       string            `json:"created_by"`
	CreatedAt       string            `json:"created_at"`
	UpdatedAt       string            `json:"updated_at"`
	Fields          []FieldDefinition `json:"fields"`
}

// FieldDefinition is one destination field a mapping can write (docs/meshes-api.md §7.3).
type FieldDefinition struct {
	Key          string            `json:"key"`
	Label        string            `json:"label,omitempty"`
	Type         string            `json:"type"`
	Description  string            `json:"description,omitempty"`
	Constraints  *FieldConstraints `json:"constraints,omitempty"`
	ProviderMeta map[string]any    `json:"provider_meta,omitempty"`
}

// FieldConstraints are the optional limits of a destination field.
type FieldConstraints struct {
	Format        string   `json:"format,omitempty"`
	Required      *bool    `json:"required,omitempty"`
	ReadOnly      *bool    `json:"read_only,omitempty"`
	MaxLength     *int     `json:"max_length,omitempty"`
	MinLength     *int     `json:"min_length,omitempty"`
	Pattern       string   `json:"pattern,omitempty"`
	Min           *float64 `json:"min,omitempty"`
	Max           *float64 `json:"max,omitempty"`
	AllowedValues []string `json:"allowed_values,omitempty"`
}

// MappingResponse is the body of both GET and PUT .../mappings/default (docs/meshes-api.md §7.4).
type MappingResponse struct {
	Status  string  `json:"status"`
	Mapping Mapping `json:"mapping"`
}

// Mapping is one stored (or generated) version of a connection's field mapping.
type Mapping struct {
	ID              string        `json:"id"`
	MappingID       string        `json:"mapping_id"`
	Version         int           `json:"version"`
	WorkspaceID     string        `json:"workspace_id"`
	ConnectionID    string        `json:"connection_id"`
	IntegrationType string        `json:"integration_type"`
	Name            string        `json:"name"`
	Schema          MappingSchema `json:"schema"`
	CatalogVersion  string        `json:"catalog_version,omitempty"`
	CreatedBy       string        `json:"created_by,omitempty"`
	CreatedAt       string        `json:"created_at"`
	UpdatedAt       string        `json:"updated_at"`
}

// PutMappingRequest is the body of PUT .../mappings/default.
type PutMappingRequest struct {
	Schema          MappingSchema `json:"schema"`
	WorkspaceID     string        `json:"workspace_id,omitempty"`
	MappingID       string        `json:"mapping_id,omitempty"`
	ExpectedVersion *int          `json:"expected_version,omitempty"`
	Name            string        `json:"name,omitempty"`
}

// MappingSchema describes how event payload values become destination fields (docs/meshes-api.md §7.5).
type MappingSchema struct {
	SchemaVersion int            `json:"schema_version"`
	Fields        []MappingField `json:"fields"`
	Meta          *MappingMeta   `json:"meta,omitempty"`
}

// MappingMeta is the optional descriptive part of a mapping schema.
type MappingMeta struct {
	Name  string `json:"name,omitempty"`
	Notes string `json:"notes,omitempty"`
}

// MappingField writes one destination field.
type MappingField struct {
	Dest       string             `json:"dest"`
	Source     MappingSource      `json:"source"`
	Transforms []MappingTransform `json:"transforms,omitempty"`
	OnError    string             `json:"on_error,omitempty"`
	Notes      string             `json:"notes,omitempty"`
}

// MappingSource is a literal value or a payload path. Value is raw JSON
// because a literal may legitimately be null, which an `any` with omitempty
// would silently drop.
type MappingSource struct {
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value,omitempty"`
}

// MappingTransform is one step applied to a source value, in order.
type MappingTransform struct {
	Type     string          `json:"type"`
	Timezone string          `json:"timezone,omitempty"`
	Value    json.RawMessage `json:"value,omitempty"`
	Start    *int            `json:"start,omitempty"`
	Length   *int            `json:"length,omitempty"`
}

// Integration is one catalog entry of GET /integrations (docs/meshes-api.md §8).
type Integration struct {
	Type           string                       `json:"type"`
	Name           string                       `json:"name"`
	Authentication IntegrationAuthentication    `json:"authentication"`
	Actions        map[string]IntegrationAction `json:"actions"`
}

// IntegrationAuthentication says which credentials a connection's metadata needs.
type IntegrationAuthentication struct {
	Type   string            `json:"type"`
	Fields []json.RawMessage `json:"fields,omitempty"`
	OAuth  *struct {
		Version int `json:"version"`
	} `json:"oauth,omitempty"`
}

// IntegrationAction is one action a rule can perform (metadata.action).
type IntegrationAction struct {
	Key     string            `json:"key"`
	Label   string            `json:"label"`
	Noun    string            `json:"noun"`
	Fields  []string          `json:"fields,omitempty"`
	Data    []json.RawMessage `json:"data,omitempty"`
	Display *struct {
		Label       string `json:"label,omitempty"`
		Description string `json:"description,omitempty"`
	} `json:"display,omitempty"`
}

// Rule routes one event name (optionally narrowed by resource) in a
// workspace to one connection action (docs/meshes-api.md §5.4).
type Rule struct {
	ID         string         `json:"id"`
	Workspace  string         `json:"workspace"`
	Connection string         `json:"connection"`
	Type       string         `json:"type"`
	Event      string         `json:"event"`
	Resource   string         `json:"resource,omitempty"`
	ResourceID string         `json:"resource_id,omitempty"`
	Metadata   map[string]any `json:"metadata"`
	Active     *bool          `json:"active,omitempty"`
	Hidden     *bool          `json:"hidden,omitempty"`
	CreatedBy  string         `json:"created_by"`
	CreatedAt  string         `json:"created_at"`
	UpdatedAt  string         `json:"updated_at"`
}

// RuleFilter narrows GET /rules and GET /workspaces/{id}/rules and selects
// a page of the result.
type RuleFilter struct {
	Page
	Event      string
	Resource   string
	ResourceID string
}

// CreateRuleRequest is the body of POST /rules.
type CreateRuleRequest struct {
	Workspace  string         `json:"workspace"`
	Connection string         `json:"connection"`
	Event      string         `json:"event"`
	Metadata   map[string]any `json:"metadata"`
	Resource   string         `json:"resource,omitempty"`
	ResourceID string         `json:"resource_id,omitempty"`
	Active     *bool          `json:"active,omitempty"`
	Hidden     *bool          `json:"hidden,omitempty"`
}

// DeletedRule is the 200 body of DELETE /rules/{id}.
type DeletedRule struct {
	ID         string `json:"id"`
	Connection string `json:"connection"`
	Type       string `json:"type"`
	Event      string `json:"event"`
	Resource   string `json:"resource,omitempty"`
	ResourceID string `json:"resource_id,omitempty"`
}

// EventInput is one event to ingest (docs/meshes-api.md §10.2). Workspace may be empty only when
// the client sends a publishable key, which implies the workspace.
type EventInput struct {
	Event string `json:"event"`
	// Payload is the event data, a JSON object. It is sent as given: the
	// server passes payloads through from the model without decoding them.
	Payload    json.RawMessage `json:"payload"`
	Resource   string          `json:"resource,omitempty"`
	ResourceID string          `json:"resource_id,omitempty"`
	Workspace  string          `json:"workspace,omitempty"`
}

// EventReceipt is the reduced event the ingestion endpoints return: proof of
// acceptance, without status (delivery is asynchronous).
type EventReceipt struct {
	ID         string `json:"id"`
	Type       string `json:"type,omitempty"`
	Workspace  string `json:"workspace"`
	Event      string `json:"event"`
	Resource   string `json:"resource,omitempty"`
	ResourceID string `json:"resource_id,omitempty"`
	CreatedBy  string `json:"created_by"`
	CreatedAt  string `json:"created_at"`
}

// BulkResult is the 201/207 body of POST /events/bulk (docs/meshes-api.md §10.3). Records are
// index-aligned with the request; each is either a receipt or an error.
type BulkResult struct {
	Count      int          `json:"count"`
	ErrorCount int          `json:"error_count,omitempty"`
	Records    []BulkRecord `json:"records"`
	// Status is the HTTP status: 201 when every item was accepted, 207 when
	// some were rejected.
	Status int `json:"-"`
}

// BulkRecord is one per-item outcome of a bulk ingest: either an accepted
// event (ID set) or a rejection (Message set).
type BulkRecord struct {
	EventReceipt
	Message string          `json:"message,omitempty"`
	Error   json.RawMessage `json:"error,omitempty"`
}

// Accepted reports whether Meshes accepted this item.
func (r BulkRecord) Accepted() bool { return r.ID != "" && r.Message == "" }

// Event is a stored event with its delivery matrix (docs/meshes-api.md §5.7).
type Event struct {
	ID             string         `json:"id"`
	Type           string         `json:"type,omitempty"`
	Workspace      string         `json:"workspace"`
	Event          string         `json:"event"`
	Resource       string         `json:"resource,omitempty"`
	ResourceID     string         `json:"resource_id,omitempty"`
	Status         string         `json:"status"`
	TotalRules     *int           `json:"total_rules,omitempty"`
	CompletedCount *int           `json:"completed_count,omitempty"`
	FailedCount    *int           `json:"failed_count,omitempty"`
	StartedAt      string         `json:"started_at,omitempty"`
	CompletedAt    string         `json:"completed_at,omitempty"`
	CreatedBy      string         `json:"created_by"`
	CreatedAt      string         `json:"created_at"`
	RuleEvents     []RuleEvent    `json:"rule_events,omitempty"`
	Payload        map[string]any `json:"payload,omitempty"`
}

// RuleEvent is one delivery: the record of one event through one rule (docs/meshes-api.md §5.8).
type RuleEvent struct {
	ID              string `json:"id"`
	Type            string `json:"type"`
	Workspace       string `json:"workspace"`
	Event           string `json:"event"`
	EventID         string `json:"event_id"`
	Resource        string `json:"resource,omitempty"`
	ResourceID      string `json:"resource_id,omitempty"`
	Connection      string `json:"connection"`
	Rule            string `json:"rule"`
	IntegrationType string `json:"integration_type"`
	Status          string `json:"status"`
	AttemptCount    int    `json:"attempt_count"`
	StartedAt       string `json:"started_at,omitempty"`
	CompletedAt     string `json:"completed_at,omitempty"`
	LastError       string `json:"last_error,omitempty"`
	CreatedBy       string `json:"created_by"`
	CreatedAt       string `json:"created_at"`
}

// DeliveryAttempt is one try at delivering an event through one rule
// (§10.6). OutcomeCode is one of the Outcome* constants (unknown values are
// kept as sent); Message is Meshes' short result text, which may quote the
// destination.
type DeliveryAttempt struct {
	ID             string `json:"id"`
	RuleEventID    string `json:"rule_event_id,omitempty"`
	EventID        string `json:"event_id,omitempty"`
	RuleID         string `json:"rule_id,omitempty"`
	AttemptNumber  int    `json:"attempt_number,omitempty"`
	StartedAt      string `json:"started_at,omitempty"`
	CompletedAt    string `json:"completed_at,omitempty"`
	DurationMs     *int64 `json:"duration_ms,omitempty"`
	OutcomeCode    string `json:"outcome_code,omitempty"`
	Message        string `json:"message,omitempty"`
	ResponseStatus int    `json:"response_status,omitempty"`
}

// Attempt outcome codes (§10.6).
const (
	OutcomeDelivered           = "delivered"
	OutcomeRejectedClientError = "rejected_client_error"
	OutcomeRejectedServerError = "rejected_server_error"
	OutcomeRateLimited         = "rate_limited"
	OutcomeAuthFailed          = "auth_failed"
	OutcomeTimeout             = "timeout"
	OutcomeNetworkError        = "network_error"
	OutcomeMappingError        = "mapping_error"
	OutcomeInternalError       = "internal_error"
)

// AttemptResponse is the destination's answer to one attempt, as Meshes
// captured it (response-details). Body is an excerpt; BodyTruncated says
// whether more was received.
type AttemptResponse struct {
	AttemptID     string            `json:"attempt_id,omitempty"`
	RuleEventID   string            `json:"rule_event_id,omitempty"`
	OutcomeCode   string            `json:"outcome_code,omitempty"`
	StatusCode    int               `json:"status_code"`
	StatusText    string            `json:"status_text,omitempty"`
	Headers       map[string]string `json:"headers,omitempty"`
	Body          string            `json:"body,omitempty"`
	BodyTruncated bool              `json:"body_truncated,omitempty"`
}

// Page selects one page of a cursor-paginated list. Zero values mean the
// server's defaults.
type Page struct {
	Limit  int
	Cursor string
}

// EventQuery filters GET /workspaces/{id}/events.
type EventQuery struct {
	Page
	Event      string
	Status     string
	Resource   string
	ResourceID string
}

// CreateSessionRequest is the body of POST /sessions (docs/meshes-api.md §12.2). Optional numeric
// fields are pointers so that the server's defaults apply when unset.
type CreateSessionRequest struct {
	WorkspaceID      string   `json:"workspace_id"`
	Role             string   `json:"role,omitempty"`
	SessionType      string   `json:"session_type,omitempty"`
	ExternalUserID   string   `json:"external_user_id,omitempty"`
	TTLSeconds       *int     `json:"ttl_seconds,omitempty"`
	LaunchTTLSeconds *int     `json:"launch_ttl_seconds,omitempty"`
	LaunchPage       string   `json:"launch_page,omitempty"`
	Resource         string   `json:"resource,omitempty"`
	ResourceID       string   `json:"resource_id,omitempty"`
	AllowedOrigins   []string `json:"allowed_origins,omitempty"`
	Scopes           []string `json:"scopes,omitempty"`
}

// Session is a freshly minted embed session (docs/meshes-api.md §12.3). AccessToken and
// LaunchToken are bearer credentials for the embedded UI.
type Session struct {
	SessionID       string  `json:"session_id"`
	AccessToken     string  `json:"access_token"`
	ExpiresIn       float64 `json:"expires_in"`
	ExpiresAt       string  `json:"expires_at"`
	LaunchToken     string  `json:"launch_token"`
	LaunchExpiresAt string  `json:"launch_expires_at"`
	LaunchURL       string  `json:"launch_url"`
	WorkspaceID     string  `json:"workspace_id"`
	Role            string  `json:"role"`
	SessionType     string  `json:"session_type"`
	Resource        string  `json:"resource,omitempty"`
	ResourceID      string  `json:"resource_id,omitempty"`
}

// SessionQuery filters GET /sessions; WorkspaceID is required by the API.
type SessionQuery struct {
	Page
	WorkspaceID string
	Status      string
	Resource    string
	ResourceID  string
}

// SessionRecord is one entry of GET /sessions (docs/meshes-api.md §12.4): no tokens.
type SessionRecord struct {
	SessionID      string `json:"session_id"`
	WorkspaceID    string `json:"workspace_id"`
	Role           string `json:"role"`
	SessionType    string `json:"session_type"`
	Status         string `json:"status"`
	IsExpired      bool   `json:"is_expired"`
	CreatedAt      string `json:"created_at"`
	ExpiresAt      string `json:"expires_at"`
	ExternalUserID string `json:"external_user_id,omitempty"`
	Resource       string `json:"resource,omitempty"`
	ResourceID     string `json:"resource_id,omitempty"`
}

// RefreshedSession is the body of POST /sessions/{id}/refresh (docs/meshes-api.md §12.5).
type RefreshedSession struct {
	SessionID   string  `json:"session_id"`
	AccessToken string  `json:"access_token"`
	ExpiresIn   float64 `json:"expires_in"`
	ExpiresAt   string  `json:"expires_at"`
	WorkspaceID string  `json:"workspace_id"`
	Role        string  `json:"role"`
	SessionType string  `json:"session_type"`
	Resource    string  `json:"resource,omitempty"`
	ResourceID  string  `json:"resource_id,omitempty"`
}

// RevokeResult is the body of DELETE /sessions/{id}.
type RevokeResult struct {
	Revoked bool `json:"revoked"`
}

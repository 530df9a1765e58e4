package schemas

import "slices"

// Sessions toolset (docs/meshes-api.md §12).

// CreateSessionInput mints an embed session; ranges and defaults are the
// contract's (docs/meshes-api.md §12.2).
type CreateSessionInput struct {
	WorkspaceID      string   `json:"workspace_id" jsonschema:"format=uuid" jsonschema_description:"Workspace ID."`
	Role             string   `json:"role,omitempty" jsonschema:"enum=owner,enum=admin,enum=member,default=member" jsonschema_description:"Embedded user's role; reading event payloads needs admin or owner plus scope events.payload:read."`
	SessionType      string   `json:"session_type,omitempty" jsonschema:"enum=workspace,enum=resource,enum=dashboard,default=workspace" jsonschema_description:"resource needs resource+resource_id; dashboard is read-only."`
	ExternalUserID   string   `json:"external_user_id,omitempty" jsonschema:"maxLength=255" jsonschema_description:"Your user's id."`
	TTLSeconds       int      `json:"ttl_seconds,omitempty" jsonschema:"minimum=300,maximum=3600,default=1800" jsonschema_description:"Access-token lifetime in seconds."`
	LaunchTTLSeconds int      `json:"launch_ttl_seconds,omitempty" jsonschema:"minimum=15,maximum=60,default=30" jsonschema_description:"Launch-URL lifetime in seconds."`
	LaunchPage       string   `json:"launch_page,omitempty" jsonschema:"enum=dashboard,enum=connections,enum=rules,enum=events,default=dashboard" jsonschema_description:"Page the embed opens on."`
	Resource         string   `json:"resource,omitempty" jsonschema_description:"Resource key (list_resources), e.g. contacts."`
	ResourceID       string   `json:"resource_id,omitempty" jsonschema_description:"Your app's id for that resource."`
	AllowedOrigins   []string `json:"allowed_origins,omitempty" jsonschema:"maxItems=10" jsonschema_description:"Origins allowed to embed, e.g. https://app.example.com."`
	Scopes           []string `json:"scopes,omitempty" jsonschema:"maxItems=20" jsonschema_description:"Extra permissions; the only one is events.payload:read (payloads; role admin or owner)."`
}

// Validate applies the contract's cross-field rules (docs/meshes-api.md §12.2).
func (in *CreateSessionInput) Validate() error {
	switch in.SessionType {
	case "resource":
		if in.Resource == "" || in.ResourceID == "" {
			return &FieldError{Field: "session_type", Rule: "resource needs both resource and resource_id"}
		}
		if in.LaunchPage == "connections" {
			return &FieldError{Field: "launch_page", Rule: "cannot be connections for a resource session (use dashboard, rules or events)"}
		}
	case "dashboard":
		if in.LaunchPage != "dashboard" {
			return &FieldError{Field: "launch_page", Rule: "must be dashboard for a dashboard session"}
		}
	}
	for _, s := range in.Scopes {
		if s != "events.payload:read" {
			return &FieldError{Field: "scopes", Rule: "may only contain events.payload:read"}
		}
	}
	if slices.Contains(in.AllowedOrigins, "") {
		return &FieldError{Field: "allowed_origins", Rule: "must not contain empty origins"}
	}
	return nil
}

// Session describes an embed session. Tokens are never part of it: they
// are bearer credentials for the embedded UI and belong in the customer's
// backend, not in a model's context.
type Session struct {
	SessionID      string `json:"session_id"`
	WorkspaceID    string `json:"workspace_id"`
	Role           string `json:"role,omitempty"`
	SessionType    string `json:"session_type,omitempty"`
	Status         string `json:"status,omitempty"`
	IsExpired      *bool  `json:"is_expired,omitempty"`
	ExternalUserID string `json:"external_user_id,omitempty"`
	Resource       string `json:"resource,omitempty"`
	ResourceID     string `json:"resource_id,omitempty"`
	CreatedAt      string `json:"created_at,omitempty"`
	ExpiresAt      string `json:"expires_at,omitempty"`
}

// CreateSessionOutput describes the minted session without its tokens.
type CreateSessionOutput struct {
	Session
	LaunchURL       string `json:"launch_url" jsonschema_description:"Embed URL without its launch token (withheld)."`
	LaunchExpiresAt string `json:"launch_expires_at,omitempty"`
	Note            string `json:"note"`
}

// ListSessionsInput pages through a workspace's sessions.
type ListSessionsInput struct {
	WorkspaceID string `json:"workspace_id" jsonschema:"format=uuid" jsonschema_description:"Workspace ID."`
	Limit       int    `json:"limit,omitempty" jsonschema:"minimum=1,maximum=200,default=20" jsonschema_description:"Page size."`
	Cursor      string `json:"cursor,omitempty" jsonschema_description:"Prior next_cursor."`
	Status      string `json:"status,omitempty" jsonschema:"enum=active,enum=revoked" jsonschema_description:"Only this status."`
	Resource    string `json:"resource,omitempty" jsonschema_description:"Only this resource."`
	ResourceID  string `json:"resource_id,omitempty" jsonschema_description:"Only this resource_id."`
}

// ListSessionsOutput is one page of sessions.
type ListSessionsOutput struct {
	Count    int       `json:"count"`
	Sessions []Session `json:"sessions"`
	Page
}

// SessionIDInput names one session.
type SessionIDInput struct {
	SessionID string `json:"session_id" jsonschema:"maxLength=128,pattern=^[A-Za-z0-9_-]+$" jsonschema_description:"Session ID (sess_…)."`
}

// RefreshSessionInput names the session to refresh.
type RefreshSessionInput SessionIDInput

// RefreshSessionOutput describes the refreshed session without its token.
type RefreshSessionOutput struct {
	Session
	ExpiresIn int    `json:"expires_in" jsonschema_description:"Seconds until the new access token expires."`
	Note      string `json:"note"`
}

// RevokeSessionInput names the session to revoke.
type RevokeSessionInput SessionIDInput

// RevokeSessionOutput confirms a revocation.
type RevokeSessionOutput struct {
	SessionID string `json:"session_id"`
	Revoked   bool   `json:"revoked"`
}

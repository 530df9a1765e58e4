package tools

import (
	"context"
	"net/url"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// Embed sessions yield bearer tokens for the customer's embedded UI. Tokens
// never enter results: a model has no use for them and a transcript must
// not hold credentials. The tools still mint, list, refresh and revoke, so
// an agent can verify a tenant's embed configuration end to end.

const tokenNote = "access and launch tokens are withheld from tool results; mint sessions from your backend (POST /api/v1/sessions) to embed"

func (c *Catalog) sessionTools() []Tool {
	return []Tool{
		newTool(writing("create_session", "Create session", toolsetSessions,
			"Mint an embed session for a workspace's UI (tokens withheld).", false, false).inWorkspace("workspace_id"), c.createSession),
		newTool(reading("list_sessions", "List sessions", toolsetSessions,
			"List a workspace's embed sessions.").inWorkspace("workspace_id"), c.listSessions),
		newTool(writing("refresh_session", "Refresh session", toolsetSessions,
			"Extend an embed session with a new access token (withheld).", false, false).onObject(objSession, "session_id"), c.refreshSession),
		newTool(writing("revoke_session", "Revoke session", toolsetSessions,
			"Revoke an embed session.", true, true).onObject(objSession, "session_id"), c.revokeSession),
	}
}

func (c *Catalog) createSession(ctx context.Context, in *schemas.CreateSessionInput) (*schemas.CreateSessionOutput, error) {
	req := meshesapi.CreateSessionRequest{
		WorkspaceID: in.WorkspaceID, Role: in.Role, SessionType: in.SessionType, ExternalUserID: in.ExternalUserID,
		TTLSeconds: &in.TTLSeconds, LaunchTTLSeconds: &in.LaunchTTLSeconds, LaunchPage: in.LaunchPage,
		Resource: in.Resource, ResourceID: in.ResourceID, AllowedOrigins: in.AllowedOrigins, Scopes: in.Scopes,
	}
	s, err := c.client.CreateSession(ctx, req)
	if err != nil {
		return nil, err
	}
	return &schemas.CreateSessionOutput{
		Session: schemas.Session{
			SessionID: s.SessionID, WorkspaceID: s.WorkspaceID, Role: s.Role, SessionType: s.SessionType,
			ExternalUserID: in.ExternalUserID, Resource: s.Resource, ResourceID: s.ResourceID, ExpiresAt: s.ExpiresAt,
		},
		LaunchURL:       withoutQuery(s.LaunchURL),
		LaunchExpiresAt: s.LaunchExpiresAt,
		Note:            tokenNote,
	}, nil
}

// withoutQuery drops the launch token (and anything else) from the query
// and fragment of an embed URL.
func withoutQuery(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	u.RawQuery, u.Fragment, u.User = "", "", nil
	return u.String()
}

func (c *Catalog) listSessions(ctx context.Context, in *schemas.ListSessionsInput) (*schemas.ListSessionsOutput, error) {
	cur, err := decodeCursor("list_sessions", in.Cursor)
	if err != nil {
		return nil, err
	}
	limit := cur.pageSize(in.Limit)
	list, err := c.client.ListSessions(ctx, meshesapi.SessionQuery{
		Page: meshesapi.Page{Limit: limit, Cursor: cur.API}, WorkspaceID: in.WorkspaceID,
		Status: in.Status, Resource: in.Resource, ResourceID: in.ResourceID,
	})
	if err != nil {
		return nil, err
	}
	records := make([]schemas.Session, 0, len(list.Records))
	for _, r := range list.Records {
		expired := r.IsExpired
		records = append(records, schemas.Session{
			SessionID: r.SessionID, WorkspaceID: r.WorkspaceID, Role: r.Role, SessionType: r.SessionType,
			Status: r.Status, IsExpired: &expired, ExternalUserID: r.ExternalUserID, Resource: r.Resource,
			ResourceID: r.ResourceID, CreatedAt: r.CreatedAt, ExpiresAt: r.ExpiresAt,
		})
	}
	kept, next := window(records, cur.Offset, c.budget())
	var page schemas.Page
	switch {
	case next >= 0:
		page.NextCursor = cursor{Tool: "list_sessions", API: cur.API, Offset: next, Limit: limit}.encode()
		page.Notice = "cut short to keep the result small; call again with cursor for the rest"
	case list.NextCursor != nil && *list.NextCursor != "" && *list.NextCursor != cur.API:
		page.NextCursor = cursor{Tool: "list_sessions", API: *list.NextCursor}.encode()
	}
	return &schemas.ListSessionsOutput{Count: len(kept), Sessions: kept, Page: page}, nil
}

func (c *Catalog) refreshSession(ctx context.Context, in *schemas.RefreshSessionInput) (*schemas.RefreshSessionOutput, error) {
	s, err := c.client.RefreshSession(ctx, in.SessionID)
	if err != nil {
		return nil, err
	}
	return &schemas.RefreshSessionOutput{
		Session: schemas.Session{
			SessionID: s.SessionID, WorkspaceID: s.WorkspaceID, Role: s.Role, SessionType: s.SessionType,
			Resource: s.Resource, ResourceID: s.ResourceID, ExpiresAt: s.ExpiresAt,
		},
		ExpiresIn: int(s.ExpiresIn),
		Note:      tokenNote,
	}, nil
}

func (c *Catalog) revokeSession(ctx context.Context, in *schemas.RevokeSessionInput) (*schemas.RevokeSessionOutput, error) {
	r, err := c.client.RevokeSession(ctx, in.SessionID)
	if err != nil {
		return nil, err
	}
	return &schemas.RevokeSessionOutput{SessionID: in.SessionID, Revoked: r.Revoked}, nil
}

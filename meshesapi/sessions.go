package meshesapi

import (
	"context"
)

// CreateSession mints an embed session (POST /sessions → 200, not 201).
func (c *Client) CreateSession(ctx context.Context, in CreateSessionRequest) (*Session, error) {
	return call[Session](ctx, c, opCreateSession, request{body: in}, in.WorkspaceID)
}

// ListSessions returns one page of a workspace's embed sessions.
func (c *Client) ListSessions(ctx context.Context, q SessionQuery) (*List[SessionRecord], error) {
	if !IsUUID(q.WorkspaceID) {
		return nil, &ValidationError{Field: "workspace_id", Rule: "is required and must be a UUID"}
	}
	v := pageQuery(q.Page)
	v.Set("workspace_id", q.WorkspaceID)
	setIf(v, "status", q.Status)
	setIf(v, "resource", q.Resource)
	setIf(v, "resource_id", q.ResourceID)
	return getJSON[List[SessionRecord]](ctx, c, opListSessions, v, q.WorkspaceID)
}

// RefreshSession issues a new access token for a mounted embed session.
func (c *Client) RefreshSession(ctx context.Context, sessionID string) (*RefreshedSession, error) {
	return call[RefreshedSession](ctx, c, opRefreshSession, request{}, sessionID)
}

// RevokeSession ends an embed session.
func (c *Client) RevokeSession(ctx context.Context, sessionID string) (*RevokeResult, error) {
	return call[RevokeResult](ctx, c, opRevokeSession, request{}, sessionID)
}

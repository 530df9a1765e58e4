package meshesapi

import (
	"context"
	"net/url"
)

// ListWorkspaces returns one page of the organisation's workspaces.
//
// Meshes leaves open whether limit and cursor are accepted on the
// workspace, connection, rule and integration lists (docs/meshes-api.md §17 q3), yet their
// envelope carries next_cursor and fixtures show pages of 20. Our reading:
// pass back the cursor Meshes returned; the zero Page sends neither.
func (c *Client) ListWorkspaces(ctx context.Context, p Page) (*List[Workspace], error) {
	return getJSON[List[Workspace]](ctx, c, opListWorkspaces, pageQuery(p))
}

// CreateWorkspace creates a tenant (POST /workspaces → 201 {workspace}).
func (c *Client) CreateWorkspace(ctx context.Context, in CreateWorkspaceRequest) (*Workspace, error) {
	var out workspaceCreated
	if err := c.send(ctx, opCreateWorkspace, request{body: in}, &out); err != nil {
		return nil, err
	}
	return &out.Workspace, nil
}

// GetWorkspace returns one workspace including its publishable key.
func (c *Client) GetWorkspace(ctx context.Context, workspaceID string) (*Workspace, error) {
	return getJSON[Workspace](ctx, c, opGetWorkspace, nil, workspaceID)
}

// UpdateWorkspace replaces name and description (a nil description clears it).
func (c *Client) UpdateWorkspace(ctx context.Context, workspaceID string, in UpdateWorkspaceRequest) (*Workspace, error) {
	return call[Workspace](ctx, c, opUpdateWorkspace, request{body: in}, workspaceID)
}

// ListWorkspaceConnections returns the connections of one workspace.
func (c *Client) ListWorkspaceConnections(ctx context.Context, workspaceID string, p Page) (*List[Connection], error) {
	return getJSON[List[Connection]](ctx, c, opListWorkspaceConnections, pageQuery(p), workspaceID)
}

// ListWorkspaceRules returns the rules of one workspace, optionally filtered.
func (c *Client) ListWorkspaceRules(ctx context.Context, workspaceID string, f RuleFilter) (*List[Rule], error) {
	return getJSON[List[Rule]](ctx, c, opListWorkspaceRules, f.query(), workspaceID)
}

// ListWorkspaceEvents returns one page of a workspace's events; the filters
// exist only on this workspace-scoped variant (docs/meshes-api.md §10.1).
func (c *Client) ListWorkspaceEvents(ctx context.Context, workspaceID string, q EventQuery) (*List[Event], error) {
	v := pageQuery(q.Page)
	setIf(v, "event", q.Event)
	setIf(v, "status", q.Status)
	setIf(v, "resource", q.Resource)
	setIf(v, "resource_id", q.ResourceID)
	return getJSON[List[Event]](ctx, c, opListWorkspaceEvents, v, workspaceID)
}

// ListEventTypes returns the workspace's event-type catalog (a bare array).
func (c *Client) ListEventTypes(ctx context.Context, workspaceID string) ([]CatalogEntry, error) {
	out, err := getJSON[[]CatalogEntry](ctx, c, opListEventTypes, nil, workspaceID)
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// ListResources returns the workspace's resource catalog (a bare array).
func (c *Client) ListResources(ctx context.Context, workspaceID string) ([]CatalogEntry, error) {
	out, err := getJSON[[]CatalogEntry](ctx, c, opListResources, nil, workspaceID)
	if err != nil {
		return nil, err
	}
	return *out, nil
}

func (f RuleFilter) query() url.Values {
	v := pageQuery(f.Page)
	setIf(v, "event", f.Event)
	setIf(v, "resource", f.Resource)
	setIf(v, "resource_id", f.ResourceID)
	return v
}

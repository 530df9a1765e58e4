package tools

import (
	"context"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// Workspace confinement. A call that names a workspace outside the allowlist
// is refused outright: the agent chose it. An object reached by its own id
// (connection, rule, event, session) is checked against its workspace before
// it is used, and reported as not found when it lies outside, exactly as if
// it did not exist. Organisation-wide lists are filtered.

// checkWorkspace refuses a workspace the policy does not allow.
func checkWorkspace(ctx context.Context, id string) error {
	pol := policyOf(ctx)
	if pol.AllowsWorkspace(id) {
		return nil
	}
	allowed := "none"
	if len(pol.Workspaces) > 0 {
		allowed = strings.Join(pol.Workspaces, ", ")
	}
	return &refusedError{msg: "workspace " + id + " is outside the workspaces this server may use (allowed: " + allowed + "); use one of those"}
}

// visible reports whether an object of workspace id may be shown.
func visible(ctx context.Context, workspaceID string) bool {
	return policyOf(ctx).AllowsWorkspace(workspaceID)
}

// confined reports whether objects fetched by id must be checked first.
func confined(ctx context.Context) bool { return policyOf(ctx).ConfinedToWorkspaces() }

// guardConnection checks, when confined, that a connection lies inside the
// allowlist before it is changed.
func (c *Catalog) guardConnection(ctx context.Context, id string) error {
	if !confined(ctx) {
		return nil
	}
	_, err := c.connection(ctx, id)
	return err
}

// connection fetches a connection the agent may see.
func (c *Catalog) connection(ctx context.Context, id string) (*meshesapi.Connection, error) {
	conn, err := c.client.GetConnection(ctx, id)
	if err != nil {
		return nil, err
	}
	if !visible(ctx, conn.Workspace) {
		return nil, notFound("connection", id)
	}
	return conn, nil
}

// rule fetches a rule the agent may see.
func (c *Catalog) rule(ctx context.Context, id string) (*meshesapi.Rule, error) {
	r, err := c.client.GetRule(ctx, id)
	if err != nil {
		return nil, err
	}
	if !visible(ctx, r.Workspace) {
		return nil, notFound("rule", id)
	}
	return r, nil
}

// event fetches an event (with its deliveries) the agent may see.
func (c *Catalog) event(ctx context.Context, id string, payload bool) (*meshesapi.Event, error) {
	get := c.client.GetEvent
	if payload {
		get = c.client.GetEventPayload
	}
	e, err := get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !visible(ctx, e.Workspace) {
		return nil, notFound("event", id)
	}
	return e, nil
}

package tools

import (
	"context"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

func (c *Catalog) workspaceTools() []Tool {
	return []Tool{
		newTool(reading("list_workspaces", "List workspaces", toolsetWorkspaces,
			"List workspaces (tenants): ids and names.").orgWide(), c.listWorkspaces),
		newTool(reading("get_workspace", "Get workspace", toolsetWorkspaces,
			"Get a workspace with its publishable key.").onObject(objWorkspace, "workspace_id"), c.getWorkspace),
		newTool(writing("create_workspace", "Create workspace", toolsetWorkspaces,
			"Create a workspace (one per customer tenant).", false, false).createsWorkspace(), c.createWorkspace),
		newTool(writing("update_workspace", "Update workspace", toolsetWorkspaces,
			"Rename a workspace or change its description.", true, true).inWorkspace("workspace_id"), c.updateWorkspace),
		newTool(reading("list_event_types", "List event types", toolsetWorkspaces,
			"List the event names a workspace knows.").inWorkspace("workspace_id"), c.listEventTypes),
		newTool(reading("list_resources", "List resources", toolsetWorkspaces,
			"List a workspace's resource keys.").inWorkspace("workspace_id"), c.listResources),
	}
}

func (c *Catalog) listWorkspaces(ctx context.Context, in *schemas.ListWorkspacesInput) (*schemas.ListWorkspacesOutput, error) {
	cur, err := decodeCursor("list_workspaces", in.Cursor)
	if err != nil {
		return nil, err
	}
	kept, page, err := pageWhole(ctx, c, "list_workspaces", cur, c.client.ListWorkspaces, func(w *meshesapi.Workspace) (schemas.Workspace, bool) {
		return workspaceOut(w, false), visible(ctx, w.ID)
	})
	if err != nil {
		return nil, err
	}
	return &schemas.ListWorkspacesOutput{Count: len(kept), Workspaces: kept, Page: page}, nil
}

func (c *Catalog) getWorkspace(ctx context.Context, in *schemas.GetWorkspaceInput) (*schemas.GetWorkspaceOutput, error) {
	w, err := c.client.GetWorkspace(ctx, in.WorkspaceID)
	if err != nil {
		return nil, err
	}
	return &schemas.GetWorkspaceOutput{Workspace: workspaceOut(w, true)}, nil
}

func (c *Catalog) createWorkspace(ctx context.Context, in *schemas.CreateWorkspaceInput) (*schemas.CreateWorkspaceOutput, error) {
	req := meshesapi.CreateWorkspaceRequest{Name: in.Name}
	if in.Description != "" {
		req.Description = &in.Description
	}
	w, err := c.client.CreateWorkspace(ctx, req)
	if err != nil {
		return nil, err
	}
	return &schemas.CreateWorkspaceOutput{Workspace: workspaceOut(w, true)}, nil
}

// updateWorkspace keeps the current description when none is given: the API
// replaces both fields, and a rename must not silently erase it.
func (c *Catalog) updateWorkspace(ctx context.Context, in *schemas.UpdateWorkspaceInput) (*schemas.UpdateWorkspaceOutput, error) {
	req := meshesapi.UpdateWorkspaceRequest{Name: in.Name}
	switch {
	case in.Description.Set && !in.Description.Null:
		req.Description = &in.Description.Value
	case !in.Description.Set:
		current, err := c.client.GetWorkspace(ctx, in.WorkspaceID)
		if err != nil {
			return nil, err
		}
		req.Description = current.Description
	}
	w, err := c.client.UpdateWorkspace(ctx, in.WorkspaceID, req)
	if err != nil {
		return nil, err
	}
	return &schemas.UpdateWorkspaceOutput{Workspace: workspaceOut(w, true)}, nil
}

// catalogNotice says that list_event_types or list_resources was cut.
const catalogNotice = "showing the first %d of %d entries to keep the result small"

func (c *Catalog) listEventTypes(ctx context.Context, in *schemas.ListEventTypesInput) (*schemas.ListEventTypesOutput, error) {
	entries, err := c.client.ListEventTypes(ctx, in.WorkspaceID)
	if err != nil {
		return nil, err
	}
	items, notice := fitAll(c, catalogOut(entries), catalogNotice)
	return &schemas.ListEventTypesOutput{Count: len(items), EventTypes: items, Notice: notice}, nil
}

func (c *Catalog) listResources(ctx context.Context, in *schemas.ListResourcesInput) (*schemas.ListResourcesOutput, error) {
	entries, err := c.client.ListResources(ctx, in.WorkspaceID)
	if err != nil {
		return nil, err
	}
	items, notice := fitAll(c, catalogOut(entries), catalogNotice)
	return &schemas.ListResourcesOutput{Count: len(items), Resources: items, Notice: notice}, nil
}

package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

func (c *Catalog) connectionTools() []Tool {
	return []Tool{
		newTool(reading("list_connections", "List connections", toolsetConnections,
			"List connections (configured integrations).").inWorkspace("workspace_id"), c.listConnections),
		newTool(reading("get_connection", "Get connection", toolsetConnections,
			"Get a connection: status and metadata (credentials redacted).").onObject(objConnection, "connection_id"), c.getConnection),
		newTool(writing("create_connection", "Create connection", toolsetConnections,
			"Connect an integration in a workspace.", false, false).reachesOut().inWorkspace("workspace_id"), c.createConnection,
			func(in *schemas.CreateConnectionInput) error { return refuseRedacted(in.Metadata) }),
		newTool(writing("update_connection", "Update connection", toolsetConnections,
			"Replace a connection's name and metadata.", true, true).reachesOut().onObject(objConnection, "connection_id"), c.updateConnection),
		newTool(writing("delete_connection", "Delete connection", toolsetConnections,
			"Delete a connection; force_delete also when rules use it.", true, true).onObject(objConnection, "connection_id"), c.deleteConnection),
		newTool(reading("list_connection_actions", "List connection actions", toolsetConnections,
			"Live items (lists, tags, channels…) to pick rule metadata ids from.").reachesOut().onObject(objConnection, "connection_id"), c.listConnectionActions),
		newTool(reading("get_connection_fields", "Get connection fields", toolsetConnections,
			"Destination fields a mapping can write.").reachesOut().onObject(objConnection, "connection_id"), c.getConnectionFields),
		newTool(reading("get_connection_mapping", "Get connection mapping", toolsetConnections,
			"Get a connection's default field mapping.").onObject(objConnection, "connection_id"), c.getConnectionMapping),
		newTool(writing("update_connection_mapping", "Update connection mapping", toolsetConnections,
			"Store a new version of the default field mapping.", true, true).inWorkspace("workspace_id").onObject(objConnection, "connection_id"),
			c.updateConnectionMapping, func(in *schemas.UpdateConnectionMappingInput) error {
				_, err := parseMappingSchema(in.Schema)
				return err
			}),
		newTool(reading("list_integrations", "List integrations", toolsetConnections,
			"Integration catalog: types, credential fields, rule actions.").noWorkspace(), c.listIntegrations),
	}
}

func (c *Catalog) listConnections(ctx context.Context, in *schemas.ListConnectionsInput) (*schemas.ListConnectionsOutput, error) {
	cur, err := decodeCursor("list_connections", in.Cursor)
	if err != nil {
		return nil, err
	}
	fetch := c.client.ListConnections
	if in.WorkspaceID != "" {
		fetch = func(ctx context.Context, p meshesapi.Page) (*meshesapi.List[meshesapi.Connection], error) {
			return c.client.ListWorkspaceConnections(ctx, in.WorkspaceID, p)
		}
	}
	kept, page, err := pageWhole(ctx, c, "list_connections", cur, fetch, func(conn *meshesapi.Connection) (schemas.Connection, bool) {
		return connectionOut(conn, false), visible(ctx, conn.Workspace)
	})
	if err != nil {
		return nil, err
	}
	return &schemas.ListConnectionsOutput{Count: len(kept), Connections: kept, Page: page}, nil
}

func (c *Catalog) getConnection(ctx context.Context, in *schemas.GetConnectionInput) (*schemas.GetConnectionOutput, error) {
	conn, err := c.connection(ctx, in.ConnectionID)
	if err != nil {
		return nil, err
	}
	return &schemas.GetConnectionOutput{Connection: connectionOut(conn, true)}, nil
}

func (c *Catalog) createConnection(ctx context.Context, in *schemas.CreateConnectionInput) (*schemas.CreateConnectionOutput, error) {
	// Known before the call, so that an error quoting them is cleaned too.
	rememberSecrets("new:"+in.WorkspaceID+"/"+in.Name, in.Metadata)
	// The integration's catalog entry (for the OAuth notice) is read
	// alongside the create, not after it: one round trip, not two.
	var conn *meshesapi.Connection
	var integ meshesapi.Integration
	var known bool
	err := inOneWave(ctx, c.log, 2, func(ctx context.Context) (err error) {
		conn, err = c.client.CreateConnection(ctx, meshesapi.CreateConnectionRequest{
			Workspace: in.WorkspaceID, Type: in.Type, Name: in.Name, Metadata: in.Metadata, Hidden: &in.Hidden,
		})
		return err
	}, func(ctx context.Context) error {
		integ, known = c.integration(ctx, in.Type)
		return nil
	})
	if err != nil {
		return nil, err
	}
	rememberSecrets(conn.ID, in.Metadata)
	out := &schemas.CreateConnectionOutput{Connection: connectionOut(conn, true)}
	if known && integ.Authentication.Type == "oauth" {
		out.Notice = in.Type + " connects by OAuth, which an API call cannot grant: this connection cannot deliver until " + oauthConnect
	}
	return out, nil
}

func (c *Catalog) updateConnection(ctx context.Context, in *schemas.UpdateConnectionInput) (*schemas.UpdateConnectionOutput, error) {
	// The stored metadata decides which secrets the call must account for.
	stored, err := c.connection(ctx, in.ConnectionID)
	if err != nil {
		return nil, err
	}
	plan, err := planSecrets(stored.Metadata, in.Metadata, in.RemoveSecrets)
	if err != nil {
		return nil, err
	}
	rememberSecrets(in.ConnectionID, in.Metadata)
	conn, err := c.client.UpdateConnection(ctx, in.ConnectionID, meshesapi.UpdateConnectionRequest{
		Name: in.Name, Metadata: plan.metadata, Hidden: in.Hidden,
	})
	if err != nil {
		return nil, err
	}
	if len(plan.kept) > 0 {
		// Verify that Meshes kept what the placeholder asked to keep, on
		// the connection as it is now, not as the call first read it.
		lookupsOf(ctx).forget(objConnection, in.ConnectionID)
		after, err := c.connection(ctx, in.ConnectionID)
		if err != nil {
			return nil, fmt.Errorf("the update was applied, but reading the connection back to check the kept secrets (%s) failed, so call get_connection to check them: %w",
				strings.Join(plan.kept, ", "), err)
		}
		if lost := plan.lostSecrets(after.Metadata); len(lost) > 0 {
			return nil, fmt.Errorf("the update was applied, but the connection read back has no stored %s although the call asked to keep it: Meshes did not keep it; call update_connection again with the real value",
				strings.Join(lost, ", "))
		}
		conn = after
	}
	return &schemas.UpdateConnectionOutput{Connection: connectionOut(conn, true), KeptSecrets: plan.kept, RemovedSecrets: plan.removed}, nil
}

// refuseRedacted stops a model from writing back the placeholder it read,
// which would replace a real credential with the text "[redacted]".
func refuseRedacted(metadata map[string]any) error {
	if p := holdsRedacted("metadata", metadata); p != "" {
		return &schemas.FieldError{Field: p, Rule: "holds a redacted placeholder copied from a read; supply the real value"}
	}
	return nil
}

func (c *Catalog) deleteConnection(ctx context.Context, in *schemas.DeleteConnectionInput) (*schemas.DeleteConnectionOutput, error) {
	d, err := c.client.DeleteConnection(ctx, in.ConnectionID, in.ForceDelete)
	if err != nil {
		return nil, err
	}
	id := d.ID
	if id == "" {
		id = in.ConnectionID
	}
	return &schemas.DeleteConnectionOutput{ID: id, Type: d.Type, Deleted: true}, nil
}

func (c *Catalog) listConnectionActions(ctx context.Context, in *schemas.ListConnectionActionsInput) (*schemas.ListConnectionActionsOutput, error) {
	raw, err := c.client.GetConnectionActions(ctx, in.ConnectionID)
	if err != nil {
		return nil, err
	}
	var actions any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&actions); err != nil {
		return nil, fmt.Errorf("Meshes returned connection actions that are not JSON: %w", err)
	}
	actions, notice := shrinkJSON(actions, c.budget())
	return &schemas.ListConnectionActionsOutput{ConnectionID: in.ConnectionID, Actions: actions, Notice: notice}, nil
}

// shrinkJSON cuts the arrays inside an untyped JSON value until it fits the
// budget: live action data is mostly long item lists, and the first items of
// each say enough to choose or to ask for more.
func shrinkJSON(v any, budget int) (any, string) {
	if size(v) <= budget {
		return v, ""
	}
	for keep := 100; keep >= 1; keep /= 2 {
		cut := truncateArrays(v, keep)
		if size(cut) <= budget || keep == 1 {
			return cut, fmt.Sprintf("lists were cut to their first %d items to keep the result small", keep)
		}
	}
	return v, ""
}

func truncateArrays(v any, keep int) any {
	switch x := v.(type) {
	case []any:
		n := min(len(x), keep)
		out := make([]any, n)
		for i := range n {
			out[i] = truncateArrays(x[i], keep)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = truncateArrays(val, keep)
		}
		return out
	}
	return v
}

func (c *Catalog) getConnectionFields(ctx context.Context, in *schemas.GetConnectionFieldsInput) (*schemas.GetConnectionFieldsOutput, error) {
	fc, err := c.client.GetConnectionFields(ctx, in.ConnectionID, in.Refresh)
	if err != nil {
		return nil, err
	}
	fields := make([]schemas.Field, 0, len(fc.Fields))
	for _, f := range fc.Fields {
		out := schemas.Field{Key: f.Key, Label: f.Label, Type: f.Type, Description: f.Description}
		if f.Constraints != nil {
			b, _ := json.Marshal(f.Constraints)
			_ = json.Unmarshal(b, &out.Constraints)
			if len(out.Constraints) == 0 {
				out.Constraints = nil
			}
		}
		fields = append(fields, out)
	}
	kept, notice := fitAll(c, fields, "showing the first %d of %d fields to keep the result small")
	return &schemas.GetConnectionFieldsOutput{
		ConnectionID: in.ConnectionID, IntegrationType: fc.IntegrationType, CatalogVersion: fc.CatalogVersion,
		RefreshedAt: fc.RefreshedAt, Count: len(kept), Fields: kept, Notice: notice,
	}, nil
}

func (c *Catalog) getConnectionMapping(ctx context.Context, in *schemas.GetConnectionMappingInput) (*schemas.GetConnectionMappingOutput, error) {
	m, err := c.client.GetDefaultMapping(ctx, in.ConnectionID)
	if err != nil {
		return nil, err
	}
	return &schemas.GetConnectionMappingOutput{Mapping: mappingOut(in.ConnectionID, m)}, nil
}

func (c *Catalog) updateConnectionMapping(ctx context.Context, in *schemas.UpdateConnectionMappingInput) (*schemas.UpdateConnectionMappingOutput, error) {
	schema, err := parseMappingSchema(in.Schema)
	if err != nil {
		return nil, err
	}
	req := meshesapi.PutMappingRequest{Schema: schema, WorkspaceID: in.WorkspaceID, MappingID: in.MappingID, Name: in.Name}
	if in.ExpectedVersion > 0 {
		req.ExpectedVersion = &in.ExpectedVersion
	}
	m, err := c.client.PutDefaultMapping(ctx, in.ConnectionID, req)
	if err != nil {
		return nil, err
	}
	return &schemas.UpdateConnectionMappingOutput{Mapping: mappingOut(in.ConnectionID, m)}, nil
}

func mappingOut(connectionID string, m *meshesapi.MappingResponse) schemas.Mapping {
	out := schemas.Mapping{
		ConnectionID: connectionID, Status: m.Status, MappingID: m.Mapping.MappingID,
		Version: m.Mapping.Version, Name: m.Mapping.Name, CatalogVersion: m.Mapping.CatalogVersion,
		Schema: map[string]any{},
	}
	b, _ := json.Marshal(m.Mapping.Schema)
	_ = json.Unmarshal(b, &out.Schema)
	return out
}

func (c *Catalog) listIntegrations(ctx context.Context, in *schemas.ListIntegrationsInput) (*schemas.ListIntegrationsOutput, error) {
	records, more, err := collectPages(ctx, c.client.ListIntegrations)
	if err != nil {
		return nil, err
	}
	all := make([]schemas.Integration, 0, len(records))
	for i := range records {
		if in.Type == "" || strings.EqualFold(records[i].Type, in.Type) {
			all = append(all, integrationOut(&records[i]))
		}
	}
	// The catalog is a few dozen entries at most; cut without a cursor.
	kept, notice := fitAll(c, all, "showing %d of %d integrations to keep the result small; pass type for one")
	return &schemas.ListIntegrationsOutput{Count: len(kept), Integrations: kept, Notice: joinNotice(notice, unpagedNotice(more))}, nil
}

// oauthConnect tells an agent how an OAuth integration gets connected: a
// person authorizes it, which create_connection cannot do.
const oauthConnect = "a person authorizes it in the Meshes dashboard, or in your app through an embed session (create_session with launch_page connections)"

func integrationOut(in *meshesapi.Integration) schemas.Integration {
	out := schemas.Integration{Type: in.Type, Name: in.Name, Auth: in.Authentication.Type, Actions: []schemas.Action{}}
	if in.Authentication.Type == "oauth" {
		out.Connect = oauthConnect
	}
	for _, raw := range in.Authentication.Fields {
		if f, ok := authFieldOut(raw); ok {
			out.AuthFields = append(out.AuthFields, f)
		}
	}
	for _, key := range sortedKeys(in.Actions) {
		a := in.Actions[key]
		if a.Key == "" {
			a.Key = key
		}
		out.Actions = append(out.Actions, schemas.Action{Key: a.Key, Label: a.Label, Fields: a.Fields})
	}
	return out
}

// authFieldWire is one authentication field as the catalog sends it
// (camelCase keys; values of any JSON type).
type authFieldWire struct {
	Key          string `json:"key"`
	Label        string `json:"label"`
	Type         string `json:"type"`
	HelpText     string `json:"helpText"`
	Required     bool   `json:"required"`
	DefaultValue any    `json:"defaultValue"`
	Options      []struct {
		Value any `json:"value"`
	} `json:"options"`
	DependsOn *struct {
		Field string `json:"field"`
		Value any    `json:"value"`
	} `json:"dependsOn"`
}

// authFieldOut keeps what a model needs to fill a connection's metadata on
// the first try; a field the catalog sends malformed is left out.
func authFieldOut(raw json.RawMessage) (schemas.AuthField, bool) {
	var w authFieldWire
	if json.Unmarshal(raw, &w) != nil || w.Key == "" {
		return schemas.AuthField{}, false
	}
	f := schemas.AuthField{
		Key: w.Key, Label: w.Label, Type: w.Type, Required: w.Required, Help: w.HelpText,
		// A select holds one of its options, a setting and never a secret.
		Secret:  w.Type == "password" || (w.Type != "select" && sensitiveKey(w.Key, nil)),
		Default: scalarText(w.DefaultValue),
	}
	for _, o := range w.Options {
		f.Options = append(f.Options, scalarText(o.Value))
	}
	if w.DependsOn != nil && w.DependsOn.Field != "" {
		f.When = w.DependsOn.Field + "=" + scalarText(w.DependsOn.Value)
	}
	return f, true
}

// scalarText renders a catalog value (a string, number, boolean, or a list
// of them for "any of") as text; nil is "".
func scalarText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = scalarText(e)
		}
		return strings.Join(parts, "|")
	}
	return fmt.Sprint(v)
}

package meshesapi

import (
	"context"
	"encoding/json"
	"net/url"
)

// ListConnections returns the connections of every workspace in the organisation.
func (c *Client) ListConnections(ctx context.Context, p Page) (*List[Connection], error) {
	return getJSON[List[Connection]](ctx, c, opListConnections, pageQuery(p))
}

// CreateConnection creates a connection (POST /connections → 201 {connection}).
func (c *Client) CreateConnection(ctx context.Context, in CreateConnectionRequest) (*Connection, error) {
	in.Metadata = nonNilMetadata(in.Metadata)
	var out connectionCreated
	if err := c.send(ctx, opCreateConnection, request{body: in}, &out, in.Workspace); err != nil {
		return nil, err
	}
	return &out.Connection, nil
}

// GetConnection returns one connection; Meshes never returns raw secrets in metadata.
func (c *Client) GetConnection(ctx context.Context, connectionID string) (*Connection, error) {
	return getJSON[Connection](ctx, c, opGetConnection, nil, connectionID)
}

// UpdateConnection replaces a connection's name, metadata and hidden flag.
func (c *Client) UpdateConnection(ctx context.Context, connectionID string, in UpdateConnectionRequest) (*Connection, error) {
	in.Metadata = nonNilMetadata(in.Metadata)
	return call[Connection](ctx, c, opUpdateConnection, request{body: in}, connectionID)
}

// nonNilMetadata sends {} for absent metadata: the API requires the key to
// hold an object (docs/meshes-api.md §7.1), and a nil map would encode as null.
func nonNilMetadata(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// DeleteConnection deletes a connection. Meshes answers 409 while rules still
// use it unless force is set. No body is sent unless forcing, like the
// official MCP server; the API accepts both forms (docs/meshes-api.md §7.1).
func (c *Client) DeleteConnection(ctx context.Context, connectionID string, force bool) (*DeletedConnection, error) {
	var r request
	if force {
		r.body = map[string]bool{"force_delete": true}
	}
	return call[DeletedConnection](ctx, c, opDeleteConnection, r, connectionID)
}

// GetConnectionActions returns the live action data (lists, tags, channels…)
// that rule metadata ids must be chosen from. The API leaves its shape
// untyped (docs/meshes-api.md §7.2, §17 q16), so it is returned as raw JSON.
func (c *Client) GetConnectionActions(ctx context.Context, connectionID string) (json.RawMessage, error) {
	out, err := getJSON[json.RawMessage](ctx, c, opGetConnectionActions, nil, connectionID)
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// GetConnectionFields returns the destination field catalog; refresh forces
// Meshes to re-read it from the provider.
func (c *Client) GetConnectionFields(ctx context.Context, connectionID string, refresh bool) (*FieldCatalog, error) {
	var q url.Values
	if refresh {
		q = url.Values{"refresh": {"true"}}
	}
	return getJSON[FieldCatalog](ctx, c, opGetConnectionFields, q, connectionID)
}

// GetDefaultMapping returns the stored mapping, or Meshes' generated proposal
// (status "generated") when none is stored.
func (c *Client) GetDefaultMapping(ctx context.Context, connectionID string) (*MappingResponse, error) {
	return getJSON[MappingResponse](ctx, c, opGetDefaultMapping, nil, connectionID)
}

// PutDefaultMapping stores a new version of the default mapping. With
// ExpectedVersion set, Meshes answers 409 if another writer got there first.
func (c *Client) PutDefaultMapping(ctx context.Context, connectionID string, in PutMappingRequest) (*MappingResponse, error) {
	return call[MappingResponse](ctx, c, opPutDefaultMapping, request{body: in},
		connectionID, in.WorkspaceID, in.MappingID)
}

// ListIntegrations returns the integration catalog: types, credentials, actions.
func (c *Client) ListIntegrations(ctx context.Context, p Page) (*List[Integration], error) {
	return getJSON[List[Integration]](ctx, c, opListIntegrations, pageQuery(p))
}

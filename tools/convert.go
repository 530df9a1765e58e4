package tools

import (
	"maps"
	"slices"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// Conversions from wire types to the compact result types. Lists use the
// short forms (no metadata, no timestamps beyond creation); single-object
// reads use the full ones. Every path that shows connection metadata or a
// delivery error goes through the redaction here.

func workspaceOut(w *meshesapi.Workspace, full bool) schemas.Workspace {
	out := schemas.Workspace{ID: w.ID, Name: w.Name, CreatedAt: w.CreatedAt}
	if w.Description != nil {
		out.Description = *w.Description
	}
	if full {
		out.UpdatedAt = w.UpdatedAt
		if w.PublishableKey != nil {
			out.PublishableKey = w.PublishableKey.PublicKey
		}
	}
	return out
}

func connectionOut(conn *meshesapi.Connection, full bool) schemas.Connection {
	rememberSecrets(conn.ID, conn.Metadata)
	out := schemas.Connection{
		ID: conn.ID, Workspace: conn.Workspace, Type: conn.Type, Name: conn.Name,
		Active: conn.Active, InactiveReason: conn.InactiveReason, Hidden: conn.Hidden,
	}
	if full {
		out.Metadata = redactMetadata(conn.Metadata)
		if out.Metadata == nil {
			out.Metadata = map[string]any{}
		}
		out.CreatedAt, out.UpdatedAt = conn.CreatedAt, conn.UpdatedAt
	}
	return out
}

func ruleOut(r *meshesapi.Rule, full bool) schemas.Rule {
	out := schemas.Rule{
		ID: r.ID, Workspace: r.Workspace, Connection: r.Connection, Type: r.Type, Event: r.Event,
		Resource: r.Resource, ResourceID: r.ResourceID, Active: r.Active,
	}
	out.Action, _ = r.Metadata["action"].(string)
	if full {
		// Rule metadata selects items (id, key, value, template), it holds
		// no credentials; key-name redaction would hide the "key" it needs.
		out.Metadata = r.Metadata
		out.Hidden, out.CreatedAt = r.Hidden, r.CreatedAt
	}
	return out
}

func eventOut(e *meshesapi.Event) schemas.Event {
	return schemas.Event{
		ID: e.ID, Workspace: e.Workspace, Event: e.Event, Status: e.Status,
		Resource: e.Resource, ResourceID: e.ResourceID,
		TotalRules: e.TotalRules, CompletedCount: e.CompletedCount, FailedCount: e.FailedCount,
		CreatedAt: e.CreatedAt, CompletedAt: e.CompletedAt,
	}
}

func deliveryOut(re *meshesapi.RuleEvent, withEvent bool) schemas.Delivery {
	out := schemas.Delivery{
		Rule: re.Rule, Connection: re.Connection, IntegrationType: re.IntegrationType,
		Status: re.Status, AttemptCount: re.AttemptCount, LastError: redactText(re.LastError),
		CreatedAt: re.CreatedAt, CompletedAt: re.CompletedAt,
	}
	if withEvent {
		out.EventID, out.Event = re.EventID, re.Event
	}
	return out
}

func deliveriesOut(res []meshesapi.RuleEvent) []schemas.Delivery {
	out := make([]schemas.Delivery, 0, len(res))
	for i := range res {
		out = append(out, deliveryOut(&res[i], false))
	}
	return out
}

func catalogOut(entries []meshesapi.CatalogEntry) []schemas.CatalogItem {
	out := make([]schemas.CatalogItem, 0, len(entries))
	for _, e := range entries {
		item := schemas.CatalogItem{Key: e.Key, Label: e.Label, Active: e.Active}
		if e.Description != nil {
			item.Description = *e.Description
		}
		out = append(out, item)
	}
	return out
}

// sortedKeys makes map-derived output deterministic.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

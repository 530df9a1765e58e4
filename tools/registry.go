package tools

import "slices"

// Toolset names, in catalog order.
const (
	toolsetWorkspaces  = "workspaces"
	toolsetConnections = "connections"
	toolsetRules       = "rules"
	toolsetEvents      = "events"
	toolsetDeliveries  = "deliveries"
	toolsetSessions    = "sessions"
	toolsetBlueprints  = "blueprints"
)

var toolsetNames = []string{
	toolsetWorkspaces, toolsetConnections, toolsetRules, toolsetEvents, toolsetDeliveries, toolsetSessions, toolsetBlueprints,
}

// Toolsets returns the names --toolsets accepts, in catalog order.
func Toolsets() []string { return slices.Clone(toolsetNames) }

// registry is the one list of every tool, toolset by toolset, in the order
// listings show them (the workflow order of the server instructions).
func (c *Catalog) registry() []Tool {
	return slices.Concat(
		c.workspaceTools(),
		c.connectionTools(),
		c.ruleTools(),
		c.eventTools(),
		c.deliveryTools(),
		c.sessionTools(),
		c.blueprintTools(),
	)
}

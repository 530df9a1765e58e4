package tools

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// Policy says what an agent may do: only read, only some toolsets, only some
// workspaces. The server has a base policy (flags/env); a transport may
// narrow it per request (WithPolicy), never widen it.
type Policy struct {
	// ReadOnly exposes and allows only tools that change nothing.
	ReadOnly bool
	// Toolsets lists the allowed toolsets; empty means all.
	Toolsets []string
	// Workspaces lists the workspace ids the agent is confined to; empty
	// means every workspace of the organisation.
	Workspaces []string

	// noToolsets / noWorkspaces record that narrowing two disjoint lists left
	// nothing allowed, which an empty list cannot say (it means "all").
	noToolsets   bool
	noWorkspaces bool
}

// Narrow returns the policy allowing only what both p and other allow:
// read-only if either is, toolsets and workspaces intersected (an empty list
// meaning no restriction from that side).
func (p Policy) Narrow(other Policy) Policy {
	out := Policy{ReadOnly: p.ReadOnly || other.ReadOnly}
	out.Toolsets, out.noToolsets = intersect(p.Toolsets, p.noToolsets, other.Toolsets, other.noToolsets)
	out.Workspaces, out.noWorkspaces = intersect(p.Workspaces, p.noWorkspaces, other.Workspaces, other.noWorkspaces)
	return out
}

// intersect combines two allow-lists where empty means "everything" and the
// none flag means "nothing".
func intersect(a []string, aNone bool, b []string, bNone bool) ([]string, bool) {
	switch {
	case aNone || bNone:
		return nil, true
	case len(a) == 0:
		return slices.Clone(b), false
	case len(b) == 0:
		return slices.Clone(a), false
	}
	var out []string
	for _, v := range a {
		if slices.ContainsFunc(b, func(w string) bool { return strings.EqualFold(v, w) }) && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out, len(out) == 0
}

// AllowsToolset reports whether tools of the named toolset may be used.
func (p Policy) AllowsToolset(name string) bool {
	return !p.noToolsets && (len(p.Toolsets) == 0 || slices.Contains(p.Toolsets, name))
}

// AllowsWorkspace reports whether the agent may touch the workspace.
func (p Policy) AllowsWorkspace(id string) bool {
	if p.noWorkspaces {
		return false
	}
	if len(p.Workspaces) == 0 {
		return true
	}
	return slices.ContainsFunc(p.Workspaces, func(w string) bool { return strings.EqualFold(w, id) })
}

// ConfinedToWorkspaces reports whether a workspace allowlist applies, so that
// objects fetched by id must be checked before they are used.
func (p Policy) ConfinedToWorkspaces() bool { return p.noWorkspaces || len(p.Workspaces) > 0 }

// allows reports whether a tool is exposed and callable under p.
func (p Policy) allows(t *Tool) bool {
	if !p.AllowsToolset(t.Toolset) || (p.ReadOnly && !t.ReadOnly) {
		return false
	}
	// Creating a workspace escapes any workspace allowlist by definition.
	return !(t.declares(scopeCreatesWorkspace) && p.ConfinedToWorkspaces())
}

// Validate reports unknown toolsets and malformed workspace ids.
func (p Policy) Validate() error {
	for _, t := range p.Toolsets {
		if !slices.Contains(toolsetNames, t) {
			return fmt.Errorf("unknown toolset %q; valid toolsets are %s", t, strings.Join(toolsetNames, ", "))
		}
	}
	for _, w := range p.Workspaces {
		if !meshesapi.IsUUID(w) {
			return fmt.Errorf("workspace %q is not a UUID", w)
		}
	}
	return nil
}

// ParseToolsets parses a comma-separated toolset list ("rules, events").
// Empty input means all toolsets; "all" is accepted as a synonym.
func ParseToolsets(s string) ([]string, error) {
	names := splitList(s)
	if len(names) == 1 && names[0] == "all" {
		return nil, nil
	}
	return names, Policy{Toolsets: names}.Validate()
}

// ParseWorkspaces parses a comma-separated list of workspace UUIDs.
func ParseWorkspaces(s string) ([]string, error) {
	ids := splitList(s)
	return ids, Policy{Workspaces: ids}.Validate()
}

// splitList splits a comma-separated list, lower-cased (toolset names and
// UUIDs are case-insensitive) and without blanks or duplicates.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.ToLower(strings.TrimSpace(part)); part != "" && !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	return out
}

type policyKey struct{}

// WithPolicy attaches a per-request restriction to ctx. Listing and calling
// tools apply it on top of the server's base policy, so it can only narrow.
func WithPolicy(ctx context.Context, p Policy) context.Context {
	if prev, ok := ctx.Value(policyKey{}).(Policy); ok {
		p = prev.Narrow(p)
	}
	return context.WithValue(ctx, policyKey{}, p)
}

// effectivePolicy is the catalog's base policy narrowed by ctx's.
func (c *Catalog) effectivePolicy(ctx context.Context) Policy {
	if p, ok := ctx.Value(policyKey{}).(Policy); ok {
		return c.opts.Policy.Narrow(p)
	}
	return c.opts.Policy
}

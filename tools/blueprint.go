package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// Blueprints provision or copy a whole tenant in one reviewed, repeatable
// step (docs/blueprints.md): export_workspace writes a workspace as a
// blueprint, plan_blueprint shows what it takes to make a workspace match
// one, apply_blueprint does it. The plan is recomputed from Meshes at every
// apply, so a second apply finds nothing to do and an apply resumed after a
// failure makes only what is still missing.

func (c *Catalog) blueprintTools() []Tool {
	return []Tool{
		newTool(reading("export_workspace", "Export workspace", toolsetBlueprints,
			"Write a workspace as a portable blueprint (no ids, no secrets).").inWorkspace("workspace_id"), c.exportWorkspace),
		// A target named by workspace_name is resolved among the visible
		// workspaces, and creating one is refused while confined
		// (readTarget).
		newTool(reading("plan_blueprint", "Plan blueprint", toolsetBlueprints,
			"Steps to make a workspace match a blueprint; changes nothing.").inWorkspace("workspace_id"), c.planBlueprint),
		newTool(writing("apply_blueprint", "Apply blueprint", toolsetBlueprints,
			"Make a workspace match a blueprint (plan_blueprint first).", true, true).inWorkspace("workspace_id"), c.applyBlueprint),
	}
}

func (c *Catalog) exportWorkspace(ctx context.Context, in *schemas.ExportWorkspaceInput) (*schemas.ExportWorkspaceOutput, error) {
	t := &schemas.BlueprintTarget{WorkspaceID: in.WorkspaceID}
	tg, err := c.readTarget(ctx, t)
	if err != nil {
		return nil, err
	}
	out := &schemas.ExportWorkspaceOutput{Blueprint: schemas.Blueprint{Version: schemas.BlueprintVersion,
		Connections: []schemas.BlueprintConnection{}, Rules: []schemas.BlueprintRule{}}}
	names := map[string]string{}
	var secrets []string
	for _, conn := range tg.conns {
		names[conn.ID] = conn.Name
		settings, placeholders := exportSettings(conn.Name, conn.Metadata, secretKeys(tg.catalog[conn.Type]))
		secrets = append(secrets, placeholders...)
		out.Blueprint.Connections = append(out.Blueprint.Connections, schemas.BlueprintConnection{
			Name: conn.Name, Type: conn.Type, Metadata: settings, Mapping: storedMapping(tg.mappings[conn.ID])})
	}
	skipped := 0
	for i := range tg.rules {
		if names[tg.rules[i].Connection] == "" {
			skipped++
			continue
		}
		out.Blueprint.Rules = append(out.Blueprint.Rules, blueprintRule(&tg.rules[i], names))
	}
	slices.SortFunc(out.Blueprint.Connections, func(a, b schemas.BlueprintConnection) int { return strings.Compare(a.Name, b.Name) })
	slices.SortFunc(out.Blueprint.Rules, func(a, b schemas.BlueprintRule) int { return strings.Compare(a.Describe(), b.Describe()) })
	slices.Sort(secrets)
	out.Secrets = secrets
	if len(secrets) > 0 {
		out.Notice = "secrets are ${secret:NAME} placeholders: apply_blueprint needs a value for each in its secrets argument"
	}
	if skipped > 0 {
		out.Notice = joinNotice(out.Notice, fmt.Sprintf("%d rules left out: their connection is not among the workspace's connections", skipped))
	}
	return out, nil
}

// makePlan checks the blueprint (and, through precheck, anything else
// that needs no request), reads the target and computes the plan.
func (c *Catalog) makePlan(ctx context.Context, bp *schemas.Blueprint, t *schemas.BlueprintTarget, precheck func(needed []string) error) (*plan, *target, error) {
	needed, err := checkBlueprint(bp)
	if err == nil {
		err = precheck(needed)
	}
	if err != nil {
		return nil, nil, err
	}
	tg, err := c.readTarget(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	p, err := computePlan(bp, tg, t.Replace)
	if err != nil {
		return nil, nil, err
	}
	p.Secrets = needed
	return p, tg, nil
}

func (c *Catalog) planBlueprint(ctx context.Context, in *schemas.PlanBlueprintInput) (*schemas.PlanBlueprintOutput, error) {
	p, tg, err := c.makePlan(ctx, &in.Blueprint, &in.BlueprintTarget, func([]string) error { return nil })
	if err != nil {
		return nil, err
	}
	withSessionCalls(p.Manual, tg.workspaceID)
	return &schemas.PlanBlueprintOutput{Plan: p.Plan, Summary: planSummary(&p.Plan)}, nil
}

// planFormat checks apply_blueprint's blueprint with plan_blueprint's
// argument decoder, the one place the format is declared, and returns it
// decoded.
func (c *Catalog) planFormat(doc schemas.BlueprintDocument) (*schemas.Blueprint, error) {
	plan := c.byName["plan_blueprint"]
	decoder, err := plan.decoder()
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(map[string]any{"blueprint": doc})
	if err != nil {
		return nil, &argError{msg: "invalid arguments: blueprint cannot be encoded as JSON: " + err.Error()}
	}
	normalized, err := decoder.decode(raw)
	if err != nil {
		return nil, err
	}
	var in schemas.PlanBlueprintInput
	if err := json.Unmarshal(normalized, &in); err != nil {
		return nil, &argError{msg: "invalid arguments: blueprint: " + err.Error()}
	}
	return &in.Blueprint, nil
}

func (c *Catalog) applyBlueprint(ctx context.Context, in *schemas.ApplyBlueprintInput) (*schemas.ApplyBlueprintOutput, error) {
	bp, err := c.planFormat(in.Blueprint)
	if err != nil {
		return nil, err
	}
	var secrets map[string]string
	p, tg, err := c.makePlan(ctx, bp, &in.BlueprintTarget, func(needed []string) (err error) {
		secrets, err = checkSecrets(needed, in.Secrets)
		return err
	})
	if err != nil {
		return nil, err
	}
	st := &applyState{workspaceID: tg.workspaceID, connIDs: map[string]string{}}
	for _, conn := range tg.conns {
		st.connIDs[conn.Name] = conn.ID
	}
	// Rules name connections as the blueprint spells them; the target's
	// may differ in case.
	for _, bc := range bp.Connections {
		for _, conn := range tg.conns {
			if strings.EqualFold(conn.Name, bc.Name) {
				st.connIDs[bc.Name] = conn.ID
			}
		}
	}
	out := &schemas.ApplyBlueprintOutput{Done: []schemas.PlanStep{}, Waiting: p.Waiting, Differs: p.Differs}
	for i, s := range p.steps {
		id, err := s.work(ctx, c, st, secrets)
		if err != nil {
			failed := s.PlanStep
			if id != "" {
				failed.ID = id
			}
			out.Failed = &schemas.FailedStep{PlanStep: failed, Error: applyErrorText(err, secrets)}
			out.Remaining = p.Steps[i+1:]
			break
		}
		done := s.PlanStep
		done.ID = id
		out.Done = append(out.Done, done)
		reportProgress(ctx, i+1, len(p.steps), fmt.Sprintf("%d of %d steps applied", i+1, len(p.steps)))
	}
	out.WorkspaceID = st.workspaceID
	out.Manual = p.Manual
	withSessionCalls(out.Manual, st.workspaceID)
	out.Summary = applySummary(out)
	return out, nil
}

// applyErrorText is the reason a step failed, in the words every tool uses,
// with the secrets of the call kept out of it whatever Meshes quoted. A
// create whose outcome is unknown may have taken effect: the next plan
// shows whether it did, and matching by name and identity means applying
// again cannot duplicate it.
func applyErrorText(err error, secrets map[string]string) string {
	msg := redactText(errorText(err))
	for _, v := range secrets {
		msg = strings.ReplaceAll(msg, v, schemas.Redacted)
	}
	if meshesapi.IsOutcomeUnknown(err) {
		msg += " Call plan_blueprint again before applying: it shows whether this step took effect."
	}
	return msg
}

// withSessionCalls gives each manual OAuth step the create_session call
// that opens the workspace's embedded connections page for a person.
func withSessionCalls(manual []schemas.ManualStep, workspaceID string) {
	for i := range manual {
		if workspaceID == "" {
			manual[i].Call = nil
			continue
		}
		manual[i].Call = call("create_session",
			"workspace_id", workspaceID, "session_type", "workspace", "launch_page", "connections", "role", "admin")
	}
}

// checkBlueprint checks what needs no request: unique connection names,
// rules naming connections of the blueprint, unique rule identities, valid
// mappings, well-formed placeholders and no credential written out. It
// returns the placeholder names the blueprint needs values for.
func checkBlueprint(bp *schemas.Blueprint) ([]string, error) {
	names := map[string]int{}
	needed := map[string]bool{}
	for i := range bp.Connections {
		bc := &bp.Connections[i]
		field := fmt.Sprintf("blueprint.connections[%d]", i)
		if j, dup := names[strings.ToLower(bc.Name)]; dup {
			return nil, &schemas.FieldError{Field: field + ".name", Rule: fmt.Sprintf("repeats the name of connections[%d]; connection names must be unique", j)}
		}
		names[strings.ToLower(bc.Name)] = i
		if paths := literalSecrets(bc.Metadata, nil); len(paths) > 0 {
			return nil, literalSecretError(i, paths)
		}
		refs := map[string]bool{}
		placeholderNames(map[string]any(bc.Metadata), refs)
		for name := range refs {
			if strings.TrimSpace(name) == "" {
				return nil, &schemas.FieldError{Field: field + ".metadata", Rule: "has a ${secret:} placeholder without a name; write ${secret:NAME}"}
			}
			needed[name] = true
		}
		if bc.Mapping != nil {
			if _, err := parseMappingSchema(bc.Mapping); err != nil {
				return nil, &argError{msg: strings.Replace(err.Error(), "schema", field+".mapping", 1)}
			}
		}
	}
	identities := map[string]int{}
	for i := range bp.Rules {
		br := &bp.Rules[i]
		field := fmt.Sprintf("blueprint.rules[%d]", i)
		if !slices.ContainsFunc(bp.Connections, func(bc schemas.BlueprintConnection) bool { return bc.Name == br.Connection }) {
			return nil, &schemas.FieldError{Field: field + ".connection", Rule: fmt.Sprintf("%q is not the name of a connection in blueprint.connections", br.Connection)}
		}
		if a, ok := br.Metadata["action"]; ok && a != br.Action {
			return nil, &schemas.FieldError{Field: field + ".metadata.action", Rule: "must be left out or equal action"}
		}
		if j, dup := identities[br.Identity()]; dup {
			return nil, &schemas.FieldError{Field: field, Rule: fmt.Sprintf("routes the same event to the same connection, action and item as rules[%d]; Meshes keeps one such rule", j)}
		}
		identities[br.Identity()] = i
	}
	return sortedNames(needed), nil
}

// checkSecrets turns the call's name/value pairs into a map, requiring a
// value for every placeholder and refusing a name given twice or one the
// blueprint does not use (most likely a typo), before any request is made.
func checkSecrets(needed []string, list []schemas.SecretValue) (map[string]string, error) {
	given := make(map[string]string, len(list))
	for i, sv := range list {
		field := fmt.Sprintf("secrets[%d]", i)
		switch _, dup := given[sv.Name]; {
		case dup:
			return nil, &schemas.FieldError{Field: field + ".name", Rule: fmt.Sprintf("repeats %q; give each secret once", sv.Name)}
		case !slices.Contains(needed, sv.Name):
			return nil, &schemas.FieldError{Field: field + ".name", Rule: fmt.Sprintf("%q is not a placeholder of the blueprint; its placeholders are %s", sv.Name, orNone(quoteList(needed)))}
		case strings.TrimSpace(sv.Value) == "":
			return nil, &schemas.FieldError{Field: field + ".value", Rule: "is empty; supply the real value"}
		case holdsRedacted(field+".value", sv.Value) != "":
			return nil, &schemas.FieldError{Field: field + ".value", Rule: "holds a redacted placeholder copied from a read; supply the real value"}
		}
		given[sv.Name] = sv.Value
	}
	var missing []string
	for _, name := range needed {
		if _, ok := given[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, &schemas.FieldError{Field: "secrets", Rule: "lacks " + quoteList(missing) + ": every ${secret:NAME} of the blueprint needs a value (plan_blueprint lists them)"}
	}
	return given, nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// planSummary is the plan in one sentence.
func planSummary(p *schemas.Plan) string {
	if len(p.Steps) == 0 && len(p.Manual) == 0 && len(p.Waiting) == 0 && len(p.Differs) == 0 {
		s := fmt.Sprintf("%s already matches the blueprint (%d objects unchanged); nothing to apply", p.WorkspaceName, p.Unchanged)
		if len(p.OnlyInTarget) > 0 {
			s += fmt.Sprintf("; %d objects exist only in the workspace and are left as they are", len(p.OnlyInTarget))
		}
		return s + "."
	}
	parts := []string{fmt.Sprintf("%d steps for apply_blueprint (%s)", len(p.Steps), countOps(p.Steps))}
	if len(p.Manual) > 0 {
		parts = append(parts, fmt.Sprintf("%d OAuth connections a person must connect first (manual), then %d objects waiting for them can follow", len(p.Manual), len(p.Waiting)))
	}
	if len(p.Differs) > 0 {
		parts = append(parts, fmt.Sprintf("%d objects differ and stay as they are unless replace=true", len(p.Differs)))
	}
	if len(p.OnlyInTarget) > 0 {
		parts = append(parts, fmt.Sprintf("%d exist only in the workspace and are never deleted", len(p.OnlyInTarget)))
	}
	parts = append(parts, fmt.Sprintf("%d unchanged", p.Unchanged))
	if len(p.Secrets) > 0 {
		parts = append(parts, "apply needs secrets "+quoteList(p.Secrets))
	}
	return strings.Join(parts, "; ") + "."
}

func countOps(steps []schemas.PlanStep) string {
	if len(steps) == 0 {
		return "none"
	}
	var order []string
	n := map[string]int{}
	for _, s := range steps {
		if n[s.Op] == 0 {
			order = append(order, s.Op)
		}
		n[s.Op]++
	}
	parts := make([]string, len(order))
	for i, op := range order {
		parts[i] = fmt.Sprintf("%d %s", n[op], op)
	}
	return strings.Join(parts, ", ")
}

// applySummary says in one sentence what exists now and what is left.
func applySummary(out *schemas.ApplyBlueprintOutput) string {
	var s string
	if out.Failed != nil {
		s = fmt.Sprintf("stopped at step %d (%s %s): %s %d steps done (they exist now), %d not attempted; apply_blueprint after the fix makes only what is missing",
			len(out.Done)+1, out.Failed.Op, out.Failed.Object, strings.TrimSuffix(out.Failed.Error, ".")+";", len(out.Done), len(out.Remaining))
	} else {
		s = fmt.Sprintf("applied %d steps", len(out.Done))
	}
	if len(out.Manual) > 0 {
		s += fmt.Sprintf("; %d OAuth connections need a person (manual), then apply again for the %d objects waiting on them", len(out.Manual), len(out.Waiting))
	}
	if len(out.Differs) > 0 {
		s += fmt.Sprintf("; %d objects differ and were left as they are (replace=true changes them)", len(out.Differs))
	}
	return s + "."
}

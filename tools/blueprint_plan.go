package tools

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// Planning compares a blueprint with what a workspace holds and lists the
// steps that make the workspace match, in dependency order: workspace,
// connections, mappings, rules. Objects are matched by name (connections)
// and by identity (rules, schemas.BlueprintRule.Identity), never by id, so
// a plan computed after a partial apply picks up exactly where it stopped.
// Nothing in the target is deleted except a rule that replace=true swaps
// for its changed version (Meshes has no rule update).

// Step operations, in the order apply runs them.
const (
	opCreateWorkspace  = "create_workspace"
	opCreateConnection = "create_connection"
	opUpdateConnection = "update_connection"
	opStoreMapping     = "store_mapping"
	opDeleteRule       = "delete_rule"
	opCreateRule       = "create_rule"
)

// target is what the plan compares with: the workspace (absent when it is
// still to be created) and everything in it the blueprint can describe.
type target struct {
	workspaceID, name string
	conns             []meshesapi.Connection
	rules             []meshesapi.Rule
	mappings          map[string]*meshesapi.MappingResponse // by connection id
	catalog           map[string]*meshesapi.Integration     // by type
}

// applyState carries the ids made by earlier steps to later ones.
type applyState struct {
	workspaceID string
	connIDs     map[string]string // by connection name
}

// step is one change: what the plan shows, and how apply makes it.
type step struct {
	schemas.PlanStep
	work runFunc
}

// plan is a computed plan with its runnable steps.
type plan struct {
	schemas.Plan
	steps []step
}

// readTarget reads the target workspace: workspace_id (checked against the
// allowlist by the adapter, as the tools declare), or workspace_name,
// looked up among the workspaces the agent may see; a name no such
// workspace has leaves the target empty, for apply to create, which a
// workspace allowlist forbids.
//
// Reads that do not depend on each other go in one wave: the integration
// catalog, the workspace and (its id known) its connections and rules;
// then every connection's default mapping. A target named by id costs two
// round trips, one named by name three.
func (c *Catalog) readTarget(ctx context.Context, t *schemas.BlueprintTarget) (*target, error) {
	tg := &target{mappings: map[string]*meshesapi.MappingResponse{}}
	var integrations []meshesapi.Integration
	var workspaces []meshesapi.Workspace
	var moreConns, moreRules bool
	readIntegrations := func(ctx context.Context) (err error) {
		integrations, _, err = collectPages(ctx, c.client.ListIntegrations)
		return err
	}
	readContents := func(workspaceID string) []func(context.Context) error {
		return []func(context.Context) error{
			func(ctx context.Context) (err error) {
				tg.conns, moreConns, err = collectPages(ctx, func(ctx context.Context, p meshesapi.Page) (*meshesapi.List[meshesapi.Connection], error) {
					return c.client.ListWorkspaceConnections(ctx, workspaceID, p)
				})
				return err
			},
			func(ctx context.Context) (err error) {
				tg.rules, moreRules, err = collectPages(ctx, c.rulesLister(workspaceID, meshesapi.RuleFilter{}))
				return err
			},
		}
	}
	var err error
	if t.WorkspaceID != "" {
		err = inOneWave(ctx, c.log, c.limits.ReadFanout, append([]func(context.Context) error{readIntegrations,
			func(ctx context.Context) error {
				w, err := c.client.GetWorkspace(ctx, t.WorkspaceID)
				if err == nil {
					tg.workspaceID, tg.name = w.ID, w.Name
				}
				return err
			}}, readContents(t.WorkspaceID)...)...)
	} else {
		err = inOneWave(ctx, c.log, c.limits.ReadFanout, readIntegrations, func(ctx context.Context) (err error) {
			workspaces, _, err = collectPages(ctx, c.client.ListWorkspaces)
			return err
		})
	}
	if err != nil {
		return nil, err
	}
	tg.catalog = make(map[string]*meshesapi.Integration, len(integrations))
	for i := range integrations {
		tg.catalog[integrations[i].Type] = &integrations[i]
	}
	if t.WorkspaceID == "" {
		tg.name = t.WorkspaceName
		for _, w := range workspaces {
			if strings.EqualFold(w.Name, t.WorkspaceName) && visible(ctx, w.ID) {
				tg.workspaceID, tg.name = w.ID, w.Name
			}
		}
		if tg.workspaceID == "" && confined(ctx) {
			return nil, &refusedError{msg: "no workspace named " + t.WorkspaceName + " is among the workspaces this server may use, and creating one is not allowed while a workspace allowlist is in force; pass workspace_id of an allowed workspace"}
		}
		if tg.workspaceID == "" {
			return tg, nil
		}
		if err := inOneWave(ctx, c.log, c.limits.ReadFanout, readContents(tg.workspaceID)...); err != nil {
			return nil, err
		}
	}
	// A plan from part of the workspace would miss what exists and try to
	// create it again.
	if moreConns || moreRules {
		return nil, fmt.Errorf("workspace %s holds more connections or rules than the %d pages this server reads per list, so it cannot be compared with a blueprint; split it across workspaces", tg.workspaceID, meshesapi.DefaultMaxPages)
	}
	mappings := make([]*meshesapi.MappingResponse, len(tg.conns))
	reads := make([]func(context.Context) error, len(tg.conns))
	for i, conn := range tg.conns {
		reads[i] = func(ctx context.Context) error {
			m, err := c.client.GetDefaultMapping(ctx, conn.ID)
			switch status := meshesapi.StatusCode(err); {
			case status == http.StatusConflict || status == http.StatusUnprocessableEntity:
				// Meshes has no mapping to offer for this connection (its
				// integration maps nothing, or it is not connected): it
				// has none stored either.
				return nil
			case err != nil:
				return err
			}
			mappings[i] = m
			return nil
		}
	}
	if err := inOneWave(ctx, c.log, c.limits.ReadFanout, reads...); err != nil {
		return nil, err
	}
	for i, m := range mappings {
		if m != nil {
			tg.mappings[tg.conns[i].ID] = m
		}
	}
	return tg, nil
}

// storedMapping is a connection's stored default mapping schema in
// blueprint form, or nil when Meshes only proposes one.
func storedMapping(m *meshesapi.MappingResponse) map[string]any {
	if m == nil || m.Status != "stored" {
		return nil
	}
	return mappingOut("", m).Schema
}

// blueprintRule is a rule in blueprint form; conns maps connection ids to
// names.
func blueprintRule(r *meshesapi.Rule, conns map[string]string) schemas.BlueprintRule {
	out := schemas.BlueprintRule{Event: r.Event, Resource: r.Resource, ResourceID: r.ResourceID, Connection: conns[r.Connection]}
	out.Action, _ = r.Metadata["action"].(string)
	if len(r.Metadata) > 1 {
		out.Metadata = maps.Clone(r.Metadata)
		delete(out.Metadata, "action")
	}
	if r.Active != nil && !*r.Active {
		out.Active = r.Active
	}
	return out
}

// sameRule compares what identity leaves out: the other metadata and active.
func sameRule(a, b *schemas.BlueprintRule) bool {
	active := func(p *bool) bool { return p == nil || *p }
	return active(a.Active) == active(b.Active) && canonicalJSON(nonNil(a.Metadata)) == canonicalJSON(nonNil(b.Metadata))
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// computePlan compares bp with tg. bp was checked by checkBlueprint.
func computePlan(bp *schemas.Blueprint, tg *target, replace bool) (*plan, error) {
	p := &plan{Plan: schemas.Plan{WorkspaceID: tg.workspaceID, WorkspaceName: tg.name, Steps: []schemas.PlanStep{}}}
	if tg.workspaceID == "" {
		p.steps = append(p.steps, createWorkspaceStep(tg.name))
	}
	blocked, err := p.connections(bp, tg, replace)
	if err != nil {
		return nil, err
	}
	p.rules(bp, tg, replace, blocked)
	for _, s := range p.steps {
		p.Steps = append(p.Steps, s.PlanStep)
	}
	return p, nil
}

// connections plans the connections and their mappings. It returns, for
// each blueprint connection that this apply can neither find nor make,
// why its rules must wait.
func (p *plan) connections(bp *schemas.Blueprint, tg *target, replace bool) (blocked map[string]string, err error) {
	add := func(s step) { p.steps = append(p.steps, s) }
	byName := map[string]*meshesapi.Connection{}
	for i := range tg.conns {
		byName[strings.ToLower(tg.conns[i].Name)] = &tg.conns[i]
	}
	blocked = map[string]string{}
	inBlueprint := map[string]bool{}
	var mappingSteps []step
	for i := range bp.Connections {
		bc := &bp.Connections[i]
		inBlueprint[strings.ToLower(bc.Name)] = true
		integ := tg.catalog[bc.Type]
		if integ == nil {
			return nil, &schemas.FieldError{Field: fmt.Sprintf("blueprint.connections[%d].type", i),
				Rule: fmt.Sprintf("names integration %q, which this Meshes account does not offer (list_integrations)", bc.Type)}
		}
		if paths := literalSecrets(bc.Metadata, secretKeys(integ)); len(paths) > 0 {
			return nil, literalSecretError(i, paths)
		}
		obj := fmt.Sprintf("connection %q (%s)", bc.Name, bc.Type)
		existing := byName[strings.ToLower(bc.Name)]
		switch {
		case existing == nil && integ.Authentication.Type == "oauth":
			blocked[bc.Name] = "waits for the OAuth connection " + bc.Name + " (manual step)"
			p.Manual = append(p.Manual, schemas.ManualStep{Connection: bc.Name, Type: bc.Type,
				Detail: fmt.Sprintf("%s connects by OAuth: a person must connect it as %q in the workspace's embedded UI (connections page) or the dashboard, then plan again", integ.Name, bc.Name)})
		case existing == nil:
			add(createConnectionStep(bc, obj))
		case existing.Type != bc.Type:
			blocked[bc.Name] = fmt.Sprintf("blocked: the workspace's connection %s is a %s connection", existing.Name, existing.Type)
			p.Differs = append(p.Differs, schemas.PlanItem{Object: obj, ID: existing.ID,
				Detail: fmt.Sprintf("the target's %q is a %s connection; a connection's type cannot change: delete it (delete_connection) or rename one of them", existing.Name, existing.Type)})
		default:
			settings, _ := exportSettings(existing.Name, existing.Metadata, secretKeys(integ))
			switch {
			case sameSettings(nonNil(bc.Metadata), nonNil(settings)):
				p.Unchanged++
			case replace:
				add(updateConnectionStep(bc, existing.ID, obj))
			default:
				p.Differs = append(p.Differs, schemas.PlanItem{Object: obj, ID: existing.ID,
					Detail: "its settings differ; replace=true updates them (with every secret of the connection)"})
			}
		}
		if bc.Mapping == nil {
			if existing != nil && existing.Type == bc.Type && storedMapping(tg.mappings[existing.ID]) != nil {
				p.OnlyInTarget = append(p.OnlyInTarget, schemas.PlanItem{Object: "mapping of " + obj, ID: existing.ID,
					Detail: "a stored default mapping the blueprint does not have; left as is"})
			}
			continue
		}
		mobj := "mapping of " + obj
		switch {
		case blocked[bc.Name] != "":
			p.Waiting = append(p.Waiting, schemas.PlanItem{Object: mobj, Detail: blocked[bc.Name]})
		case existing == nil || storedMapping(tg.mappings[existing.ID]) == nil:
			mappingSteps = append(mappingSteps, storeMappingStep(bc, mobj, ""))
		case canonicalJSON(parsedMapping(bc.Mapping)) == canonicalJSON(parsedMapping(storedMapping(tg.mappings[existing.ID]))):
			p.Unchanged++
		case replace:
			mappingSteps = append(mappingSteps, storeMappingStep(bc, mobj, "replaces the stored mapping"))
		default:
			p.Differs = append(p.Differs, schemas.PlanItem{Object: mobj, ID: existing.ID,
				Detail: "the stored mapping differs; replace=true stores the blueprint's"})
		}
	}
	for i := range tg.conns {
		if !inBlueprint[strings.ToLower(tg.conns[i].Name)] {
			p.OnlyInTarget = append(p.OnlyInTarget, schemas.PlanItem{Object: fmt.Sprintf("connection %q (%s)", tg.conns[i].Name, tg.conns[i].Type), ID: tg.conns[i].ID})
		}
	}
	p.steps = append(p.steps, mappingSteps...)
	return blocked, nil
}

// rules plans the rules: deletions of replaced rules first, then creations.
func (p *plan) rules(bp *schemas.Blueprint, tg *target, replace bool, blocked map[string]string) {
	connNames := map[string]string{}
	for i := range tg.conns {
		connNames[tg.conns[i].ID] = tg.conns[i].Name
	}
	existingRules := map[string]*meshesapi.Rule{}
	targetForm := map[string]schemas.BlueprintRule{}
	for i := range tg.rules {
		br := blueprintRule(&tg.rules[i], connNames)
		existingRules[br.Identity()] = &tg.rules[i]
		targetForm[br.Identity()] = br
	}
	matched := map[string]bool{}
	var deletes, creates []step
	for i := range bp.Rules {
		br := &bp.Rules[i]
		obj := "rule " + br.Describe()
		id := br.Identity()
		existing := existingRules[id]
		if existing != nil {
			matched[id] = true
		}
		switch {
		case existing == nil && blocked[br.Connection] != "":
			p.Waiting = append(p.Waiting, schemas.PlanItem{Object: obj, Detail: blocked[br.Connection]})
		case existing == nil:
			creates = append(creates, createRuleStep(br, obj, ""))
		case sameRule(br, ptrTo(targetForm[id])):
			p.Unchanged++
		case replace:
			deletes = append(deletes, deleteRuleStep(existing.ID, obj))
			creates = append(creates, createRuleStep(br, obj, "the changed version of rule "+existing.ID))
		default:
			p.Differs = append(p.Differs, schemas.PlanItem{Object: obj, ID: existing.ID,
				Detail: "its metadata or active flag differ; rules cannot be edited: replace=true deletes and recreates it"})
		}
	}
	for i := range tg.rules {
		id := blueprintRule(&tg.rules[i], connNames).Identity()
		if !matched[id] {
			br := targetForm[id]
			p.OnlyInTarget = append(p.OnlyInTarget, schemas.PlanItem{Object: "rule " + br.Describe(), ID: tg.rules[i].ID})
		}
	}
	p.steps = append(append(p.steps, deletes...), creates...)
}

func ptrTo[T any](v T) *T { return &v }

// parsedMapping is a mapping schema in the form Meshes stores, for
// comparison; blueprints were checked to hold valid schemas.
func parsedMapping(m map[string]any) meshesapi.MappingSchema {
	s, _ := parseMappingSchema(m)
	return s
}

func literalSecretError(i int, paths []string) error {
	return &schemas.FieldError{Field: fmt.Sprintf("blueprint.connections[%d].metadata.%s", i, paths[0]),
		Rule: "holds what looks like a credential; a blueprint carries no secrets: write it as ${secret:NAME} and pass the value in apply_blueprint's secrets"}
}

func createWorkspaceStep(name string) step {
	return step{PlanStep: schemas.PlanStep{Op: opCreateWorkspace, Object: "workspace " + name}}.with(func(ctx context.Context, c *Catalog, st *applyState, _ map[string]string) (string, error) {
		w, err := c.client.CreateWorkspace(ctx, meshesapi.CreateWorkspaceRequest{Name: name})
		if err != nil {
			return "", err
		}
		st.workspaceID = w.ID
		return w.ID, nil
	})
}

func createConnectionStep(bc *schemas.BlueprintConnection, obj string) step {
	return step{PlanStep: schemas.PlanStep{Op: opCreateConnection, Object: obj}}.with(func(ctx context.Context, c *Catalog, st *applyState, secrets map[string]string) (string, error) {
		conn, err := c.client.CreateConnection(ctx, meshesapi.CreateConnectionRequest{
			Workspace: st.workspaceID, Type: bc.Type, Name: bc.Name, Metadata: filledSettings(bc.Metadata, secrets)})
		if err != nil {
			return "", err
		}
		st.connIDs[bc.Name] = conn.ID
		return conn.ID, nil
	})
}

func updateConnectionStep(bc *schemas.BlueprintConnection, id, obj string) step {
	return step{PlanStep: schemas.PlanStep{Op: opUpdateConnection, Object: obj, ID: id, Detail: "replaces its settings"}}.with(func(ctx context.Context, c *Catalog, st *applyState, secrets map[string]string) (string, error) {
		conn, err := c.client.UpdateConnection(ctx, id, meshesapi.UpdateConnectionRequest{Name: bc.Name, Metadata: filledSettings(bc.Metadata, secrets)})
		if err != nil {
			return "", err
		}
		return conn.ID, nil
	})
}

func storeMappingStep(bc *schemas.BlueprintConnection, obj, detail string) step {
	return step{PlanStep: schemas.PlanStep{Op: opStoreMapping, Object: obj, Detail: detail}}.with(func(ctx context.Context, c *Catalog, st *applyState, _ map[string]string) (string, error) {
		m, err := c.client.PutDefaultMapping(ctx, st.connIDs[bc.Name], meshesapi.PutMappingRequest{
			Schema: parsedMapping(bc.Mapping), WorkspaceID: st.workspaceID})
		if err != nil {
			return "", err
		}
		return m.Mapping.MappingID, nil
	})
}

func deleteRuleStep(id, obj string) step {
	return step{PlanStep: schemas.PlanStep{Op: opDeleteRule, Object: obj, ID: id, Detail: "to recreate it changed"}}.with(func(ctx context.Context, c *Catalog, _ *applyState, _ map[string]string) (string, error) {
		_, err := c.client.DeleteRule(ctx, id)
		return id, err
	})
}

func createRuleStep(br *schemas.BlueprintRule, obj, detail string) step {
	return step{PlanStep: schemas.PlanStep{Op: opCreateRule, Object: obj, Detail: detail}}.with(func(ctx context.Context, c *Catalog, st *applyState, _ map[string]string) (string, error) {
		metadata := maps.Clone(br.Metadata)
		if metadata == nil {
			metadata = map[string]any{}
		}
		metadata["action"] = br.Action
		r, err := c.client.CreateRule(ctx, meshesapi.CreateRuleRequest{
			Workspace: st.workspaceID, Connection: st.connIDs[br.Connection], Event: br.Event, Metadata: metadata,
			Resource: br.Resource, ResourceID: br.ResourceID, Active: br.Active})
		if err != nil {
			return "", err
		}
		return r.ID, nil
	})
}

// runFunc is a step's work; the catalog and the call's secrets are bound
// at apply time.
type runFunc func(ctx context.Context, c *Catalog, st *applyState, secrets map[string]string) (string, error)

func (s step) with(f runFunc) step {
	s.work = f
	return s
}

func filledSettings(md map[string]any, secrets map[string]string) map[string]any {
	if md == nil {
		return map[string]any{}
	}
	return fillSecrets(md, secrets).(map[string]any)
}

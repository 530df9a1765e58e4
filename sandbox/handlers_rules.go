package sandbox

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

type ruleInput struct {
	Workspace  *string         `json:"workspace"`
	Connection *string         `json:"connection"`
	Event      *string         `json:"event"`
	Metadata   json.RawMessage `json:"metadata"`
	Resource   *string         `json:"resource"`
	ResourceID *string         `json:"resource_id"`
	Active     *bool           `json:"active"`
	Hidden     *bool           `json:"hidden"`
}

// ruleMetadataStringKeys are the RuleMetadata keys typed as strings (docs/meshes-api.md §5.5).
var ruleMetadataStringKeys = []string{"action", "id", "name", "value", "key", "data", "option", "option_value"}

func (s *Server) createRule(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return created(w, r, "rule", func(in ruleInput) (rule, *apiError) { return s.addRule(c, in, s.now()) })
}

// addRule validates in order: shape (400), unknown workspace or connection
// (404), connection of another workspace (400), an action the integration
// does not have or missing action inputs (422), a duplicate (409).
func (s *Server) addRule(c caller, in ruleInput, now time.Time) (rule, *apiError) {
	var p problems
	wsID := checkUUIDField(&p, "workspace", in.Workspace)
	connID := checkUUIDField(&p, "connection", in.Connection)
	if in.Event == nil {
		p.add("event", "is required")
	}
	eventName := checkNonBlank(&p, "event", in.Event, maxEventName)
	resource := checkNonBlank(&p, "resource", in.Resource, maxResourceKey)
	resourceID := ""
	if in.ResourceID != nil {
		if !resourceIDRe.MatchString(*in.ResourceID) {
			p.add("resource_id", "must match ^[A-Za-z0-9._:-]{1,64}$")
		} else {
			resourceID = *in.ResourceID
		}
	}
	md := checkMetadataObject(&p, "metadata", in.Metadata)
	if md != nil {
		for _, k := range ruleMetadataStringKeys {
			if v, present := md[k]; present {
				if _, ok := v.(string); !ok {
					p.add("metadata."+k, "must be a string")
				}
			}
		}
		if _, ok := stringValue(md, "action"); !ok {
			p.add("metadata.action", "is required and must be a non-empty action key")
		}
	}
	if aerr := p.err(http.StatusBadRequest); aerr != nil {
		return rule{}, aerr
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	ws, aerr := s.db.workspaceIn(c.orgID, wsID)
	if aerr != nil {
		return rule{}, aerr
	}
	conn, aerr := s.db.connectionIn(c.orgID, connID)
	if aerr != nil {
		return rule{}, aerr
	}
	if conn.Workspace != wsID {
		return rule{}, (&problems{{Param: "connection", Msg: "belongs to a different workspace than the rule"}}).err(http.StatusBadRequest)
	}
	if aerr := checkRuleAction(conn.Type, md); aerr != nil {
		return rule{}, aerr
	}
	for _, other := range s.db.rules {
		if other.Workspace == wsID && other.Connection == connID && other.Event == eventName &&
			other.Resource == resource && other.ResourceID == resourceID &&
			other.Metadata["action"] == md["action"] && other.Metadata["id"] == md["id"] {
			return rule{}, errorf(http.StatusConflict, "rule already exists: %s already routes %q to this connection with the same action", other.ID, eventName)
		}
	}
	rl := &rule{ID: newUUID(), Workspace: wsID, Connection: connID, Type: conn.Type, Event: eventName,
		Resource: resource, ResourceID: resourceID, Metadata: md, Active: in.Active == nil || *in.Active,
		Hidden: in.Hidden != nil && *in.Hidden, CreatedBy: c.createdBy, CreatedAt: timestamp(now), UpdatedAt: timestamp(now),
		seq: s.db.nextSeq()}
	s.db.rules[rl.ID] = rl
	ws.eventTypes = catalogAdd(ws.eventTypes, eventName, c.createdBy, now)
	if resource != "" {
		ws.resources = catalogAdd(ws.resources, resource, c.createdBy, now)
	}
	return *rl, nil
}

// checkRuleAction checks metadata.action against the connection's
// integration catalog and that the action's inputs are present (422: the
// body is well-formed but means nothing to this integration).
func checkRuleAction(integrationType string, md map[string]any) *apiError {
	integ, _ := integrationByType(integrationType)
	name, _ := stringValue(md, "action")
	act, ok := integ.Actions[name]
	if !ok {
		return (&problems{{Param: "metadata.action", Msg: "is not an action of " + integ.Name + "; valid actions: " + strings.Join(integ.sortedActionKeys(), ", ")}}).err(http.StatusUnprocessableEntity)
	}
	var p problems
	for _, key := range act.requiredKeys() {
		if _, ok := stringValue(md, key); !ok {
			p.add("metadata."+key, "is required by the %s action", name)
		}
	}
	return p.err(http.StatusUnprocessableEntity)
}

func (s *Server) listRules(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.listRulesWhere(r, c, false)
}

// listRulesWhere applies the exact-match filters event, resource and
// resource_id (empty values are ignored).
func (s *Server) listRulesWhere(r *http.Request, c caller, scoped bool) (int, any, *apiError) {
	q := r.URL.Query()
	page, aerr := parsePage(q, defaultPage)
	if aerr != nil {
		return 0, nil, aerr
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	scope, aerr := s.workspaceScope(r, c, scoped)
	if aerr != nil {
		return 0, nil, aerr
	}
	list := values(s.db.rules, func(rl *rule) bool {
		return s.inScope(c, scope, rl.Workspace) && matches(q.Get("event"), rl.Event) &&
			matches(q.Get("resource"), rl.Resource) && matches(q.Get("resource_id"), rl.ResourceID)
	})
	return http.StatusOK, paginate(list, func(rl *rule) int64 { return rl.seq }, page, func(rl *rule) rule { return *rl }), nil
}

// matches is an exact-match filter where an empty filter matches anything.
func matches(filter, value string) bool { return filter == "" || filter == value }

func (s *Server) withRule(r *http.Request, c caller, fn func(rl *rule) (int, any, *apiError)) (int, any, *apiError) {
	return withPath(s, r, c, "rule_id", s.db.ruleIn, fn)
}

func (s *Server) getRule(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.withRule(r, c, func(rl *rule) (int, any, *apiError) { return http.StatusOK, *rl, nil })
}

// deleteRule removes the rule. Deliveries already created for it keep their
// history; queued ones are canceled by the worker when it finds no rule.
func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.withRule(r, c, func(rl *rule) (int, any, *apiError) {
		delete(s.db.rules, rl.ID)
		out := map[string]string{"id": rl.ID, "connection": rl.Connection, "type": rl.Type, "event": rl.Event}
		if rl.Resource != "" {
			out["resource"] = rl.Resource
		}
		if rl.ResourceID != "" {
			out["resource_id"] = rl.ResourceID
		}
		return http.StatusOK, out, nil
	})
}

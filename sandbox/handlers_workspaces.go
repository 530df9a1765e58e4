package sandbox

import (
	"net/http"
	"strings"
	"time"
)

type workspaceInput struct {
	Name        *string          `json:"name"`
	Description optional[string] `json:"description"`
}

func (in workspaceInput) validate() (string, *apiError) {
	var p problems
	name := checkName(&p, "name", in.Name, 3, 50)
	if in.Description.Set && !in.Description.Null && len([]rune(in.Description.Value)) > maxDescription {
		p.add("description", "must be at most %d characters", maxDescription)
	}
	return name, p.err(http.StatusBadRequest)
}

func (s *Server) createWorkspace(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return created(w, r, "workspace", func(in workspaceInput) (workspace, *apiError) { return s.addWorkspace(c, in, s.now()) })
}

// addWorkspace creates a workspace with its publishable key and default
// catalogs. Names are unique per organisation, compared case-insensitively
// (docs/meshes-api.md §16.6; "Acme" and "acme" side by side would only confuse).
func (s *Server) addWorkspace(c caller, in workspaceInput, now time.Time) (workspace, *apiError) {
	name, aerr := in.validate()
	if aerr != nil {
		return workspace{}, aerr
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if aerr := s.workspaceNameConflict(c.orgID, name, ""); aerr != nil {
		return workspace{}, aerr
	}
	ws := &workspace{ID: newUUID(), Name: name, CreatedAt: timestamp(now), UpdatedAt: timestamp(now),
		seq: s.db.nextSeq(), orgID: c.orgID}
	if in.Description.Set && !in.Description.Null {
		d := in.Description.Value
		ws.Description = &d
	}
	ws.pubKey = newPublishableKey(c.orgID, ws.ID)
	// A new workspace starts with the quickstart's default event type and
	// the Node client's default resource (docs/meshes-api.md §6 notes, §14); more are added as
	// events and rules name them (see catalogAdd).
	ws.eventTypes = []*catalogEntry{newCatalogEntry("contact.created", nil, now)}
	ws.resources = []*catalogEntry{newCatalogEntry(defaultResource, nil, now)}
	s.db.workspaces[ws.ID] = ws
	s.db.pubKeys[ws.pubKey] = ws.ID
	return *ws, nil
}

// workspaceNameConflict is the 409 for a name another workspace of org
// (not exceptID) already has. Caller holds mu.
func (s *Server) workspaceNameConflict(org, name, exceptID string) *apiError {
	for _, ws := range s.db.workspaces {
		if ws.orgID == org && ws.ID != exceptID && strings.EqualFold(ws.Name, name) {
			return errorf(http.StatusConflict, "workspace already exists: a workspace named %q exists in this organization", name)
		}
	}
	return nil
}

// defaultResource is the resource events carry when they name none (docs/meshes-api.md §14).
const defaultResource = "global"

func newCatalogEntry(key string, createdBy *string, now time.Time) *catalogEntry {
	return &catalogEntry{ID: newUUID(), Key: key, Label: titleCase(strings.NewReplacer(".", " ", "_", " ", "-", " ").Replace(key)),
		Active: true, CreatedBy: createdBy, CreatedAt: timestamp(now), UpdatedAt: timestamp(now)}
}

// catalogAdd appends key to a workspace catalog unless present. Unknown
// event names and resources are accepted on ingest and rule creation and
// join the catalog (docs/meshes-api.md §17 q19): Meshes documents no API to create them, so
// rejecting them would make the API unusable for new event types.
func catalogAdd(list []*catalogEntry, key, createdBy string, now time.Time) []*catalogEntry {
	for _, e := range list {
		if e.Key == key {
			return list
		}
	}
	by := createdBy
	return append(list, newCatalogEntry(key, &by, now))
}

func (s *Server) listWorkspaces(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	page, aerr := parsePage(r.URL.Query(), defaultPage)
	if aerr != nil {
		return 0, nil, aerr
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	list := values(s.db.workspaces, func(ws *workspace) bool { return ws.orgID == c.orgID })
	return http.StatusOK, paginate(list, func(ws *workspace) int64 { return ws.seq }, page,
		func(ws *workspace) workspace { return *ws }), nil
}

func (s *Server) withWorkspace(r *http.Request, c caller, fn func(ws *workspace) (int, any, *apiError)) (int, any, *apiError) {
	return withPath(s, r, c, "workspace_id", s.db.workspaceIn, fn)
}

func (s *Server) getWorkspace(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.withWorkspace(r, c, func(ws *workspace) (int, any, *apiError) {
		view := *ws
		view.PubKey = &publishableKey{Name: "Default publishable key", PublicKey: ws.pubKey}
		return http.StatusOK, view, nil
	})
}

// updateWorkspace replaces name and description. An absent description
// keeps the current one and null clears it: the Go SDK always sends the key,
// and a client that omits it should not silently erase the text.
func (s *Server) updateWorkspace(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	id, aerr := pathUUID(r, "workspace_id")
	if aerr != nil {
		return 0, nil, aerr
	}
	var in workspaceInput
	if aerr := decodeBody(w, r, &in); aerr != nil {
		return 0, nil, aerr
	}
	name, aerr := in.validate()
	if aerr != nil {
		return 0, nil, aerr
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	ws, aerr := s.db.workspaceIn(c.orgID, id)
	if aerr != nil {
		return 0, nil, aerr
	}
	if aerr := s.workspaceNameConflict(c.orgID, name, ws.ID); aerr != nil {
		return 0, nil, aerr
	}
	ws.Name = name
	switch {
	case in.Description.Null:
		ws.Description = nil
	case in.Description.Set:
		d := in.Description.Value
		ws.Description = &d
	}
	ws.UpdatedAt = timestamp(s.now())
	return http.StatusOK, *ws, nil
}

func (s *Server) listWorkspaceConnections(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.listConnectionsWhere(r, c, true)
}

func (s *Server) listWorkspaceRules(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.listRulesWhere(r, c, true)
}

func (s *Server) listWorkspaceEvents(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.listEventsWhere(r, c, true)
}

func (s *Server) listEventTypes(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.catalogList(r, c, func(ws *workspace) []*catalogEntry { return ws.eventTypes })
}

func (s *Server) listResources(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.catalogList(r, c, func(ws *workspace) []*catalogEntry { return ws.resources })
}

// catalogList answers the two bare-array catalogs, in creation order.
func (s *Server) catalogList(r *http.Request, c caller, pick func(*workspace) []*catalogEntry) (int, any, *apiError) {
	return s.withWorkspace(r, c, func(ws *workspace) (int, any, *apiError) {
		out := make([]catalogEntry, 0, len(pick(ws)))
		for _, e := range pick(ws) {
			out = append(out, *e)
		}
		return http.StatusOK, out, nil
	})
}

// workspaceScope resolves the optional {workspace_id} of a list route:
// scoped lists 404 for unknown workspaces. Caller holds mu.
func (s *Server) workspaceScope(r *http.Request, c caller, scoped bool) (string, *apiError) {
	if !scoped {
		return "", nil
	}
	id, aerr := pathUUID(r, "workspace_id")
	if aerr != nil {
		return "", aerr
	}
	if _, aerr := s.db.workspaceIn(c.orgID, id); aerr != nil {
		return "", aerr
	}
	return id, nil
}

// inScope reports whether a record of workspace wsID belongs in a list for
// the caller's org, optionally narrowed to one workspace. Caller holds mu.
func (s *Server) inScope(c caller, scope, wsID string) bool {
	if scope != "" {
		return wsID == scope
	}
	ws := s.db.workspaces[wsID]
	return ws != nil && ws.orgID == c.orgID
}

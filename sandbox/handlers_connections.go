package sandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type connectionInput struct {
	Workspace *string         `json:"workspace"`
	Type      *string         `json:"type"`
	Name      *string         `json:"name"`
	Metadata  json.RawMessage `json:"metadata"`
	Hidden    *bool           `json:"hidden"`
}

// checkMetadataObject decodes a required free-form object field.
func checkMetadataObject(p *problems, param string, raw json.RawMessage) map[string]any {
	if len(raw) == 0 || string(raw) == "null" {
		p.add(param, "is required (use {} for none)")
		return nil
	}
	var v any
	if decodeJSON(raw, &v) != nil {
		p.add(param, "must be a JSON object")
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		p.add(param, "must be a JSON object")
		return nil
	}
	return m
}

// connectionView is the wire form: secrets masked.
func connectionView(c *connection) connection {
	v := *c
	v.Metadata = redactMetadata(c.Metadata)
	return v
}

func (s *Server) createConnection(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return created(w, r, "connection", func(in connectionInput) (connection, *apiError) { return s.addConnection(c, in, s.now()) })
}

// addConnection validates and stores a connection: shape errors 400, then
// unknown workspace 404, integration-specific problems 422, and a name
// already used in the workspace 409 ("connection already exists").
func (s *Server) addConnection(c caller, in connectionInput, now time.Time) (connection, *apiError) {
	var p problems
	wsID := checkUUIDField(&p, "workspace", in.Workspace)
	var integ integration
	if in.Type == nil {
		p.add("type", "is required")
	} else if found, ok := integrationByType(*in.Type); !ok {
		p.add("type", "must be one of %s", strings.Join(integrationTypes(), ", "))
	} else {
		integ = found
	}
	name := checkName(&p, "name", in.Name, 1, 128)
	md := checkMetadataObject(&p, "metadata", in.Metadata)
	if aerr := p.err(http.StatusBadRequest); aerr != nil {
		return connection{}, aerr
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if _, aerr := s.db.workspaceIn(c.orgID, wsID); aerr != nil {
		return connection{}, aerr
	}
	if aerr := checkConnectionMetadata(integ, md); aerr != nil {
		return connection{}, aerr
	}
	if aerr := s.connectionNameConflict(wsID, name, ""); aerr != nil {
		return connection{}, aerr
	}
	active, reason := connectionState(md)
	conn := &connection{ID: newUUID(), Workspace: wsID, Type: integ.Type, Name: name, Metadata: md,
		Active: active, InactiveReason: reason, Hidden: in.Hidden != nil && *in.Hidden,
		CreatedBy: c.createdBy, CreatedAt: timestamp(now), UpdatedAt: timestamp(now),
		seq: s.db.nextSeq(), mappingID: newUUID()}
	s.db.connections[conn.ID] = conn
	return connectionView(conn), nil
}

// connectionNameConflict is the 409 for a name another connection of the
// workspace (not exceptID) already has: connection names are unique per
// workspace, case-insensitively (docs/meshes-api.md §17 q18). Caller holds mu.
func (s *Server) connectionNameConflict(wsID, name, exceptID string) *apiError {
	for _, conn := range s.db.connections {
		if conn.Workspace == wsID && conn.ID != exceptID && strings.EqualFold(conn.Name, name) {
			return errorf(http.StatusConflict, "connection already exists: workspace has a connection named %q", name)
		}
	}
	return nil
}

func (s *Server) listConnections(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.listConnectionsWhere(r, c, false)
}

func (s *Server) listConnectionsWhere(r *http.Request, c caller, scoped bool) (int, any, *apiError) {
	page, aerr := parsePage(r.URL.Query(), defaultPage)
	if aerr != nil {
		return 0, nil, aerr
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	scope, aerr := s.workspaceScope(r, c, scoped)
	if aerr != nil {
		return 0, nil, aerr
	}
	list := values(s.db.connections, func(conn *connection) bool { return s.inScope(c, scope, conn.Workspace) })
	return http.StatusOK, paginate(list, func(conn *connection) int64 { return conn.seq }, page, connectionView), nil
}

// withConnection runs fn under the lock with the path's connection.
func (s *Server) withConnection(r *http.Request, c caller, fn func(conn *connection) (int, any, *apiError)) (int, any, *apiError) {
	return withPath(s, r, c, "connection_id", s.db.connectionIn, fn)
}

func (s *Server) getConnection(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.withConnection(r, c, func(conn *connection) (int, any, *apiError) {
		return http.StatusOK, connectionView(conn), nil
	})
}

// updateConnection replaces name and metadata (both required, docs/meshes-api.md §7.1); hidden
// is kept when absent. Masked secrets sent back unchanged keep their value.
func (s *Server) updateConnection(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	var in connectionInput
	if aerr := decodeBody(w, r, &in); aerr != nil {
		return 0, nil, aerr
	}
	var p problems
	name := checkName(&p, "name", in.Name, 1, 128)
	md := checkMetadataObject(&p, "metadata", in.Metadata)
	if aerr := p.err(http.StatusBadRequest); aerr != nil {
		return 0, nil, aerr
	}
	return s.withConnection(r, c, func(conn *connection) (int, any, *apiError) {
		integ, _ := integrationByType(conn.Type)
		restoreSecrets(md, conn.Metadata)
		if aerr := checkConnectionMetadata(integ, md); aerr != nil {
			return 0, nil, aerr
		}
		if aerr := s.connectionNameConflict(conn.Workspace, name, conn.ID); aerr != nil {
			return 0, nil, aerr
		}
		conn.Name, conn.Metadata = name, md
		conn.Active, conn.InactiveReason = connectionState(md)
		if in.Hidden != nil {
			conn.Hidden = *in.Hidden
		}
		conn.UpdatedAt = timestamp(s.now())
		return http.StatusOK, connectionView(conn), nil
	})
}

// deleteConnection accepts no body, {} or {"force_delete": bool}. Any rule
// still pointing at the connection, active or not, blocks the delete
// (docs/meshes-api.md §17 q17): an inactive rule would otherwise be left dangling. With
// force_delete the rules are deleted too (docs/meshes-api.md §7.1 sandbox default); their past
// deliveries stay in the event history.
func (s *Server) deleteConnection(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	raw, aerr := readBody(w, r)
	if aerr != nil {
		return 0, nil, aerr
	}
	var in struct {
		ForceDelete *bool `json:"force_delete"`
	}
	if raw != nil {
		if aerr := decodeJSON(raw, &in); aerr != nil {
			return 0, nil, aerr
		}
	}
	force := in.ForceDelete != nil && *in.ForceDelete
	return s.withConnection(r, c, func(conn *connection) (int, any, *apiError) {
		var dependents []string
		for id, rl := range s.db.rules {
			if rl.Connection == conn.ID {
				dependents = append(dependents, id)
			}
		}
		if len(dependents) > 0 && !force {
			return 0, nil, errorf(http.StatusConflict, "connection has %d rule(s) referencing it; delete them first or send {\"force_delete\": true} to delete them with the connection", len(dependents))
		}
		for _, id := range dependents {
			delete(s.db.rules, id)
		}
		delete(s.db.connections, conn.ID)
		delete(s.db.mappings, conn.ID)
		delete(s.db.fieldSets, conn.ID)
		return http.StatusOK, map[string]string{"id": conn.ID, "type": conn.Type}, nil
	})
}

// inactiveConflict refuses live provider reads through an inactive
// connection, as the provider would reject its credentials (409, docs/meshes-api.md §7.2).
func inactiveConflict(conn *connection) *apiError {
	return errorf(http.StatusConflict, "connection is inactive (%s): reconnect it before reading live data from the provider", conn.InactiveReason)
}

// connectionActions answers the derived docs/meshes-api.md §7.2 shape: an object keyed by
// action key, each value the catalog action plus the live items of every
// collection its inputs pick from (e.g. "lists": [{"id","name"}]).
func (s *Server) connectionActions(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.withConnection(r, c, func(conn *connection) (int, any, *apiError) {
		if !conn.Active {
			return 0, nil, inactiveConflict(conn)
		}
		integ, _ := integrationByType(conn.Type)
		out := make(map[string]any, len(integ.Actions))
		for key, a := range integ.Actions {
			entry := map[string]any{"key": a.Key, "label": a.Label, "noun": a.Noun, "fields": a.Fields}
			if a.Display != nil {
				entry["display"] = a.Display
			}
			if len(a.Data) > 0 {
				entry["data"] = a.Data
			}
			for _, in := range a.Data {
				if in.From != "" {
					entry[in.From] = liveItems(conn.Type, in.From)
				}
			}
			out[key] = entry
		}
		return http.StatusOK, out, nil
	})
}

func liveItems(integrationType, collection string) []liveItem {
	if list := liveData()[integrationType][collection]; list != nil {
		return list
	}
	return []liveItem{}
}

type fieldCatalog struct {
	ID              string     `json:"id"`
	WorkspaceID     string     `json:"workspace_id"`
	ConnectionID    string     `json:"connection_id"`
	IntegrationType string     `json:"integration_type"`
	CatalogVersion  string     `json:"catalog_version"`
	RefreshedAt     timestamp  `json:"refreshed_at"`
	CreatedBy       string     `json:"created_by"`
	CreatedAt       timestamp  `json:"created_at"`
	UpdatedAt       timestamp  `json:"updated_at"`
	Fields          []fieldDef `json:"fields"`
}

// connectionFields serves the field catalog, created on first read and
// re-stamped by ?refresh=true (which, like a real provider fetch, needs an
// active connection).
func (s *Server) connectionFields(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	refresh := false
	if q := r.URL.Query(); q.Has("refresh") {
		b, err := strconv.ParseBool(q.Get("refresh"))
		if err != nil {
			return 0, nil, (&problems{{Param: "refresh", Msg: "must be true or false"}}).err(http.StatusBadRequest)
		}
		refresh = b
	}
	return s.withConnection(r, c, func(conn *connection) (int, any, *apiError) {
		if refresh && !conn.Active {
			return 0, nil, inactiveConflict(conn)
		}
		now := timestamp(s.now())
		fc := s.db.fieldSets[conn.ID]
		if fc == nil {
			fc = &fieldCatalog{ID: newUUID(), WorkspaceID: conn.Workspace, ConnectionID: conn.ID, IntegrationType: conn.Type,
				CatalogVersion: catalogVersion, RefreshedAt: now, CreatedBy: c.createdBy, CreatedAt: now, UpdatedAt: now,
				Fields: slices.Clone(fieldCatalogs()[conn.Type])}
			s.db.fieldSets[conn.ID] = fc
		} else if refresh {
			fc.RefreshedAt, fc.UpdatedAt = now, now
		}
		return http.StatusOK, *fc, nil
	})
}

func (s *Server) listIntegrations(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	page, aerr := parsePage(r.URL.Query(), defaultPage)
	if aerr != nil {
		return 0, nil, aerr
	}
	// The catalog has a fixed order; sequence numbers count down so that
	// "newest first" paging keeps it.
	seq := func(in integration) int64 {
		return int64(len(integrations()) - slices.IndexFunc(integrations(), func(x integration) bool { return x.Type == in.Type }))
	}
	return http.StatusOK, paginate(slices.Clone(integrations()), seq, page, func(in integration) integration { return in }), nil
}

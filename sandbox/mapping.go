package sandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
)

// Default field mappings (docs/meshes-api.md §7.4, §7.5). Nothing is applied at delivery time:
// the sandbox's destinations are simulated (or webhooks, which receive the
// event unmapped), so a mapping's job here is to be validated and versioned
// exactly as Meshes would.

type mapping struct {
	ID              string         `json:"id"`
	MappingID       string         `json:"mapping_id"`
	Version         int            `json:"version"`
	WorkspaceID     string         `json:"workspace_id"`
	ConnectionID    string         `json:"connection_id"`
	IntegrationType string         `json:"integration_type"`
	Name            string         `json:"name"`
	Schema          map[string]any `json:"schema"`
	CatalogVersion  string         `json:"catalog_version,omitempty"`
	CreatedBy       string         `json:"created_by,omitempty"`
	CreatedAt       timestamp      `json:"created_at"`
	UpdatedAt       timestamp      `json:"updated_at"`
}

type mappingResponse struct {
	Status  string  `json:"status"`
	Mapping mapping `json:"mapping"`
}

const (
	maxMappingFields   = 250
	maxTransforms      = 10
	defaultMappingName = "Default Mapping"
)

var mappingPathRe = lazyregexp.New(`^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*$`)

// generatedMapping is what Meshes proposes before anything is stored:
// every catalog field that has an obvious payload source, mapped by path.
// It reports version 0 — nothing is stored — and keeps the connection's
// stable mapping id so a later PUT continues the same identity.
func generatedMapping(conn *connection) mapping {
	fields := []any{}
	for _, f := range fieldCatalogs()[conn.Type] {
		if f.source != "" {
			fields = append(fields, map[string]any{"dest": f.Key, "source": map[string]any{"type": "path", "value": f.source}})
		}
	}
	return mapping{ID: conn.mappingID, MappingID: conn.mappingID, Version: 0, WorkspaceID: conn.Workspace,
		ConnectionID: conn.ID, IntegrationType: conn.Type, Name: defaultMappingName,
		Schema:         map[string]any{"schema_version": 1, "fields": fields},
		CatalogVersion: catalogVersion, CreatedAt: conn.CreatedAt, UpdatedAt: conn.CreatedAt}
}

func (s *Server) getDefaultMapping(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.withConnection(r, c, func(conn *connection) (int, any, *apiError) {
		if m := s.db.mappings[conn.ID]; m != nil {
			return http.StatusOK, mappingResponse{Status: "stored", Mapping: *m}, nil
		}
		return http.StatusOK, mappingResponse{Status: "generated", Mapping: generatedMapping(conn)}, nil
	})
}

type mappingInput struct {
	Schema          json.RawMessage `json:"schema"`
	WorkspaceID     *string         `json:"workspace_id"`
	MappingID       *string         `json:"mapping_id"`
	ExpectedVersion *int            `json:"expected_version"`
	Name            *string         `json:"name"`
}

// putDefaultMapping stores a new version. Shape errors are 400; an invalid
// schema is 422 with per-field params; a stale expected_version is 409.
// expected_version must be positive (docs/meshes-api.md §7.4), so the first store omits it;
// when given it must equal the stored version (0 when none is stored).
func (s *Server) putDefaultMapping(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	var in mappingInput
	if aerr := decodeBody(w, r, &in); aerr != nil {
		return 0, nil, aerr
	}
	var p problems
	schema := checkMetadataObject(&p, "schema", in.Schema)
	if in.WorkspaceID != nil && !isUUID(*in.WorkspaceID) {
		p.add("workspace_id", "must be a UUID")
	}
	if in.MappingID != nil && !isUUID(*in.MappingID) {
		p.add("mapping_id", "must be a UUID")
	}
	if in.ExpectedVersion != nil && *in.ExpectedVersion < 1 {
		p.add("expected_version", "must be a positive integer (omit it when storing the first version)")
	}
	if in.Name != nil && (utf8.RuneCountInString(*in.Name) < 1 || utf8.RuneCountInString(*in.Name) > 64) {
		p.add("name", "must be 1-64 characters")
	}
	if aerr := p.err(http.StatusBadRequest); aerr != nil {
		return 0, nil, aerr
	}
	if aerr := checkMappingSchema(schema).err(http.StatusUnprocessableEntity); aerr != nil {
		return 0, nil, aerr
	}
	return s.withConnection(r, c, func(conn *connection) (int, any, *apiError) {
		if in.WorkspaceID != nil && !strings.EqualFold(*in.WorkspaceID, conn.Workspace) {
			return 0, nil, (&problems{{Param: "workspace_id", Msg: "does not match the connection's workspace"}}).err(http.StatusBadRequest)
		}
		if in.MappingID != nil && !strings.EqualFold(*in.MappingID, conn.mappingID) {
			return 0, nil, notFound("Mapping")
		}
		prev := s.db.mappings[conn.ID]
		current := 0
		if prev != nil {
			current = prev.Version
		}
		if in.ExpectedVersion != nil && *in.ExpectedVersion != current {
			return 0, nil, errorf(http.StatusConflict, "mapping version conflict: expected_version is %d but the stored version is %d; re-read the mapping and retry", *in.ExpectedVersion, current)
		}
		now := timestamp(s.now())
		m := mapping{ID: newUUID(), MappingID: conn.mappingID, Version: current + 1, WorkspaceID: conn.Workspace,
			ConnectionID: conn.ID, IntegrationType: conn.Type, Name: defaultMappingName, Schema: schema,
			CatalogVersion: catalogVersion, CreatedBy: c.createdBy, CreatedAt: now, UpdatedAt: now}
		if prev != nil {
			m.Name, m.CreatedAt = prev.Name, prev.CreatedAt
		}
		if in.Name != nil {
			m.Name = *in.Name
		}
		s.db.mappings[conn.ID] = &m
		return http.StatusOK, mappingResponse{Status: "stored", Mapping: m}, nil
	})
}

// checkMappingSchema validates docs/meshes-api.md §7.5 and names each problem by its path,
// e.g. schema.fields[3].source.value.
func checkMappingSchema(schema map[string]any) problems {
	var p problems
	if v, ok := schema["schema_version"].(json.Number); !ok || v.String() != "1" && v.String() != "1.0" {
		p.add("schema.schema_version", "is required and must be 1")
	}
	fields, ok := schema["fields"].([]any)
	switch {
	case !ok:
		p.add("schema.fields", "is required and must be an array")
	case len(fields) > maxMappingFields:
		p.add("schema.fields", "may contain at most %d fields", maxMappingFields)
	}
	seen := map[string]int{}
	for i, f := range fields {
		param := fmt.Sprintf("schema.fields[%d]", i)
		field, ok := f.(map[string]any)
		if !ok {
			p.add(param, "must be an object")
			continue
		}
		if dest, ok := checkString(&p, field, param+".dest", 1, 128, true); ok {
			if j, dup := seen[dest]; dup {
				p.add(param+".dest", "duplicates schema.fields[%d].dest", j)
			}
			seen[dest] = i
		}
		checkSource(&p, field["source"], param+".source")
		checkTransforms(&p, field["transforms"], param+".transforms")
		if v, present := field["on_error"]; present && !slices.Contains([]string{"skip_field", "warn_action", "fail_action"}, asString(v)) {
			p.add(param+".on_error", "must be one of skip_field, warn_action, fail_action")
		}
		checkString(&p, field, param+".notes", 1, 1024, false)
	}
	if v, present := schema["meta"]; present {
		meta, ok := v.(map[string]any)
		if !ok {
			p.add("schema.meta", "must be an object")
		} else {
			checkString(&p, meta, "schema.meta.name", 1, 64, false)
			checkString(&p, meta, "schema.meta.notes", 1, 1024, false)
		}
	}
	return p
}

// checkString validates m[key] as a string of minLen..maxLen characters.
// The param's last segment is the key.
func checkString(p *problems, m map[string]any, param string, minLen, maxLen int, required bool) (string, bool) {
	key := param[strings.LastIndex(param, ".")+1:]
	v, present := m[key]
	if !present {
		if required {
			p.add(param, "is required")
		}
		return "", false
	}
	s, ok := v.(string)
	if !ok || utf8.RuneCountInString(s) < minLen || utf8.RuneCountInString(s) > maxLen {
		p.add(param, "must be a string of %d-%d characters", minLen, maxLen)
		return "", false
	}
	return s, true
}

// checkSource accepts the payload-relative form {"type":"path","value":
// "user.email"} (docs/meshes-api.md §17 q15: the MCP reading); the JSONPath "path" key of one
// Go fixture is rejected with a hint.
func checkSource(p *problems, v any, param string) {
	src, ok := v.(map[string]any)
	if !ok {
		p.add(param, "is required and must be an object with type literal or path")
		return
	}
	switch src["type"] {
	case "literal":
		val, present := src["value"]
		if !present {
			p.add(param+".value", "is required for literal sources")
			return
		}
		checkScalar(p, val, param+".value", 256)
	case "path":
		val, _ := src["value"].(string)
		switch {
		case src["value"] == nil && src["path"] != nil:
			p.add(param+".value", "is required: path sources are payload-relative, e.g. {\"type\":\"path\",\"value\":\"user.email\"}; a JSONPath \"path\" key is not supported")
		case val == "" || utf8.RuneCountInString(val) > 128:
			p.add(param+".value", "must be a string of 1-128 characters")
		case !mappingPathRe.MatchString(val):
			p.add(param+".value", "must be a dotted payload path such as email or user.email")
		}
	default:
		p.add(param+".type", "must be literal or path")
	}
}

// checkScalar validates a literal/default value: string (1..maxLen),
// number, boolean or null.
func checkScalar(p *problems, v any, param string, maxLen int) {
	switch x := v.(type) {
	case nil, bool, json.Number:
	case string:
		if utf8.RuneCountInString(x) < 1 || utf8.RuneCountInString(x) > maxLen {
			p.add(param, "must be a string of 1-%d characters, a number, a boolean or null", maxLen)
		}
	default:
		p.add(param, "must be a string, number, boolean or null")
	}
}

var transformTypes = []string{"to_string", "to_number", "to_boolean", "to_date", "to_datetime", "default", "trim", "lower", "upper", "substring"}

func checkTransforms(p *problems, v any, param string) {
	if v == nil {
		return
	}
	list, ok := v.([]any)
	if !ok {
		p.add(param, "must be an array")
		return
	}
	if len(list) > maxTransforms {
		p.add(param, "may contain at most %d transforms", maxTransforms)
	}
	for i, t := range list {
		tp := fmt.Sprintf("%s[%d]", param, i)
		tr, ok := t.(map[string]any)
		if !ok {
			p.add(tp, "must be an object")
			continue
		}
		typ, _ := tr["type"].(string)
		switch typ {
		case "to_date", "to_datetime":
			checkString(p, tr, tp+".timezone", 1, 64, false)
		case "default":
			if val, present := tr["value"]; !present {
				p.add(tp+".value", "is required for default transforms")
			} else {
				checkScalar(p, val, tp+".value", 128)
			}
		case "substring":
			if n, ok := intValue(tr["start"]); !ok || n < 0 {
				p.add(tp+".start", "is required and must be an integer >= 0")
			}
			if l, present := tr["length"]; present {
				if n, ok := intValue(l); !ok || n < 1 {
					p.add(tp+".length", "must be an integer > 0")
				}
			}
		default:
			if !slices.Contains(transformTypes, typ) {
				p.add(tp+".type", "must be one of %s", strings.Join(transformTypes, ", "))
			}
		}
	}
}

func intValue(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// asString returns v if it is a string, else "".
func asString(v any) string {
	s, _ := v.(string)
	return s
}

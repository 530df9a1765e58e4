package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// The mapping schema grammar (docs/meshes-api.md §7.5) is checked here in full; the
// tool's JSON Schema shows only its outline and enums, since the full form
// would triple the tool list every model reads. The rules are Meshes' (docs/meshes-api.md §7); the messages name the path.
// Path sources use the payload-relative {"type":"path","value":"user.email"}
// form of the official MCP server (docs/meshes-api.md §17 q15).

var (
	mappingPath     = lazyregexp.New(`^[a-zA-Z_][a-zA-Z0-9_]*(\.[a-zA-Z0-9_]+)*$`)
	transformTypes  = schemas.MappingTransforms
	onErrorValues   = schemas.MappingOnError
	maxMappingField = 250
)

// parseMappingSchema decodes and checks the schema argument of
// update_connection_mapping.
func parseMappingSchema(m map[string]any) (meshesapi.MappingSchema, error) {
	var s meshesapi.MappingSchema
	raw, err := json.Marshal(m)
	if err == nil {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		err = dec.Decode(&s)
	}
	if err != nil {
		return s, &argError{msg: "invalid arguments: " + decodeProblem("schema", raw, reflect.TypeFor[meshesapi.MappingSchema](), err) +
			"; expected {schema_version:1, fields:[{dest, source:{type, value}, transforms?:[{type, …}], on_error?, notes?}], meta?}."}
	}
	var probs problems
	if _, ok := m["schema_version"]; !ok || s.SchemaVersion != 1 {
		probs.add("schema.schema_version", "must be 1")
	}
	if _, ok := m["fields"]; !ok {
		probs.add("schema.fields", "is required")
	}
	if len(s.Fields) > maxMappingField {
		probs.add("schema.fields", "must have at most %d items", maxMappingField)
	}
	for i, f := range s.Fields {
		checkMappingField(fmt.Sprintf("schema.fields[%d]", i), f, &probs)
	}
	if s.Meta != nil {
		checkLen("schema.meta.name", s.Meta.Name, 64, true, &probs)
		checkLen("schema.meta.notes", s.Meta.Notes, 1024, true, &probs)
	}
	if len(probs) > 0 {
		return s, &argError{msg: "invalid arguments: " + strings.Join(probs, "; ") + "."}
	}
	return s, nil
}

func checkMappingField(path string, f meshesapi.MappingField, probs *problems) {
	checkLen(path+".dest", f.Dest, 128, false, probs)
	switch f.Source.Type {
	case "path":
		var p string
		if json.Unmarshal(f.Source.Value, &p) != nil || !mappingPath.MatchString(p) || len(p) > 128 {
			probs.add(path+".source.value", "must be a payload path such as email or user.email")
		}
	case "literal":
		checkScalar(path+".source.value", f.Source.Value, 256, probs)
	default:
		probs.add(path+".source.type", "must be path or literal")
	}
	if len(f.Transforms) > 10 {
		probs.add(path+".transforms", "must have at most 10 items")
	}
	for j, t := range f.Transforms {
		tp := fmt.Sprintf("%s.transforms[%d]", path, j)
		if !slices.Contains(transformTypes, t.Type) {
			probs.add(tp+".type", "must be one of %s", strings.Join(transformTypes, ", "))
			continue
		}
		if t.Timezone != "" && t.Type != "to_date" && t.Type != "to_datetime" {
			probs.add(tp+".timezone", "is only for to_date and to_datetime")
		}
		checkLen(tp+".timezone", t.Timezone, 64, true, probs)
		switch {
		case t.Type == "default" && t.Value == nil:
			probs.add(tp+".value", "is required for default")
		case t.Type == "default":
			checkScalar(tp+".value", t.Value, 128, probs)
		case t.Value != nil:
			probs.add(tp+".value", "is only for default")
		}
		switch {
		case t.Type == "substring" && (t.Start == nil || *t.Start < 0):
			probs.add(tp+".start", "is required for substring and must be at least 0")
		case t.Type != "substring" && (t.Start != nil || t.Length != nil):
			probs.add(tp, "start and length are only for substring")
		case t.Length != nil && *t.Length < 1:
			probs.add(tp+".length", "must be at least 1")
		}
	}
	if f.OnError != "" && !slices.Contains(onErrorValues, f.OnError) {
		probs.add(path+".on_error", "must be one of %s", strings.Join(onErrorValues, ", "))
	}
	checkLen(path+".notes", f.Notes, 1024, true, probs)
}

// checkScalar accepts a string of 1..maxLen characters, a number, a boolean
// or null.
func checkScalar(path string, raw json.RawMessage, maxLen int, probs *problems) {
	var v any
	if raw == nil || json.Unmarshal(raw, &v) != nil {
		probs.add(path, "is required")
		return
	}
	switch x := v.(type) {
	case nil, bool, float64:
	case string:
		checkLen(path, x, maxLen, false, probs)
	default:
		probs.add(path, "must be a string, number, boolean or null")
	}
}

// checkLen checks 1..max characters; optional strings may also be empty.
func checkLen(path, s string, max int, optional bool, probs *problems) {
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0 && !optional:
		probs.add(path, "must not be empty")
	case n > max:
		probs.add(path, "must have at most %d characters", max)
	}
}

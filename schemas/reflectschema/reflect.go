// Package reflectschema turns the structs of package schemas into the JSON
// Schema a model sees. It is used ahead of time, by the generator and the
// tests of package tools (tools/schemas_gen.go), never by the server: a
// start would pay milliseconds for reflection, and the binary would carry
// invopop/jsonschema and a YAML library for nothing.
//
// One Reflector produces every schema, and every schema goes through the same
// post-processing, so that what reaches a model provider is portable: no
// $ref/$defs (Gemini, Zed and Copilot CLI fail on them), no top-level
// oneOf/anyOf/allOf (Anthropic rejects the whole request), no bare true/false
// sub-schemas, `properties` always present. Input schemas are also limited to
// the keywords the argument decoder in package tools enforces, so that every
// constraint a model reads is a constraint the server checks.
package reflectschema

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"github.com/invopop/jsonschema"

	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// reflector is the single JSON Schema generator for the whole catalog.
// DoNotReference and ExpandedStruct inline every type; Anonymous drops the
// $id derived from the Go package path, which means nothing to a model.
var reflector = &jsonschema.Reflector{
	DoNotReference: true,
	ExpandedStruct: true,
	Anonymous:      true,
	Mapper:         mapType,
}

var (
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	nullableType   = reflect.TypeFor[schemas.NullableString]()
)

// mapType gives types the reflector would render badly a portable schema. It
// must return a fresh *Schema each call: the reflector writes the field's
// tags (description, constraints) into it.
func mapType(t reflect.Type) *jsonschema.Schema {
	switch t {
	case rawMessageType:
		// Any JSON value. Without this a RawMessage reflects as a base64
		// string, and an untyped `any` as the bare schema `true`.
		return &jsonschema.Schema{}
	case nullableType:
		// null is an answer of its own ("clear it"), so the type says so.
		return &jsonschema.Schema{Extras: map[string]any{"type": []string{"string", "null"}}}
	}
	if hints, ok := freeFormHints[t]; ok {
		return hints()
	}
	return nil
}

// InputOf returns the post-processed JSON Schema of a tool's argument struct.
// Objects from structs carry `additionalProperties: false`, and the decoder
// reads it: an unknown key there is refused with a message listing the valid
// ones, while a free-form object (payload, metadata) takes any key.
//
// The server does not call this at startup: package tools serves schemas
// generated from these structs ahead of time (see tools/schemas_gen.go), and
// a test keeps the two identical. Reflection costs milliseconds per start.
func InputOf(t reflect.Type, opts ...schemas.Option) (json.RawMessage, error) {
	return build(t, true, opts)
}

// OutputOf returns the post-processed JSON Schema of a tool's result struct,
// reduced to what every result is guaranteed to hold (see guaranteed).
func OutputOf(t reflect.Type) (json.RawMessage, error) {
	return build(t, false, nil)
}

// require applies a schemas.Require option: it marks a property required
// that its struct leaves optional.
func require(s *jsonschema.Schema, path []string) error {
	for _, step := range path[:len(path)-1] {
		next, ok := s.Properties.Get(step)
		if !ok {
			return fmt.Errorf("require %v: no property %q", path, step)
		}
		if next.Items != nil {
			next = next.Items
		}
		s = next
	}
	name := path[len(path)-1]
	if _, ok := s.Properties.Get(name); !ok {
		return fmt.Errorf("require %v: no property %q", path, name)
	}
	if !slices.Contains(s.Required, name) {
		s.Required = append([]string{name}, s.Required...)
	}
	return nil
}

func build(t reflect.Type, input bool, opts []schemas.Option) (json.RawMessage, error) {
	s := reflector.ReflectFromType(t)
	for _, opt := range opts {
		if err := require(s, opt.RequiredPath()); err != nil {
			return nil, err
		}
	}
	s.Version = ""
	s.ID = ""
	s.Definitions = nil
	if s.Properties == nil {
		s.Properties = jsonschema.NewProperties()
	}
	for _, sub := range children(s) {
		tidy(sub, input)
	}
	if input {
		s.AdditionalProperties = jsonschema.FalseSchema
	} else {
		s = guaranteed(s)
		if s.Properties == nil {
			s.Properties = jsonschema.NewProperties()
		}
	}
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("schemas: marshal %v: %w", t, err)
	}
	if problems := schemas.Check(raw, input); len(problems) > 0 {
		return nil, fmt.Errorf("schemas: %v: %v", t, problems)
	}
	return raw, nil
}

// tidy post-processes one sub-schema and everything below it.
func tidy(s *jsonschema.Schema, input bool) {
	if s == nil {
		return
	}
	// A struct-derived object carries additionalProperties:false; maps
	// carry a value schema or nothing. Argument objects keep it, since the
	// decoder refuses unknown keys there; results have no use for it.
	if isFalse(s.AdditionalProperties) && !input {
		s.AdditionalProperties = nil
	}
	if input {
		portable(s)
	}
	if reflect.DeepEqual(s, &jsonschema.Schema{}) {
		// An empty schema marshals as the bare `true`, which some model
		// providers reject; a non-nil Extras makes it marshal as {}.
		s.Extras = map[string]any{}
	}
	for _, sub := range children(s) {
		tidy(sub, input)
	}
}

func isFalse(s *jsonschema.Schema) bool {
	if s == nil {
		return false
	}
	b, err := json.Marshal(s)
	return err == nil && string(b) == "false"
}

// children lists the direct sub-schemas of s that the catalog's types can
// produce: properties, array items and map values.
func children(s *jsonschema.Schema) []*jsonschema.Schema {
	var out []*jsonschema.Schema
	if s.Properties != nil {
		for p := s.Properties.Oldest(); p != nil; p = p.Next() {
			out = append(out, p.Value)
		}
	}
	if s.Items != nil {
		out = append(out, s.Items)
	}
	if s.AdditionalProperties != nil && !isFalse(s.AdditionalProperties) {
		out = append(out, s.AdditionalProperties)
	}
	return out
}

// guaranteed reduces a result schema to its contract: the required fields,
// their types and their enums, at every level reached through required
// fields. Descriptions, optional fields and map values go.
//
// An output schema is read by the host, not the model: hosts on the MCP
// TypeScript SDK compile one AJV validator per tool on every tools/list, and
// the cost grows with each sub-schema (bench/hostcost measures it; the full
// schemas cost several times more than the ones kept here). The model learns
// the optional fields from the tool's description and from the result
// itself; what a host validates is what a client may rely on.
func guaranteed(s *jsonschema.Schema) *jsonschema.Schema {
	out := &jsonschema.Schema{Type: s.Type, Enum: s.Enum, Extras: s.Extras}
	if out.Type == "" && out.Extras == nil {
		out.Extras = map[string]any{} // any JSON value: {} rather than the bare true
	}
	if s.Items != nil {
		// Items that say no more than a type cost a sub-schema for little.
		if items := guaranteed(s.Items); len(items.Required) > 0 || items.Enum != nil {
			out.Items = items
		}
	}
	if len(s.Required) == 0 {
		return out
	}
	out.Required = s.Required
	out.Properties = jsonschema.NewProperties()
	for p := s.Properties.Oldest(); p != nil; p = p.Next() {
		if slices.Contains(s.Required, p.Key) {
			out.Properties.Set(p.Key, guaranteed(p.Value))
		}
	}
	return out
}

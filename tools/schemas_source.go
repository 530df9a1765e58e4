package tools

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// Tool schemas are generated from the structs in package schemas ahead of
// time, into schemas_gen.go, rather than reflected at every start: the
// reflection and its JSON round trips took about 7 ms of a 30 ms cold start,
// for a result that only changes when the code does. TestGeneratedSchemas
// reflects them afresh and fails when the generated file differs, so what
// the server serves is always what its structs say. Regenerate with
//
//	UPDATE_SNAPSHOTS=1 go test ./tools/

// toolSchemas is one tool's input and output schema, as generated.
type toolSchemas struct{ input, output string }

// schemaKey names a tool's schemas under one configuration: the tool, plus
// the input options that configuration applies (send_event requires
// workspace_id unless a publishable key implies it).
func schemaKey(name string, opts []schemas.Option) string {
	parts := []string{name}
	for _, o := range opts {
		parts = append(parts, o.Name)
	}
	return strings.Join(parts, " ")
}

// schemaSource builds a tool's input schema (under its options) and output
// schema from its structs.
type schemaSource func(in, out reflect.Type, opts []schemas.Option) (json.RawMessage, json.RawMessage, error)

// attachSchemas gives t its input and output schemas and its lazily built
// argument decoder: the generated ones, or source's when set.
func attachSchemas(t *Tool, source schemaSource) error {
	var in, out json.RawMessage
	if source != nil {
		var err error
		if in, out, err = source(t.inType, t.outType, t.inputOptions); err != nil {
			return err
		}
	} else {
		gen, ok := generatedSchemas[t.schemaKey]
		if !ok {
			return fmt.Errorf("no generated schema for %q: run UPDATE_SNAPSHOTS=1 go test ./tools/", t.schemaKey)
		}
		in, out = json.RawMessage(gen.input), json.RawMessage(gen.output)
	}
	t.Definition.RawInputSchema, t.Definition.RawOutputSchema = in, out
	nullable := t.nullable
	t.decoder = sync.OnceValues(func() (*argDecoder, error) { return newArgDecoder(in, nullable) })
	return nil
}

package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// Tool is one entry of the catalog: what the model sees (Definition) plus
// the facts listings and filters need.
type Tool struct {
	Name    string
	Title   string
	Toolset string
	// ReadOnly tools change nothing; they are the only ones left in
	// read-only mode.
	ReadOnly bool
	// Description is one line, the same text the model reads.
	Description string
	// Definition is the MCP tool as served in tools/list.
	Definition mcp.Tool

	// scope is the spec's workspace scope, resolved against the input
	// struct; declErr is why it could not be, which New reports.
	scope   []scopeCheck
	declErr error
	// nullable names top-level arguments where JSON null is meaningful.
	nullable map[string]bool
	// inType and outType are the structs the schemas come from, adjusted by
	// inputOptions; schemaKey names that combination among the generated
	// schemas.
	inType, outType reflect.Type
	inputOptions    []schemas.Option
	schemaKey       string
	// decoder returns the argument decoder, parsed from the input schema on
	// the tool's first call so that a start does not pay for every tool.
	decoder func() (*argDecoder, error)
	// decode turns raw arguments into a pointer to the tool's input struct,
	// decoded strictly and validated; handle runs the handler on it and
	// returns the handler's output struct.
	decode func(d *argDecoder, raw json.RawMessage) (any, error)
	handle func(ctx context.Context, args any) (any, error)
}

// spec is the hand-written part of a tool; the rest comes from its structs.
type spec struct {
	name, title, toolset, description string
	// readOnly: changes nothing. destructive: may overwrite or delete
	// existing data. idempotent: repeating the call has no further effect.
	readOnly, destructive, idempotent bool
	// openWorld: reaches beyond Meshes' own records, to a provider or a
	// destination (deliveries, live data from a connected account).
	openWorld bool
	// scope says how a call relates to workspaces (scope.go); every tool
	// declares it.
	scope []scopeDecl
	// inputOptions adapt the input schema to the configuration.
	inputOptions []schemas.Option
}

// reading is the annotation set of every read tool.
func reading(name, title, toolset, description string) spec {
	return spec{name: name, title: title, toolset: toolset, description: description, readOnly: true, idempotent: true}
}

// writing is a tool that changes state in Meshes.
func writing(name, title, toolset, description string, destructive, idempotent bool) spec {
	return spec{name: name, title: title, toolset: toolset, description: description, destructive: destructive, idempotent: idempotent}
}

func (s spec) reachesOut() spec {
	s.openWorld = true
	return s
}

// validator is implemented by inputs with rules that span several fields.
type validator interface{ Validate() error }

// newTool turns a typed handler into a catalog entry: its schemas are those
// of In and Out (attached by the catalog, see schemas_source.go), arguments
// are decoded strictly into In and validated (In's Validate method, then
// checks, rules that need this package) before the catalog enforces the
// tool's scope and runs the handler (Catalog.run), so bad input never costs
// a request to Meshes. This is the one place where that sequence is
// written, so no tool can skip a step.
func newTool[In, Out any](s spec, handler func(context.Context, *In) (*Out, error), checks ...func(*In) error) Tool {
	t := Tool{
		Name:         s.name,
		Title:        s.title,
		Toolset:      s.toolset,
		ReadOnly:     s.readOnly,
		Description:  s.description,
		nullable:     nullableFields(reflect.TypeFor[In]()),
		inType:       reflect.TypeFor[In](),
		outType:      reflect.TypeFor[Out](),
		inputOptions: s.inputOptions,
		schemaKey:    schemaKey(s.name, s.inputOptions),
	}
	t.scope, t.declErr = resolveScope(t.inType, s.scope)
	t.Definition = mcp.Tool{
		Name:        s.name,
		Title:       s.title,
		Description: s.description,
		Annotations: mcp.ToolAnnotation{
			// Title is repeated here for clients of protocol versions
			// before tools had a top-level title.
			Title:           s.title,
			ReadOnlyHint:    mcp.ToBoolPtr(s.readOnly),
			DestructiveHint: mcp.ToBoolPtr(s.destructive),
			IdempotentHint:  mcp.ToBoolPtr(s.idempotent),
			OpenWorldHint:   mcp.ToBoolPtr(s.openWorld),
		},
	}
	t.decode = func(d *argDecoder, raw json.RawMessage) (any, error) {
		normalized, err := d.decode(raw)
		if err != nil {
			return nil, err
		}
		var args In
		dec := json.NewDecoder(bytes.NewReader(normalized))
		// Numbers inside free-form objects (payload, metadata) stay exact
		// json.Number literals instead of float64 approximations.
		dec.UseNumber()
		dec.DisallowUnknownFields()
		if err := dec.Decode(&args); err != nil {
			return nil, &argError{msg: "invalid arguments: " + decodeProblem("", normalized, reflect.TypeFor[In](), err) + "."}
		}
		if v, ok := any(&args).(validator); ok {
			if err := v.Validate(); err != nil {
				return nil, err
			}
		}
		for _, check := range checks {
			if err := check(&args); err != nil {
				return nil, err
			}
		}
		return &args, nil
	}
	t.handle = func(ctx context.Context, args any) (any, error) {
		return handler(ctx, args.(*In))
	}
	return t
}

var nullableType = reflect.TypeFor[schemas.NullableString]()

// nullableFields lists the top-level JSON names of NullableString fields.
func nullableFields(t reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type == nullableType {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			out[name] = true
		}
	}
	return out
}

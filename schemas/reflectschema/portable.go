package reflectschema

import (
	"fmt"
	"reflect"
	"regexp"

	"github.com/invopop/jsonschema"

	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// Argument schemas are served to every kind of host, and each host accepts a
// different subset of JSON Schema (docs/schemas.md lists the rules and their
// sources; tools/hosts_test.go checks every tool against each). The
// portable spelling chosen here is the one all of them accept:
//
//   - no `format` on strings: Gemini accepts only enum and date-time, so a
//     UUID is UUIDPattern (the decoder recognises it and checks a UUID);
//   - no minLength/maxLength: OpenAI's strict mode refuses both, so a length
//     folds into the pattern, or into the description where no pattern can
//     carry it (the input's Validate then enforces it);
//   - no object without properties: Gemini refuses them, so a free-form
//     object (payload, metadata) declares the well-known keys it may hold
//     and stays open to any other.

// maxRepeat is the largest count Go's regexp accepts in {m,n}, so the largest
// length the decoder can check through a pattern.
const maxRepeat = 1000

// charClassPlus matches a pattern made of one character class repeated, the
// shape every length-bounded name pattern of the catalog has.
var charClassPlus = regexp.MustCompile(`^\^(\[[^\]]+\])\+\$$`)

// portable rewrites one argument sub-schema into the spelling every host
// accepts; the meaning, and what the decoder enforces, stay the same.
func portable(s *jsonschema.Schema) {
	if s.Format == "uuid" {
		s.Format, s.Pattern = "", schemas.UUIDPattern
	}
	if s.MinLength == nil && s.MaxLength == nil {
		return
	}
	lo, hi := uint64(0), ""
	if s.MinLength != nil {
		lo = *s.MinLength
	}
	if s.MaxLength != nil {
		hi = fmt.Sprint(*s.MaxLength)
	}
	class := `[\s\S]`
	if m := charClassPlus.FindStringSubmatch(s.Pattern); m != nil {
		class = m[1]
	} else if s.Pattern != "" {
		panic("schemas: cannot fold a length into pattern " + s.Pattern)
	}
	if s.MaxLength != nil && *s.MaxLength > maxRepeat {
		// Too long for a pattern the decoder can compile: the description
		// says it, and the input's Validate enforces it.
		s.Description += fmt.Sprintf(" At most %d characters.", *s.MaxLength)
		hi = ""
		if s.Pattern == "" && lo == 0 {
			s.MinLength, s.MaxLength = nil, nil
			return
		}
	}
	switch {
	case lo <= 1 && hi == "" && class == `[\s\S]`:
		s.Pattern = `\S` // not blank: the only reason for a minimum of 1
	case lo <= 1 && hi == "":
		s.Pattern = "^" + class + "+$"
	default:
		s.Pattern = fmt.Sprintf("^%s{%d,%s}$", class, lo, hi)
	}
	s.MinLength, s.MaxLength = nil, nil
}

// freeFormHints builds the schema of each free-form argument type.
var freeFormHints = map[reflect.Type]func() *jsonschema.Schema{
	reflect.TypeFor[schemas.Payload](): func() *jsonschema.Schema {
		return open(named("email", str("The person's email address; send it for person events.")))
	},
	reflect.TypeFor[schemas.ConnectionMetadata](): func() *jsonschema.Schema {
		return open(
			named("url", str("webhook: the https destination URL.")),
			named("api_key", str("api_key integrations: the provider's API key.")),
		)
	},
	reflect.TypeFor[schemas.RuleMetadata](): func() *jsonschema.Schema {
		return open(named("id", str("The list, tag, channel… id the action works on (list_connection_actions).")))
	},
	reflect.TypeFor[schemas.BlueprintDocument](): func() *jsonschema.Schema {
		doc := open(
			named("version", &jsonschema.Schema{Type: "integer", Enum: []any{1}, Description: "1."}),
			named("connections", array("As in plan_blueprint.", open(named("name", str("Name."))))),
			named("rules", array("As in plan_blueprint.", open(named("event", str("Event name."))))),
		)
		doc.Required = []string{"version", "connections", "rules"}
		return doc
	},
	reflect.TypeFor[schemas.BlueprintMapping](): func() *jsonschema.Schema {
		doc := open(named("schema_version", &jsonschema.Schema{Type: "integer", Enum: []any{1}, Description: "1."}))
		doc.Required = []string{"schema_version"}
		return doc
	},
	reflect.TypeFor[schemas.MappingDocument](): func() *jsonschema.Schema {
		transform := open(named("type", enum("default needs value; substring needs start.", schemas.MappingTransforms...)))
		source := open(named("type", enum("path (value: payload path, e.g. user.email) or literal (value: the value).", "path", "literal")))
		source.Description = "{type, value}."
		source.Required = []string{"type"}
		field := open(
			named("dest", str("Key from get_connection_fields.")),
			named("source", source),
			named("transforms", array("Applied in order.", transform)),
			named("on_error", enum("If a transform fails.", schemas.MappingOnError...)),
		)
		field.Required = []string{"dest", "source"}
		transform.Required = []string{"type"}
		doc := open(
			named("schema_version", &jsonschema.Schema{Type: "integer", Enum: []any{1}, Description: "1."}),
			named("fields", array("Per destination field.", field)),
		)
		doc.Required = []string{"schema_version", "fields"}
		return doc
	},
}

type property struct {
	name   string
	schema *jsonschema.Schema
}

func named(name string, s *jsonschema.Schema) property { return property{name, s} }

// open is an object with the given well-known keys that accepts any other.
func open(props ...property) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "object", Properties: jsonschema.NewProperties()}
	for _, p := range props {
		s.Properties.Set(p.name, p.schema)
	}
	return s
}

func str(description string) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "string", Description: description}
}

func enum(description string, values ...string) *jsonschema.Schema {
	s := &jsonschema.Schema{Type: "string", Description: description}
	for _, v := range values {
		s.Enum = append(s.Enum, v)
	}
	return s
}

func array(description string, items *jsonschema.Schema) *jsonschema.Schema {
	return &jsonschema.Schema{Type: "array", Description: description, Items: items}
}

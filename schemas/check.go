package schemas

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// InputKeywords are the only JSON Schema keywords an input schema may use:
// exactly the ones the argument decoder in package tools enforces. A keyword
// outside this set would be a promise to the model that nobody keeps.
//
// It is also the portable subset (see portable.go): no format, no string
// lengths, which some hosts refuse.
var InputKeywords = []string{
	"type", "properties", "required", "items", "additionalProperties",
	"description", "default", "enum",
	"pattern", "minimum", "maximum", "minItems", "maxItems",
}

var combinators = []string{"oneOf", "anyOf", "allOf", "not", "if", "then", "else"}

// Check reports every way raw breaks the catalog's schema rules; nil means
// it is fit to hand to any model provider. input selects the stricter rules
// for argument schemas (every property described, decoder keywords only).
func Check(raw json.RawMessage, input bool) []string {
	var root map[string]any
	if err := json.Unmarshal(raw, &root); err != nil {
		return []string{"not a JSON object: " + err.Error()}
	}
	var problems []string
	report := func(path, format string, args ...any) {
		problems = append(problems, path+": "+fmt.Sprintf(format, args...))
	}
	if root["type"] != "object" {
		report("$", "root type must be object")
	}
	if _, ok := root["properties"].(map[string]any); !ok {
		report("$", "root must have properties")
	}
	for _, k := range combinators {
		if _, ok := root[k]; ok {
			report("$", "top-level %s is rejected by some providers", k)
		}
	}
	walk("$", root, input, true, report)
	sort.Strings(problems)
	return problems
}

func walk(path string, s map[string]any, input, root bool, report func(string, string, ...any)) {
	for _, k := range []string{"$ref", "$defs", "definitions", "$schema", "$id"} {
		if _, ok := s[k]; ok {
			report(path, "%s is not allowed (schemas must be inlined and anonymous)", k)
		}
	}
	if input {
		for k := range s {
			if !slices.Contains(InputKeywords, k) {
				report(path, "keyword %q is not enforced by the argument decoder", k)
			}
		}
	}
	props, _ := s["properties"].(map[string]any)
	if req, ok := s["required"].([]any); ok {
		for _, r := range req {
			name, _ := r.(string)
			if _, ok := props[name]; !ok {
				report(path, "required %q is not a property", name)
			}
		}
	}
	for name, p := range props {
		sub := child(path+"."+name, p, report)
		if sub == nil {
			continue
		}
		if input {
			if d, _ := sub["description"].(string); d == "" {
				report(path+"."+name, "property has no description")
			}
		}
		walk(path+"."+name, sub, input, false, report)
	}
	if items, ok := s["items"]; ok {
		if sub := child(path+"[]", items, report); sub != nil {
			walk(path+"[]", sub, input, false, report)
		}
	}
	if ap, ok := s["additionalProperties"]; ok {
		if b, isBool := ap.(bool); isBool {
			if b || !input {
				report(path, "additionalProperties must be a schema or, on arguments, false")
			}
		} else if sub := child(path+"{}", ap, report); sub != nil {
			walk(path+"{}", sub, input, false, report)
		}
	}
}

// child returns a sub-schema as an object, reporting bare true/false schemas.
func child(path string, v any, report func(string, string, ...any)) map[string]any {
	sub, ok := v.(map[string]any)
	if !ok {
		report(path, "sub-schema must be an object, not %v", v)
	}
	return sub
}

package tools

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Each host a user connects this server to checks tool schemas by its own
// rules, and one tool it refuses fails the whole request. The rules below
// are the documented ones (sources in docs/schemas.md and beside each rule);
// every tool, under every configuration, must pass each host's.

// hostRule is one documented rule: it reports problems with one schema.
type hostRule func(path string, s map[string]any, report func(string, ...any))

type host struct {
	name string
	// namePattern is the host's rule for function names.
	namePattern *regexp.Regexp
	// rules apply to every sub-schema of the input schema.
	rules []hostRule
	// convert, when set, is what the host's SDK does to a schema before
	// sending it; it may refuse the schema outright.
	convert func(map[string]any) error
}

var hosts = []host{
	{
		// Anthropic Messages API, "Tool use": input_schema is a JSON Schema
		// object; oneOf/allOf/anyOf at its top level are refused, and tool
		// names match ^[a-zA-Z0-9_-]{1,64}$.
		name:        "Anthropic",
		namePattern: regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`),
		rules:       []hostRule{rootIsObject, noTopLevelCombinators},
	},
	{
		// VS Code Copilot validates each tool's inputSchema before use: an
		// array needs items, an object's required names must be properties,
		// and $ref cannot be resolved.
		name:        "VS Code Copilot",
		namePattern: regexp.MustCompile(`^[a-zA-Z0-9_.-]{1,64}$`),
		rules:       []hostRule{rootIsObject, arraysHaveItems, requiredAreProperties, noRefs},
	},
	{
		// Cursor sends the schemas to several providers and cannot resolve
		// $ref; the server name plus tool name must stay within 60 chars.
		name:        "Cursor",
		namePattern: regexp.MustCompile(`^[a-zA-Z0-9_-]{1,50}$`),
		rules:       []hostRule{rootIsObject, noRefs, noTopLevelCombinators},
	},
	{
		// Gemini FunctionDeclaration.parametersJsonSchema: string formats
		// are limited to enum and date-time ("Schema.format"), and an
		// object must declare non-empty properties ("properties: should be
		// non-empty for OBJECT type"). Names start with a letter or _.
		name:        "Gemini (parametersJsonSchema)",
		namePattern: regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$`),
		rules:       []hostRule{rootIsObject, geminiFormats, objectsHaveProperties, noTopLevelCombinators},
	},
	{
		// OpenAI function calling, strict off: parameters is a JSON Schema
		// object; names match ^[a-zA-Z0-9_-]{1,64}$.
		name:        "OpenAI (non-strict)",
		namePattern: regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`),
		rules:       []hostRule{rootIsObject},
	},
	{
		// OpenAI Agents SDK: FunctionTool(strict_json_schema=True) runs
		// ensure_strict_json_schema, which refuses objects that allow
		// additional properties, then the API's Structured Outputs rules
		// apply: every object closed and all its properties required, and
		// only the supported keywords ("Supported schemas": minLength,
		// maxLength, minProperties and friends are not among them).
		name:        "OpenAI Agents SDK (strict)",
		namePattern: regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`),
		convert:     agentsStrict,
		rules:       []hostRule{rootIsObject, strictObjects, strictKeywords},
	},
}

func rootIsObject(path string, s map[string]any, report func(string, ...any)) {
	if path == "$" && s["type"] != "object" {
		report("root type must be object")
	}
}

func noTopLevelCombinators(path string, s map[string]any, report func(string, ...any)) {
	for _, k := range []string{"oneOf", "anyOf", "allOf"} {
		if _, ok := s[k]; ok && path == "$" {
			report("top-level %s", k)
		}
	}
}

func noRefs(_ string, s map[string]any, report func(string, ...any)) {
	for _, k := range []string{"$ref", "$defs", "definitions"} {
		if _, ok := s[k]; ok {
			report("%s cannot be resolved", k)
		}
	}
}

func arraysHaveItems(_ string, s map[string]any, report func(string, ...any)) {
	if s["type"] == "array" && s["items"] == nil {
		report("array without items")
	}
}

func requiredAreProperties(_ string, s map[string]any, report func(string, ...any)) {
	props, _ := s["properties"].(map[string]any)
	req, _ := s["required"].([]any)
	for _, r := range req {
		if _, ok := props[r.(string)]; !ok {
			report("required %v is not a property", r)
		}
	}
}

func geminiFormats(_ string, s map[string]any, report func(string, ...any)) {
	if f, ok := s["format"].(string); ok && s["type"] == "string" && f != "enum" && f != "date-time" {
		report("string format %q", f)
	}
}

func objectsHaveProperties(_ string, s map[string]any, report func(string, ...any)) {
	if props, _ := s["properties"].(map[string]any); typeOf(s) == "object" && len(props) == 0 && !isRoot(s) {
		report("object without properties")
	}
}

// isRoot tells the argument-less root (an empty properties map is how a tool
// without arguments is declared, which Gemini accepts) from a nested object.
func isRoot(s map[string]any) bool { _, ok := s["$root"]; return ok }

func strictObjects(_ string, s map[string]any, report func(string, ...any)) {
	if typeOf(s) != "object" {
		return
	}
	if s["additionalProperties"] != false {
		report("object not closed with additionalProperties false")
	}
	props, _ := s["properties"].(map[string]any)
	req, _ := s["required"].([]any)
	if len(req) != len(props) {
		report("not every property is required")
	}
}

// strictSupported are the keywords Structured Outputs accepts.
var strictSupported = []string{
	"type", "properties", "required", "additionalProperties", "items", "enum", "const", "anyOf",
	"description", "title", "default", "pattern", "format", "minimum", "maximum",
	"exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "$root",
}

func strictKeywords(_ string, s map[string]any, report func(string, ...any)) {
	for k := range s {
		if !slices.Contains(strictSupported, k) {
			report("keyword %q is not supported in strict mode", k)
		}
	}
}

// agentsStrict is the OpenAI Agents SDK's ensure_strict_json_schema
// (agents/strict_schema.py): it closes every object that does not say
// otherwise, refuses one that allows additional properties, and makes every
// property required.
func agentsStrict(s map[string]any) error {
	if typeOf(s) == "object" {
		switch ap := s["additionalProperties"].(type) {
		case nil:
			s["additionalProperties"] = false
		case bool:
			if ap {
				return fmt.Errorf("additionalProperties should not be set for object types")
			}
		case map[string]any:
			if len(ap) > 0 {
				return fmt.Errorf("additionalProperties should not be set for object types")
			}
		}
		if props, ok := s["properties"].(map[string]any); ok {
			var req []any
			for name, p := range props {
				req = append(req, name)
				if err := agentsStrict(p.(map[string]any)); err != nil {
					return err
				}
			}
			s["required"] = req
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		return agentsStrict(items)
	}
	return nil
}

func typeOf(s map[string]any) string {
	switch t := s["type"].(type) {
	case string:
		return t
	case []any:
		for _, e := range t {
			if e != "null" {
				return e.(string)
			}
		}
	}
	return ""
}

// walkSchema applies fn to s and every sub-schema below it.
func walkSchema(path string, s map[string]any, fn func(string, map[string]any)) {
	fn(path, s)
	if props, ok := s["properties"].(map[string]any); ok {
		for name, p := range props {
			walkSchema(path+"."+name, p.(map[string]any), fn)
		}
	}
	if items, ok := s["items"].(map[string]any); ok {
		walkSchema(path+"[]", items, fn)
	}
	if ap, ok := s["additionalProperties"].(map[string]any); ok {
		walkSchema(path+"{}", ap, fn)
	}
}

func TestEveryHostAcceptsEveryTool(t *testing.T) {
	configs := map[string]Options{"machine key": {}, "publishable key": {PublishableKey: true}}
	for cfgName, opts := range configs {
		for _, tool := range newTestCatalog(t, opts).All() {
			for _, h := range hosts {
				var s map[string]any
				if err := json.Unmarshal(tool.Definition.RawInputSchema, &s); err != nil {
					t.Fatal(err)
				}
				if !h.namePattern.MatchString(tool.Name) {
					t.Errorf("%s refuses the name %s", h.name, tool.Name)
				}
				if h.convert != nil {
					if err := h.convert(s); err != nil {
						t.Errorf("%s (%s): %s: conversion fails: %v", h.name, cfgName, tool.Name, err)
						continue
					}
				}
				s["$root"] = true
				var problems []string
				walkSchema("$", s, func(path string, sub map[string]any) {
					for _, rule := range h.rules {
						rule(path, sub, func(format string, args ...any) {
							problems = append(problems, path+": "+fmt.Sprintf(format, args...))
						})
					}
				})
				if len(problems) > 0 {
					slices.Sort(problems)
					t.Errorf("%s (%s) refuses %s: %s", h.name, cfgName, tool.Name, strings.Join(problems, "; "))
				}
			}
		}
	}
}

// TestHostRulesCatchWhatHostsRefuse keeps the rules honest: each one fails
// on the shape its host is documented to refuse.
func TestHostRulesCatchWhatHostsRefuse(t *testing.T) {
	refused := map[string]string{
		"Gemini (parametersJsonSchema)": `{"type":"object","properties":{"id":{"type":"string","format":"uuid"},"meta":{"type":"object"}}}`,
		"OpenAI Agents SDK (strict)":    `{"type":"object","properties":{"name":{"type":"string","maxLength":5}},"additionalProperties":false,"required":["name"]}`,
		"VS Code Copilot":               `{"type":"object","properties":{"tags":{"type":"array"}}}`,
		"Anthropic":                     `{"type":"object","properties":{},"anyOf":[{"required":["a"]}]}`,
	}
	for _, h := range hosts {
		raw, ok := refused[h.name]
		if !ok {
			continue
		}
		var s map[string]any
		if err := json.Unmarshal([]byte(raw), &s); err != nil {
			t.Fatal(err)
		}
		if h.convert != nil && h.convert(s) != nil {
			continue
		}
		s["$root"] = true
		n := 0
		walkSchema("$", s, func(path string, sub map[string]any) {
			for _, rule := range h.rules {
				rule(path, sub, func(string, ...any) { n++ })
			}
		})
		if n == 0 {
			t.Errorf("%s: the rules accept %s, which the host refuses", h.name, raw)
		}
	}
}

package reflectschema

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/schemas"
)

type inner struct {
	Name string `json:"name" jsonschema_description:"Name, with a comma."`
}

type sample struct {
	ID      string                 `json:"id" jsonschema:"format=uuid" jsonschema_description:"ID."`
	Any     any                    `json:"any,omitempty" jsonschema_description:"Anything."`
	Raw     json.RawMessage        `json:"raw,omitempty" jsonschema_description:"Raw JSON."`
	Free    map[string]any         `json:"free,omitempty" jsonschema_description:"Free-form."`
	Desc    schemas.NullableString `json:"desc,omitzero" jsonschema_description:"Nullable."`
	Items   []inner                `json:"items,omitempty" jsonschema_description:"Items."`
	Nested  inner                  `json:"nested" jsonschema_description:"Nested."`
	Untyped []any                  `json:"untyped,omitempty" jsonschema_description:"Untyped items."`
}

type empty struct{}

func schemaOf(t *testing.T, raw json.RawMessage, err error) map[string]any {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func prop(m map[string]any, path ...string) map[string]any {
	for _, p := range path {
		if p == "[]" {
			m = m["items"].(map[string]any)
			continue
		}
		m = m["properties"].(map[string]any)[p].(map[string]any)
	}
	return m
}

func TestInputPostProcessing(t *testing.T) {
	raw, err := InputOf(reflect.TypeFor[sample]())
	s := schemaOf(t, raw, err)
	for _, banned := range []string{`$schema`, `$id`, `$defs`, `$ref`, `:true`, `"format"`} {
		if strings.Contains(string(raw), banned) {
			t.Errorf("schema contains %s: %s", banned, raw)
		}
	}
	// Struct objects say that unknown keys are refused; maps do not.
	for _, path := range [][]string{nil, {"nested"}, {"items", "[]"}} {
		if got := prop(s, path...)["additionalProperties"]; got != false {
			t.Errorf("%v: additionalProperties = %v, want false", path, got)
		}
	}
	if got := prop(s, "free")["additionalProperties"]; got != nil {
		t.Errorf("free-form map: additionalProperties = %v, want none", got)
	}
	if got := prop(s, "id"); got["pattern"] != schemas.UUIDPattern {
		t.Errorf("uuid = %v, want the portable UUID pattern", got)
	}
	if got := prop(s, "any"); got["description"] != "Anything." || got["type"] != nil {
		t.Errorf("any = %v, want an untyped schema with its description", got)
	}
	if got := prop(s, "raw"); got["description"] != "Raw JSON." || got["type"] != nil {
		t.Errorf("json.RawMessage = %v, want an untyped schema, not a base64 string", got)
	}
	if got := prop(s, "untyped", "[]"); len(got) != 0 {
		t.Errorf("[]any items = %v, want {}", got)
	}
	if got := fmt.Sprint(prop(s, "desc")["type"]); got != "[string null]" {
		t.Errorf("schemas.NullableString type = %v, want [string null]", got)
	}
	if got := prop(s, "nested", "name"); got["description"] != "Name, with a comma." {
		t.Errorf("description with a comma cut: %v", got)
	}
	req, _ := s["required"].([]any)
	if len(req) != 2 || req[0] != "id" || req[1] != "nested" {
		t.Errorf("required = %v, want [id nested]", req)
	}
	if p := schemas.Check(raw, true); p != nil {
		t.Errorf("Check: %v", p)
	}
}

func TestEmptyInputHasProperties(t *testing.T) {
	raw, err := InputOf(reflect.TypeFor[empty]())
	s := schemaOf(t, raw, err)
	if _, ok := s["properties"].(map[string]any); !ok || s["type"] != "object" {
		t.Errorf("empty input schema = %s, want an object with properties", raw)
	}
}

func TestRequireOption(t *testing.T) {
	raw, err := InputOf(reflect.TypeFor[schemas.SendEventsInput](), schemas.Require("events", "workspace_id"))
	s := schemaOf(t, raw, err)
	req := prop(s, "events", "[]")["required"].([]any)
	if req[0] != "workspace_id" {
		t.Errorf("items required = %v", req)
	}
	if _, err := InputOf(reflect.TypeFor[schemas.SendEventsInput](), schemas.Require("events", "nope")); err == nil {
		t.Error("Require accepted an unknown property")
	}
}

func TestPortableFoldsLengths(t *testing.T) {
	type lengths struct {
		Name  string `json:"name" jsonschema:"minLength=3,maxLength=50,pattern=^[a-z]+$" jsonschema_description:"N."`
		Event string `json:"event" jsonschema:"minLength=1" jsonschema_description:"E."`
		Short string `json:"short,omitempty" jsonschema:"maxLength=255" jsonschema_description:"S."`
		Long  string `json:"long,omitempty" jsonschema:"maxLength=1024" jsonschema_description:"L."`
	}
	raw, err := InputOf(reflect.TypeFor[lengths]())
	s := schemaOf(t, raw, err)
	for name, want := range map[string]string{"name": `^[a-z]{3,50}$`, "event": `\S`, "short": `^[\s\S]{0,255}$`} {
		if got := prop(s, name)["pattern"]; got != want {
			t.Errorf("%s: pattern = %v, want %s", name, got, want)
		}
	}
	if got := prop(s, "long"); got["pattern"] != nil || !strings.Contains(got["description"].(string), "At most 1024 characters") {
		t.Errorf("long = %v, want the limit in the description (too long for a Go pattern)", got)
	}
}

type outcome struct {
	Index  int    `json:"index"`
	Status string `json:"status" jsonschema:"enum=ok,enum=failed" jsonschema_description:"How it went."`
	Detail string `json:"detail,omitempty" jsonschema_description:"Why."`
}

type result struct {
	Total int       `json:"total" jsonschema_description:"How many."`
	Items []outcome `json:"items"`
	Tags  []string  `json:"tags"`
	Note  string    `json:"note,omitempty" jsonschema_description:"Optional."`
	Raw   any       `json:"raw" jsonschema_description:"Anything."`
}

// A result schema keeps what every result is guaranteed to hold, required
// fields with their types and enums at every level, and nothing a host would
// compile for no guarantee: descriptions, optional fields, plain item types.
func TestOutputKeepsOnlyTheGuarantees(t *testing.T) {
	raw, err := OutputOf(reflect.TypeFor[result]())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"properties":{"total":{"type":"integer"},` +
		`"items":{"items":{"properties":{"index":{"type":"integer"},"status":{"type":"string","enum":["ok","failed"]}},"type":"object","required":["index","status"]},"type":"array"},` +
		`"tags":{"type":"array"},"raw":{}},"type":"object","required":["total","items","tags","raw"]}`
	if string(raw) != want {
		t.Errorf("output schema\n got: %s\nwant: %s", raw, want)
	}
	none, err := OutputOf(reflect.TypeFor[struct {
		Note string `json:"note,omitempty"`
	}]())
	if err != nil {
		t.Fatal(err)
	}
	if string(none) != `{"properties":{},"type":"object"}` {
		t.Errorf("a result with no required field: %s", none)
	}
}

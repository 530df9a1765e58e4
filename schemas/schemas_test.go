package schemas

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

type inner struct {
	Name string `json:"name" jsonschema_description:"Name, with a comma."`
}

type sample struct {
	ID      string          `json:"id" jsonschema:"format=uuid" jsonschema_description:"ID."`
	Any     any             `json:"any,omitempty" jsonschema_description:"Anything."`
	Raw     json.RawMessage `json:"raw,omitempty" jsonschema_description:"Raw JSON."`
	Free    map[string]any  `json:"free,omitempty" jsonschema_description:"Free-form."`
	Desc    NullableString  `json:"desc,omitzero" jsonschema_description:"Nullable."`
	Items   []inner         `json:"items,omitempty" jsonschema_description:"Items."`
	Nested  inner           `json:"nested" jsonschema_description:"Nested."`
	Untyped []any           `json:"untyped,omitempty" jsonschema_description:"Untyped items."`
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
	if got := prop(s, "id"); got["pattern"] != UUIDPattern {
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
		t.Errorf("NullableString type = %v, want [string null]", got)
	}
	if got := prop(s, "nested", "name"); got["description"] != "Name, with a comma." {
		t.Errorf("description with a comma cut: %v", got)
	}
	req, _ := s["required"].([]any)
	if len(req) != 2 || req[0] != "id" || req[1] != "nested" {
		t.Errorf("required = %v, want [id nested]", req)
	}
	if p := Check(raw, true); p != nil {
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
	raw, err := InputOf(reflect.TypeFor[SendEventsInput](), Require("events", "workspace_id"))
	s := schemaOf(t, raw, err)
	req := prop(s, "events", "[]")["required"].([]any)
	if req[0] != "workspace_id" {
		t.Errorf("items required = %v", req)
	}
	if _, err := InputOf(reflect.TypeFor[SendEventsInput](), Require("events", "nope")); err == nil {
		t.Error("Require accepted an unknown property")
	}
}

func TestCheckFindsViolations(t *testing.T) {
	tests := []struct {
		name   string
		schema string
		input  bool
		want   string
	}{
		{"ref", `{"type":"object","properties":{"a":{"$ref":"#/$defs/x","description":"d"}}}`, false, "$ref is not allowed"},
		{"defs", `{"type":"object","properties":{},"$defs":{}}`, false, "$defs is not allowed"},
		{"top-level oneOf", `{"type":"object","properties":{},"oneOf":[{}]}`, false, "top-level oneOf"},
		{"bare true", `{"type":"object","properties":{"a":true}}`, false, "sub-schema must be an object"},
		{"additionalProperties true", `{"type":"object","properties":{},"additionalProperties":true}`, true, "must be a schema or, on arguments, false"},
		{"additionalProperties false on a result", `{"type":"object","properties":{},"additionalProperties":false}`, false, "must be a schema"},
		{"no properties", `{"type":"object"}`, false, "root must have properties"},
		{"not an object", `{"type":"array","properties":{}}`, false, "root type must be object"},
		{"undescribed input", `{"type":"object","properties":{"a":{"type":"string"}}}`, true, "property has no description"},
		{"undescribed nested input", `{"type":"object","properties":{"a":{"type":"array","description":"d","items":{"type":"object","properties":{"b":{"type":"string"}}}}}}`, true, "$.a[].b: property has no description"},
		{"keyword the decoder ignores", `{"type":"object","properties":{"a":{"type":"string","description":"d","minProperties":1}}}`, true, `keyword "minProperties"`},
		{"format some hosts refuse", `{"type":"object","properties":{"a":{"type":"string","description":"d","format":"uuid"}}}`, true, `keyword "format"`},
		{"length some hosts refuse", `{"type":"object","properties":{"a":{"type":"string","description":"d","maxLength":3}}}`, true, `keyword "maxLength"`},
		{"required but absent", `{"type":"object","properties":{},"required":["a"]}`, false, `required "a" is not a property`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			problems := Check(json.RawMessage(tt.schema), tt.input)
			if !strings.Contains(strings.Join(problems, "\n"), tt.want) {
				t.Errorf("problems %v do not mention %q", problems, tt.want)
			}
		})
	}
}

func TestNullableString(t *testing.T) {
	tests := []struct {
		json           string
		set, null      bool
		value, marshal string
	}{
		{`{"d":null}`, true, true, "", `{"d":null}`},
		{`{"d":""}`, true, true, "", `{"d":null}`},
		{`{"d":"x"}`, true, false, "x", `{"d":"x"}`},
		{`{}`, false, false, "", `{}`},
	}
	for _, tt := range tests {
		var v struct {
			D NullableString `json:"d,omitzero"`
		}
		if err := json.Unmarshal([]byte(tt.json), &v); err != nil {
			t.Fatal(err)
		}
		if v.D.Set != tt.set || v.D.Null != tt.null || v.D.Value != tt.value {
			t.Errorf("%s → %+v", tt.json, v.D)
		}
		if b, _ := json.Marshal(v); string(b) != tt.marshal {
			t.Errorf("%s marshals back as %s, want %s", tt.json, b, tt.marshal)
		}
	}
}

func TestCrossFieldValidation(t *testing.T) {
	tests := []struct {
		name string
		in   interface{ Validate() error }
		want string
	}{
		{"resource session without ids", &CreateSessionInput{SessionType: "resource", LaunchPage: "dashboard"}, "needs both resource and resource_id"},
		{"resource session on connections", &CreateSessionInput{SessionType: "resource", Resource: "user", ResourceID: "1", LaunchPage: "connections"}, "cannot be connections"},
		{"dashboard session elsewhere", &CreateSessionInput{SessionType: "dashboard", LaunchPage: "events"}, "must be dashboard"},
		{"unknown scope", &CreateSessionInput{SessionType: "workspace", LaunchPage: "rules", Scopes: []string{"admin"}}, "only contain events.payload:read"},
		{"valid workspace session", &CreateSessionInput{SessionType: "workspace", LaunchPage: "connections"}, ""},
		{"blank payload", &EventInput{Event: "a", Payload: Payload(`{"email": " ", "tags": [ ], "meta": {}, "x": null, "t": "\t\u00a0"}`)}, "at least one non-empty value"},
		{"payload with a value", &EventInput{Event: "a", Payload: Payload(`{"email":"","plan":false}`)}, ""},
		{"payload with an escaped value", &EventInput{Event: "a", Payload: Payload(`{"name":"\u0041"}`)}, ""},
		{"payload with a nested value", &EventInput{Event: "a", Payload: Payload(`{"tags":[""]}`)}, ""},
		{"payload not an object", &EventInput{Event: "a", Payload: Payload(`[1]`)}, "payload must be a JSON object"},
		{"payload missing", &EventInput{Event: "a"}, "payload must be a JSON object"},
		{"bulk names the bad item", &SendEventsInput{Events: []EventItem{{Event: "a", Payload: Payload(`{"a":1}`)}, {Event: "b", Payload: Payload(`{}`)}}}, "events[1].payload"},
		{"filters without workspace", &ListEventsInput{Status: "failed"}, "workspace_id is required"},
		{"conflicting action", &CreateRuleInput{Action: "a", Metadata: map[string]any{"action": "b"}}, "metadata.action"},
		{"same action", &CreateRuleInput{Action: "a", Metadata: map[string]any{"action": "a"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("rejected: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("got %v, want an error mentioning %q", err, tt.want)
			}
		})
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

package schemas

import (
	"encoding/json"
	"strings"
	"testing"
)

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

package tools

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

const testUUID = "123e4567-e89b-42d3-a456-426614174000"

// decodeArgs runs one tool's argument decoder.
func decodeArgs(t *testing.T, c *Catalog, tool, args string) (map[string]any, error) {
	t.Helper()
	out, err := mustDecoder(t, c.byName[tool]).decode(json.RawMessage(args))
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	return m, nil
}

func TestDecoderAcceptsAndNormalises(t *testing.T) {
	c := newTestCatalog(t, Options{})
	tests := []struct {
		name, tool, args string
		key              string
		want             any
	}{
		{"integer given as string", "list_events", `{"limit":"42"}`, "limit", 42.0},
		{"integer given as whole float", "list_events", `{"limit":42.0}`, "limit", 42.0},
		{"boolean given as string", "get_event", `{"event_id":"` + testUUID + `","include_payload":"TRUE"}`, "include_payload", true},
		{"number where a string is wanted", "send_event", `{"workspace_id":"` + testUUID + `","event":"a","payload":{"id":1},"resource_id":123}`, "resource_id", "123"},
		{"object given as JSON text", "send_event", `{"workspace_id":"` + testUUID + `","event":"a","payload":"{\"email\":\"a@b.c\"}"}`, "payload", map[string]any{"email": "a@b.c"}},
		{"enum in another case", "list_deliveries", `{"workspace_id":"` + testUUID + `","status":"FAILED"}`, "status", "failed"},
		{"uuid upper case", "get_workspace", `{"workspace_id":"` + strings.ToUpper(testUUID) + `"}`, "workspace_id", testUUID},
		{"null means not given", "list_events", `{"limit":null}`, "limit", 20.0},
		{"empty optional string means not given", "list_events", `{"cursor":""}`, "cursor", nil},
		{"default applied", "create_session", `{"workspace_id":"` + testUUID + `"}`, "ttl_seconds", 1800.0},
		{"null kept where it clears", "update_workspace", `{"workspace_id":"` + testUUID + `","name":"abc","description":null}`, "description", nil},
		{"no arguments at all", "list_workspaces", ``, "cursor", nil},
		{"null arguments", "list_workspaces", `null`, "cursor", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeArgs(t, c, tt.tool, tt.args)
			if err != nil {
				t.Fatalf("rejected: %v", err)
			}
			gotJSON, _ := json.Marshal(got[tt.key])
			wantJSON, _ := json.Marshal(tt.want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("%s = %s, want %s", tt.key, gotJSON, wantJSON)
			}
		})
	}
}

func TestDecoderKeepsNullThatClears(t *testing.T) {
	c := newTestCatalog(t, Options{})
	for args, wantKey := range map[string]bool{
		`{"workspace_id":"` + testUUID + `","name":"abc","description":null}`: true,
		`{"workspace_id":"` + testUUID + `","name":"abc","description":""}`:   true,
		`{"workspace_id":"` + testUUID + `","name":"abc"}`:                    false,
	} {
		got, err := decodeArgs(t, c, "update_workspace", args)
		if err != nil {
			t.Fatal(err)
		}
		if _, present := got["description"]; present != wantKey {
			t.Errorf("%s: description present=%v, want %v", args, present, wantKey)
		}
	}
}

func TestDecoderKeepsLargeNumbersExact(t *testing.T) {
	c := newTestCatalog(t, Options{})
	out, err := mustDecoder(t, c.byName["send_event"]).decode(json.RawMessage(`{"workspace_id":"` + testUUID + `","event":"a","payload":{"id":12345678901234567890}}`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "12345678901234567890") {
		t.Errorf("payload number altered: %s", out)
	}
}

// The decoder walks raw JSON; layout, escapes and repeated keys must read
// as encoding/json reads them, and free-form objects pass through intact.
func TestDecoderReadsJSONAsEncodingJSONDoes(t *testing.T) {
	c := newTestCatalog(t, Options{})
	compact := `{"workspace_id":"` + testUUID + `","event":"a","payload":{"id":12345678901234567890,"s":"<&>","n":null,"l":[1,{"x":[]}]}}`
	tests := []struct{ name, args string }{
		{"pretty-printed", " \n{\n\t\"workspace_id\" : \"" + testUUID + "\",\r\n \"event\":\"a\" ,\"payload\": {\"id\": 12345678901234567890, \"s\":\"<&>\",\"n\":null,\"l\":[ 1 , {\"x\":[ ]} ]}\n}\n"},
		{"escaped key and value", `{"\u0077orkspace_id":"` + testUUID + `","event":"\u0061","payload":{"id":12345678901234567890,"s":"\u003c\u0026\u003e","n":null,"l":[1,{"x":[]}]}}`},
		{"repeated key: the last counts", `{"event":"b","workspace_id":"` + testUUID + `","event":"a","payload":{"id":12345678901234567890,"s":"<&>","n":null,"l":[1,{"x":[]}]}}`},
	}
	want, err := decodeArgs(t, c, "send_event", compact)
	if err != nil {
		t.Fatal(err)
	}
	wantJSON, _ := json.Marshal(want)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decodeArgs(t, c, "send_event", tt.args)
			if err != nil {
				t.Fatal(err)
			}
			if gotJSON, _ := json.Marshal(got); string(gotJSON) != string(wantJSON) {
				t.Errorf("decoded\n  %s\nwant\n  %s", gotJSON, wantJSON)
			}
		})
	}
}

// A payload is copied through, but never with bytes that are not UTF-8:
// they read as U+FFFD, as encoding/json reads them.
func TestDecoderPassesOnlyValidUTF8(t *testing.T) {
	c := newTestCatalog(t, Options{})
	out, err := mustDecoder(t, c.byName["send_event"]).decode(json.RawMessage("{\"workspace_id\":\"" + testUUID + "\",\"event\":\"a\",\"payload\":{\"name\":\"x\xffy\",\"n\":12345678901234567890}}"))
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(out) || !strings.Contains(string(out), "x\uFFFDy") || !strings.Contains(string(out), "12345678901234567890") {
		t.Errorf("decoded %q: want valid UTF-8 with U+FFFD and the exact number", out)
	}
}

func TestDecoderRejectsWithActionableErrors(t *testing.T) {
	c := newTestCatalog(t, Options{})
	tests := []struct {
		name, tool, args string
		wantAll          []string
	}{
		{"unknown key names the valid ones", "get_workspace", `{"workspace":"x"}`,
			[]string{"workspace is not an argument", "did you mean workspace_id?", "valid: workspace_id", "workspace_id is required"}},
		{"unknown key without a near match", "list_workspaces", `{"foo":1}`, []string{"foo is not an argument; valid: cursor"}},
		{"not a uuid", "get_connection", `{"connection_id":"../connections"}`, []string{"connection_id must be a UUID", `"../connections"`}},
		{"traversal in uuid", "get_event", `{"event_id":"%2e%2e"}`, []string{"event_id must be a UUID"}},
		{"above maximum", "list_events", `{"limit":500}`, []string{"limit must be at most 200"}},
		{"below minimum", "create_session", `{"workspace_id":"` + testUUID + `","ttl_seconds":10}`, []string{"ttl_seconds must be at least 300"}},
		{"fractional integer", "list_events", `{"limit":2.5}`, []string{"limit must be an integer, not the number 2.5"}},
		{"boolean nonsense", "get_event", `{"event_id":"` + testUUID + `","include_payload":"maybe"}`, []string{"include_payload must be a boolean"}},
		{"enum", "create_session", `{"workspace_id":"` + testUUID + `","role":"root"}`, []string{"role must be one of owner, admin, member"}},
		{"pattern", "create_workspace", `{"name":"bad/name"}`, []string{"name must match"}},
		{"too short", "create_workspace", `{"name":"ab"}`, []string{"name must have at least 3 characters"}},
		{"bad characters", "create_workspace", `{"name":"acme!"}`, []string{"name must match ^[a-zA-Z0-9 _-]{3,50}$"}},
		{"empty required string", "send_event", `{"workspace_id":"` + testUUID + `","event":"","payload":{"a":1}}`, []string{"event is required"}},
		{"nested path", "send_events", `{"events":[{"workspace_id":"` + testUUID + `","event":"a","payload":{"a":1}},{"event":"b","payload":1,"extra":true}]}`,
			[]string{"events[1].extra is not an argument", "events[1].payload must be an object", "events[1].workspace_id is required"}},
		{"missing required", "send_event", `{"payload":{"a":1}}`, []string{"workspace_id is required", "event is required"}},
		{"too many items", "create_session", `{"workspace_id":"` + testUUID + `","allowed_origins":["a","b","c","d","e","f","g","h","i","j","k"]}`, []string{"allowed_origins must have at most 10 items"}},
		{"arguments not an object", "list_events", `[1,2]`, []string{"arguments must be a JSON object"}},
		{"arguments not JSON", "list_events", `{"limit":`, []string{"arguments are not valid JSON"}},
		{"data after the arguments", "list_events", `{"limit":5} {"limit":6}`, []string{"arguments are not valid JSON"}},
		{"object as JSON text with data after it", "send_event", `{"workspace_id":"` + testUUID + `","event":"a","payload":"{\"a\":1}}"}`,
			[]string{"payload must be an object, not the string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeArgs(t, c, tt.tool, tt.args)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, want := range tt.wantAll {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
}

// A badly confused call gets a bounded message, not one line per key.
func TestDecoderCapsProblems(t *testing.T) {
	c := newTestCatalog(t, Options{})
	_, err := decodeArgs(t, c, "list_workspaces", `{"a":1,"b":1,"c":1,"d":1,"e":1,"f":1,"g":1}`)
	if err == nil || strings.Count(err.Error(), "is not an argument") != maxProblems {
		t.Errorf("want %d problems, got %v", maxProblems, err)
	}
}

// Cross-field rules run after decoding and defaults, before any request.
func TestToolDecodeRunsValidation(t *testing.T) {
	c := newTestCatalog(t, Options{})
	tests := []struct{ tool, args, want string }{
		{"create_session", `{"workspace_id":"` + testUUID + `","session_type":"resource"}`, "session_type resource needs both resource and resource_id"},
		{"create_session", `{"workspace_id":"` + testUUID + `","session_type":"dashboard","launch_page":"rules"}`, "launch_page must be dashboard"},
		{"send_event", `{"workspace_id":"` + testUUID + `","event":"a","payload":{"email":""}}`, "payload must hold at least one non-empty value"},
		{"list_events", `{"status":"failed"}`, "workspace_id is required when filtering"},
		{"create_rule", `{"workspace_id":"` + testUUID + `","connection_id":"` + testUUID + `","event":"a","action":"x","metadata":{"action":"y"}}`, "metadata.action must be left out or equal action"},
		{"update_connection_mapping", `{"connection_id":"` + testUUID + `","schema":{"schema_version":2,"fields":[{"dest":"","source":{"type":"path","value":"a..b"}}]}}`, "schema.schema_version must be one of 1, not 2"},
		{"update_connection_mapping", `{"connection_id":"` + testUUID + `","schema":{"schema_version":1,"fields":[{"source":{"type":"path","value":"a"}}]}}`, "schema.fields[0].dest is required"},
		{"update_connection_mapping", `{"connection_id":"` + testUUID + `","schema":{"schema_version":1,"fields":[{"dest":"email","source":{"type":"path","value":"email"},"transforms":[{"type":"lowercase"}]}]}}`, "schema.fields[0].transforms[0].type must be one of to_string"},
		{"update_connection_mapping", `{"connection_id":"` + testUUID + `","schema":{"schema_version":1,"fields":[{"dest":"email","source":{"type":"path","value":"a..b"}}]}}`, "schema.fields[0].source.value must be a payload path"},
		{"create_connection", `{"workspace_id":"` + testUUID + `","type":"webhook","name":"w","metadata":{"auth_token":"[redacted]"}}`, "metadata.auth_token holds a redacted placeholder"},
	}
	for _, tt := range tests {
		t.Run(tt.tool, func(t *testing.T) {
			tool := c.byName[tt.tool]
			_, err := tool.decode(mustDecoder(t, tool), json.RawMessage(tt.args))
			if err == nil || !strings.Contains(errorText(err), tt.want) {
				t.Errorf("got %v, want an error saying %q", err, tt.want)
			}
		})
	}
}

// Input that does not fit its Go type is reported by its JSON path and the
// shape it should have, never in encoding/json's Go wording.
func TestDecodeErrorsNameThePathAndShape(t *testing.T) {
	c := newTestCatalog(t, Options{})
	mapping := func(fields string) string {
		return `{"connection_id":"` + testUUID + `","schema":{"schema_version":1,"fields":` + fields + `}}`
	}
	tests := []struct {
		name, tool, args string
		want             []string
	}{
		{"transform given as a bare string", "update_connection_mapping",
			mapping(`[{"dest":"email","source":{"type":"path","value":"email"},"transforms":["lower"]}]`),
			[]string{"schema.fields[0].transforms[0] must be an object", `"lower"`}},
		{"source given as a string", "update_connection_mapping",
			mapping(`[{"dest":"email","source":"email"}]`),
			[]string{"schema.fields[0].source must be an object"}},
		{"unknown key in a field", "update_connection_mapping",
			mapping(`[{"dest":"email","source":{"type":"path","value":"email"},"transform":[]}]`),
			[]string{"schema.fields[0].transform is not a field of an object {dest, notes, on_error, source, transforms}"}},
		{"schema_version as a string", "update_connection_mapping",
			`{"connection_id":"` + testUUID + `","schema":{"schema_version":"1","fields":[]}}`,
			[]string{"schema.schema_version must be a whole number, not a string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tool := c.byName[tt.tool]
			_, err := tool.decode(mustDecoder(t, tool), json.RawMessage(tt.args))
			if err == nil {
				t.Fatal("no error")
			}
			text := errorText(err)
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("%q lacks %q", text, w)
				}
			}
			for _, leak := range []string{"Go struct", "unmarshal", "meshesapi.", "schemas.", "json:"} {
				if strings.Contains(text, leak) {
					t.Errorf("%q leaks Go internals (%q)", text, leak)
				}
			}
		})
	}
}

// The shape walker describes every kind of mismatch in JSON terms.
func TestShapeProblems(t *testing.T) {
	type item struct {
		N    int      `json:"n"`
		Tags []string `json:"tags,omitempty"`
		On   *bool    `json:"on,omitempty"`
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(`{"n":1.5,"tags":["a",2],"on":"yes","x":1}`))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(shapeProblems("", v, reflect.TypeFor[item](), 10), "; ")
	for _, want := range []string{"n must be a whole number, not a number", "tags[1] must be a string, not a number", "on must be true or false, not a string", "x is not a field of an object {n, on, tags}"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
}

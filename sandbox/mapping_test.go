package sandbox

import (
	"strings"
	"testing"
)

func TestMappingValidation(t *testing.T) {
	e := newEnv(t, Options{})
	ws := e.workspace("Mappings")
	conn := e.connection(ws, "hubspot", "HubSpot", map[string]any{})
	path := "/connections/" + conn + "/mappings/default"
	field := func(kv ...any) map[string]any {
		f := map[string]any{"dest": "email", "source": map[string]any{"type": "path", "value": "email"}}
		for i := 0; i+1 < len(kv); i += 2 {
			f[kv[i].(string)] = kv[i+1]
		}
		return f
	}
	schema := func(fields ...any) map[string]any {
		return map[string]any{"schema": map[string]any{"schema_version": 1, "fields": fields}}
	}
	many := make([]any, 251)
	for i := range many {
		many[i] = field("dest", "f"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	cases := []bodyCase{
		{"valid", schema(field(), field("dest", "firstname", "source", map[string]any{"type": "path", "value": "user.first_name"},
			"transforms", []any{map[string]any{"type": "trim"}, map[string]any{"type": "default", "value": "n/a"}, map[string]any{"type": "substring", "start": 0, "length": 3}},
			"on_error", "skip_field", "notes", "n"), field("dest", "company", "source", map[string]any{"type": "literal", "value": nil})), 200, nil},
		{"schema missing", map[string]any{}, 400, []string{"schema"}},
		{"expected_version zero", map[string]any{"schema": map[string]any{"schema_version": 1, "fields": []any{}}, "expected_version": 0}, 400, []string{"expected_version"}},
		{"name too long", map[string]any{"schema": map[string]any{"schema_version": 1, "fields": []any{}}, "name": strings.Repeat("n", 65)}, 400, []string{"name"}},
		{"wrong schema_version", map[string]any{"schema": map[string]any{"schema_version": 2, "fields": []any{}}}, 422, []string{"schema.schema_version"}},
		{"fields missing", map[string]any{"schema": map[string]any{"schema_version": 1}}, 422, []string{"schema.fields"}},
		{"too many fields", schema(many...), 422, []string{"schema.fields"}},
		{"empty dest", schema(field("dest", "")), 422, []string{"schema.fields[0].dest"}},
		{"duplicate dest", schema(field(), field()), 422, []string{"schema.fields[1].dest"}},
		{"bad path", schema(field(), field("dest", "x", "source", map[string]any{"type": "path", "value": "user..email"})), 422, []string{"schema.fields[1].source.value"}},
		{"JSONPath form", schema(field("source", map[string]any{"type": "path", "path": "$.payload.email"})), 422, []string{"schema.fields[0].source.value"}},
		{"literal too long", schema(field("source", map[string]any{"type": "literal", "value": strings.Repeat("v", 257)})), 422, []string{"schema.fields[0].source.value"}},
		{"literal object", schema(field("source", map[string]any{"type": "literal", "value": map[string]any{}})), 422, []string{"schema.fields[0].source.value"}},
		{"unknown source type", schema(field("source", map[string]any{"type": "env", "value": "X"})), 422, []string{"schema.fields[0].source.type"}},
		{"bad on_error", schema(field("on_error", "ignore")), 422, []string{"schema.fields[0].on_error"}},
		{"too many transforms", schema(field("transforms", trims(11))), 422, []string{"schema.fields[0].transforms"}},
		{"default without value", schema(field("transforms", []any{map[string]any{"type": "default"}})), 422, []string{"schema.fields[0].transforms[0].value"}},
		{"substring without start", schema(field("transforms", []any{map[string]any{"type": "substring"}})), 422, []string{"schema.fields[0].transforms[0].start"}},
		{"unknown transform", schema(field("transforms", []any{map[string]any{"type": "reverse"}})), 422, []string{"schema.fields[0].transforms[0].type"}},
		{"timezone too long", schema(field("transforms", []any{map[string]any{"type": "to_date", "timezone": strings.Repeat("z", 65)}})), 422, []string{"schema.fields[0].transforms[0].timezone"}},
		{"meta name empty", map[string]any{"schema": map[string]any{"schema_version": 1, "fields": []any{}, "meta": map[string]any{"name": ""}}}, 422, []string{"schema.meta.name"}},
		{"fields[3] source value", schema(field("dest", "a"), field("dest", "b"), field("dest", "c"), field("dest", "d", "source", map[string]any{"type": "literal", "value": ""})), 422, []string{"schema.fields[3].source.value"}},
	}
	e.checkBodyCases(t, "PUT", path, 200, cases, nil)
}

func TestMappingVersioning(t *testing.T) {
	e := newEnv(t, Options{})
	ws := e.workspace("Versions")
	conn := e.connection(ws, "hubspot", "HubSpot", map[string]any{})
	path := "/connections/" + conn + "/mappings/default"
	body := func(extra map[string]any) map[string]any {
		b := map[string]any{"schema": map[string]any{"schema_version": 1, "fields": []any{
			map[string]any{"dest": "email", "source": map[string]any{"type": "path", "value": "email"}}}}}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}

	gen := e.must(200, e.do("GET", path, nil))
	gm := gen["mapping"].(map[string]any)
	if gen["status"] != "generated" || gm["version"] != 0.0 || gm["connection_id"] != conn || len(gm["schema"].(map[string]any)["fields"].([]any)) == 0 {
		t.Fatalf("generated %v", gen)
	}
	assertError(t, e.do("PUT", path, body(map[string]any{"expected_version": 1})), 409)

	v1 := e.must(200, e.do("PUT", path, body(map[string]any{"name": "CRM sync", "mapping_id": gm["mapping_id"]})))
	m1 := v1["mapping"].(map[string]any)
	if v1["status"] != "stored" || m1["version"] != 1.0 || m1["mapping_id"] != gm["mapping_id"] || m1["name"] != "CRM sync" {
		t.Fatalf("v1 %v", v1)
	}
	if got := e.must(200, e.do("GET", path, nil)); got["status"] != "stored" || got["mapping"].(map[string]any)["version"] != 1.0 {
		t.Fatalf("GET after store %v", got)
	}
	v2 := e.must(200, e.do("PUT", path, body(map[string]any{"expected_version": 1})))["mapping"].(map[string]any)
	if v2["version"] != 2.0 || v2["id"] == m1["id"] || v2["mapping_id"] != m1["mapping_id"] || v2["name"] != "CRM sync" {
		t.Fatalf("v2 %v", v2)
	}
	r := assertError(t, e.do("PUT", path, body(map[string]any{"expected_version": 1})), 409)
	if !strings.Contains(r["message"].(string), "stored version is 2") {
		t.Errorf("409 message %v", r["message"])
	}
	e.must(200, e.do("PUT", path, body(nil)))
	assertError(t, e.do("PUT", path, body(map[string]any{"mapping_id": newUUID()})), 404)
	assertError(t, e.do("PUT", path, body(map[string]any{"workspace_id": newUUID()})), 400, "workspace_id")
	assertError(t, e.do("GET", "/connections/"+newUUID()+"/mappings/default", nil), 404)
}

func trims(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"type": "trim"}
	}
	return out
}

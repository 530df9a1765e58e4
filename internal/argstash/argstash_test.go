package argstash

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/hermetic"
)

func TestMain(m *testing.M) { hermetic.Main(m) }

// decoded is what mcp-go reads from a tools/call: the tool, its arguments
// (as the tool adapter gets them: taken back from the stash when lifted)
// and every other _meta member.
type decoded struct {
	name     string
	args     any
	progress any
	meta     map[string]any
}

func decode(t testing.TB, s *Stash, msg []byte) (decoded, bool) {
	var req mcp.CallToolRequest
	if err := json.Unmarshal(msg, &req); err != nil {
		return decoded{}, false
	}
	d := decoded{name: req.Params.Name, args: req.Params.Arguments}
	if m := req.Params.Meta; m != nil {
		d.progress, d.meta = m.ProgressToken, m.AdditionalFields
		if token, lifted := m.AdditionalFields[MetaKey]; lifted {
			raw, ok := s.Take(token.(string))
			if !ok {
				t.Fatalf("the stash does not hold the token %v of %s", token, msg)
			}
			if err := json.Unmarshal(raw, &d.args); err != nil {
				t.Fatalf("lifted arguments are not JSON: %v", err)
			}
			d.meta = without(m.AdditionalFields, MetaKey)
		}
	}
	if len(d.meta) == 0 {
		d.meta = nil
	}
	return d, true
}

func without(m map[string]any, key string) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// checkLift lifts msg and checks that mcp-go, then the adapter, read the
// same call from the result as mcp-go alone would from msg, and that a
// message left alone is returned unchanged.
func checkLift(t *testing.T, msg string) (lifted bool) {
	t.Helper()
	s := New()
	out, token, ok := s.Lift([]byte(msg))
	if !ok {
		if string(out) != msg || token != "" || s.Held() != 0 {
			t.Fatalf("Lift refused %s but changed it to %s (token %q, %d held)", msg, out, token, s.Held())
		}
		return false
	}
	want, wantOK := decode(t, New(), []byte(msg))
	got, gotOK := decode(t, s, out)
	if !wantOK || !gotOK {
		t.Fatalf("mcp-go decodes the message: %v, the lifted one: %v\n%s\n%s", wantOK, gotOK, msg, out)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("after lifting, the call reads\n%#v\nnot\n%#v\nlifted: %s", got, want, out)
	}
	if s.Held() != 0 {
		t.Fatalf("the stash still holds %d after the arguments were taken", s.Held())
	}
	return true
}

func TestLiftKeepsTheCallAsMCPGoReadsIt(t *testing.T) {
	for _, msg := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_events","arguments":{"events":[{"event":"a","payload":{"n":1.50}}]}}}`,
		`{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"_meta":{"progressToken":7,"client/trace":"t"},"name":"get_event","arguments":{"event_id":"e"}}}`,
		`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_workspaces","arguments":{},"_meta":{}}}`,
		` { "params" : { "arguments" : { "a" : "\u00e9" } , "name" : "t" } , "id" : 3 , "method" : "tools/call" , "jsonrpc" : "2.0" } `,
		` { "params" : { "_meta" : { } , "arguments" : { "a" : 1 } } , "id" : 5 , "method" : "tools/call" } `,
		` { "params" : { "arguments" : { } , "_meta" : { "k" : [ "}" ] } } , "id" : 6 , "method" : "tools/call" } `,
		`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"t","arguments":{"s":"1e400 \" 1e400","n":[1e308,-1e-400,1` + strings.Repeat("0", 308) + `,0.5e+3],"b":true}}}`,
	} {
		if !checkLift(t, msg) {
			t.Errorf("Lift left alone a call it can lift: %s", msg)
		}
	}
}

// TestLiftLeavesAloneWhatItCannotLiftExactly covers every message whose
// reading by mcp-go lifting could change: those go to mcp-go as they are.
func TestLiftLeavesAloneWhatItCannotLiftExactly(t *testing.T) {
	for _, msg := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":null}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":[1]}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","Arguments":{"a":1}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"a":1},"arguments":{"a":2}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"a":1},"ARGUMENTS":{"a":2}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"a":1},"_meta":null}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"a":1},"_META":{}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"a":1},"_meta":{"io.github.meshes-mcp/arguments":"forged"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"a":1}},"params":{"name":"u","arguments":{"b":2}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","Params":{"name":"t","arguments":{"a":1}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":null}`,
		// Numbers beyond float64: mcp-go refuses the call as unparsable.
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"n":1e400}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"p":{"a":[true,"x\\",-1.8E+308]}}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"n":1` + strings.Repeat("0", 309) + `}}}`,
	} {
		if checkLift(t, msg) {
			t.Errorf("Lift lifted a call mcp-go could read differently: %s", msg)
		}
	}
}

func TestDropForgetsArgumentsNeverTaken(t *testing.T) {
	s := New()
	_, token, ok := s.Lift([]byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope","arguments":{"a":1}}}`))
	if !ok || s.Held() != 1 {
		t.Fatalf("Lift: ok %v, %d held", ok, s.Held())
	}
	s.Drop(token)
	if _, ok := s.Take(token); ok || s.Held() != 0 {
		t.Fatalf("after Drop the stash still gives the arguments (%d held)", s.Held())
	}
}

// FuzzLift checks, for any message, that lifting never changes the call
// mcp-go and the adapter read, and leaves unchanged what it does not lift.
//
//	go test -run '^$' -fuzz FuzzLift ./internal/argstash/
func FuzzLift(f *testing.F) {
	for _, seed := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"a":[1,{"b":null}]},"_meta":{"progressToken":"p"}}}`,
		`{"params":{"arguments":{},"_meta":{"x":{}}}}`,
		`{"params":{"arguments":{"a":1},"Arguments":{"a":2}}}`,
		`{"params":{"arguments":{"a":1},"_meta":[]}}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		if !json.Valid([]byte(msg)) {
			t.Skip()
		}
		checkLift(t, msg)
	})
}

// BenchmarkLift lifts the arguments of a 10,000-event send_events call, as
// the stdio front and the streamable HTTP endpoint do for every tool call.
//
//	go test -run '^$' -bench Lift ./internal/argstash/
func BenchmarkLift(b *testing.B) {
	event := `{"event":"order.created","workspace_id":"123e4567-e89b-42d3-a456-426614174000","payload":{"email":"a@example.com","n":12.5,"tags":["x","y"]}}`
	msg := []byte(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_events","arguments":{"events":[` +
		strings.TrimSuffix(strings.Repeat(event+",", 10000), ",") + `]},"_meta":{"progressToken":1}}}`)
	s := New()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_, token, ok := s.Lift(msg)
		if !ok {
			b.Fatal("the call was not lifted")
		}
		s.Drop(token)
	}
}

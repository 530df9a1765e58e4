package rpcid

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// ScanID finds the id in the first bytes of a message cut off anywhere (a
// line dropped for its size) or nested too deep to decode.
func TestScanIDFromATruncatedPrefix(t *testing.T) {
	pad := strings.Repeat("p", 8<<10)
	cases := []struct {
		name   string
		prefix string
		want   string
	}{
		{"number", `{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"arguments":{"blob":"` + pad[:100], `42`},
		{"large number kept exactly", `{"id":12345678901234567890,"method":"x"`, `12345678901234567890`},
		{"string", `{"jsonrpc":"2.0","id":"send-0","method":"tools/call","params":{"blob":"` + pad[:100], `"send-0"`},
		{"string with escapes", `{"id":"a\"b\u00e9"`, `"a\"bé"`},
		{"leading whitespace", " \t{ \"id\" : 7 ", `7`},
		{"after small params", `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"x","arguments":{"id":"inner","list":[1,{"id":2}]}},"id":"outer"`, `"outer"`},
		{"after params cut off by the truncation", `{"jsonrpc":"2.0","method":"tools/call","params":{"blob":"` + pad[:(4<<10)-40], ""},
		{"absent", `{"jsonrpc":"2.0","method":"notifications/progress","params":{}}`, ""},
		{"only nested ids", `{"params":{"id":1},"x":[{"id":2}]}`, ""},
		{"null", `{"id":null,"method":"x"`, ""},
		{"an object", `{"id":{"n":1},"method":"x"`, ""},
		{"a boolean", `{"id":true`, ""},
		{"cut inside the id", `{"jsonrpc":"2.0","id":"send-`, ""},
		{"not an object", `[{"id":1}]`, ""},
		{"garbage", strings.Repeat("x", 100), ""},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(ScanID([]byte(tc.prefix))); got != tc.want {
				t.Errorf("ScanID = %s, want %s", got, tc.want)
			}
		})
	}
}

// Whatever a client sends, Inbound neither panics nor alters what is not a
// JSON object it understands: mcp-go answers those itself.
func TestInboundPassesMalformedMessagesOn(t *testing.T) {
	var s Swapper
	for _, msg := range []string{`{"id":`, `{"id":1,"method":"x",}`, "\x00\xff", `[1,2]`, `"s"`, `{"id":9007199254740993}`, `{`, `}`} {
		if out, _, _ := s.Inbound([]byte(msg)); string(out) != msg {
			t.Errorf("Inbound(%q) = %q", msg, out)
		}
	}
}

// The shortcut gives exactly what mcp-go's round trip gives, for the ids
// it takes and the ones it leaves to the round trip.
func TestEchoShortcutAgreesWithTheRoundTrip(t *testing.T) {
	for _, id := range []string{
		`0`, `-0`, `7`, `-5`, `123456789012345`, `1234567890123456`, `9007199254740993`, `1.5`, `1e3`,
		`""`, `"a-1"`, `"with space"`, `"<b>"`, `"a&b"`, `"\u0041"`, `"tab\t"`, `"é"`, `"q\"q"`, `null`, `true`, `{}`,
	} {
		checkEcho(t, []byte(id))
	}
}

func checkEcho(t *testing.T, raw []byte) {
	t.Helper()
	got, gotOK := Echo(raw)
	want, wantOK := roundTrip(raw)
	if gotOK != wantOK || (gotOK && !bytes.Equal(got, want)) {
		t.Errorf("Echo(%s) = %s, %v; mcp-go's round trip gives %s, %v", raw, got, gotOK, want, wantOK)
	}
}

// go test -run '^$' -fuzz FuzzEcho ./internal/rpcid/
func FuzzEcho(f *testing.F) {
	for _, seed := range []string{`12`, `"id-1"`, `-0`, `"<"`, `1.0`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if json.Valid(raw) {
			checkEcho(t, raw)
		}
	})
}

// Request reads a message's id and method as mcp-go does (encoding/json:
// names in any letter case, the last one wins), and declines a message it
// cannot read that way member by member, or that mcp-go does not answer.
func TestRequestReadsWhatMCPGoAnswers(t *testing.T) {
	for _, tc := range []struct {
		msg, id, method string
		ok              bool
	}{
		{`{"jsonrpc":"2.0","id":1,"method":"tools/call"}`, "1", "tools/call", true},
		{`{"jsonrpc":"2.0","id":1,"method":"ping","id":"b"}`, `"b"`, "ping", true},
		{`{"jsonrpc":"2.0","id":1,"method":"ping","result":null}`, "1", "ping", true},
		{`{"jsonrpc":"2.0","method":"ping"}`, "", "", false},
		{`{"jsonrpc":"2.0","id":null,"method":"ping"}`, "", "", false},
		{`{"jsonrpc":"2.0","id":1,"result":{}}`, "", "", false},
		{`{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}`, "", "", false},
		{`{"jsonrpc":"2.0","id":1,"method":"ping","reſult":{}}`, "", "", false},
		{`{"jsonrpc":"2.0","id":1,"ID":2,"method":"ping"}`, "", "", false},
		{`{"jsonrpc":"2.0","id":1,"method":"ping","Method":"tools/call"}`, "", "", false},
	} {
		id, method, ok := Request([]byte(tc.msg))
		if string(id) != tc.id || method != tc.method || ok != tc.ok {
			t.Errorf("Request(%s) = %s, %q, %v; want %s, %q, %v", tc.msg, id, method, ok, tc.id, tc.method, tc.ok)
		}
	}
}

// A client's id, or text in a result, that spells a placeholder in the
// form placeholders take cannot take another request's id: placeholders
// carry a random nonce, so only the one handed out is restored, once.
func TestPlaceholdersCannotBeSpelledByClients(t *testing.T) {
	var s Swapper
	odd := []byte(`9007199254740993`) // mcp-go would round it, so it is swapped
	_, echoed, _ := s.Inbound([]byte(`{"jsonrpc":"2.0","id":9007199254740993,"method":"ping"}`))
	if bytes.Equal(echoed, odd) {
		t.Fatalf("id %s was not swapped", odd)
	}
	for _, spelled := range []string{`"meshes-mcp-id:1"`, `"meshes-mcp-id:` + string(echoed[len(`"meshes-mcp-id:`):len(echoed)-2]) + `"`} {
		other := []byte(`{"jsonrpc":"2.0","id":` + spelled + `,"result":{"text":` + spelled + `}}`)
		if got := s.RestoreIn(other); !bytes.Equal(got, other) {
			t.Errorf("a response carrying %s was rewritten to %s", spelled, got)
		}
	}
	mine := s.RestoreIn([]byte(`{"jsonrpc":"2.0","id":` + string(echoed) + `,"result":{}}`))
	if want := `{"jsonrpc":"2.0","id":9007199254740993,"result":{}}`; string(mine) != want {
		t.Errorf("the swapped request's response reads %s, want %s", mine, want)
	}
}

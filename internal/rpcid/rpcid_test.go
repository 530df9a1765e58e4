package rpcid

import (
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

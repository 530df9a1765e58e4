// Package argstash carries tool calls' arguments past mcp-go's decoding.
//
// mcp-go (v1.2.1, CallToolParams.UnmarshalJSON) decodes the arguments of
// every tools/call into a map[string]any besides keeping their raw JSON,
// and the tool handlers of this server read only the raw JSON. The map is
// pure cost, and it is held for the whole call: for a 10,000-event
// send_events, about 9 MB of allocations and the largest share of the
// server's peak memory. A transport that sees each message before mcp-go
// (the stdio front) lifts the arguments out into a Stash and hands mcp-go
// an empty arguments object and, in params._meta, a token; the tool
// adapter takes the arguments back by that token. The fix upstream would
// be for mcp-go to decode Arguments only when GetArguments is called.
//
// Lifting is sound only while nothing in mcp-go reads a call's arguments
// before its handler does. The server enables none of what would: input
// schema validation, tools with task support, multi-round-trip
// re-invocation of a handler, x-mcp-header parameters. Each would see the
// empty object (or, re-invoked, a token already taken);
// tools.TestNothingReadsArgumentsBeforeTheHandler fails for the ones a
// tool declares.
package argstash

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"

	"github.com/meshes-mcp/meshes-mcp/internal/rawjson"
	"github.com/meshes-mcp/meshes-mcp/internal/rpcid"
)

// MetaKey is the params._meta member that carries a lifted call's token.
// The reverse-DNS prefix keeps it apart from the protocol's own keys.
const MetaKey = "io.github.meshes-mcp/arguments"

// Stash holds lifted arguments until the tool adapter takes them, or the
// transport drops them when the call was answered without running (an
// unknown tool, say). It is safe for concurrent use.
type Stash struct {
	mu   sync.Mutex
	held map[string][]byte
}

// New returns an empty stash.
func New() *Stash {
	return &Stash{held: map[string][]byte{}}
}

// Lift moves the arguments of call (a whole tools/call request, checked
// valid JSON, that mcp-go reads as one: see rpcid.Request) into the stash. It returns the message to hand mcp-go instead
// and the token that names the arguments, or ok false with call unchanged
// when it cannot lift them exactly as mcp-go would have read them:
// arguments that are not an object or hold a number beyond float64 (mcp-go
// refuses the call), a member name repeated or written in another letter
// case (encoding/json would match it), _meta that is not an object, or
// _meta already naming MetaKey.
func (s *Stash) Lift(call []byte) (out []byte, token string, ok bool) {
	params, ok := only(call, "params")
	if !ok || len(params) == 0 {
		return call, "", false
	}
	args, argsOK := only(params, "arguments")
	meta, metaOK := only(params, "_meta")
	if !argsOK || !metaOK || len(args) == 0 || args[0] != '{' || overflowsFloat64(args) {
		return call, "", false
	}
	if meta != nil && (meta[0] != '{' || rawjson.Member(meta, MetaKey) != nil) {
		return call, "", false
	}
	var raw [16]byte
	rand.Read(raw[:])
	token = hex.EncodeToString(raw[:])
	s.mu.Lock()
	s.held[token] = bytes.Clone(args)
	s.mu.Unlock()
	return rpcid.ReplaceMember(call, "params", withLifted(params, args, meta, token)), token, true
}

// only returns the value of obj's member name, nil when there is none, and
// ok false when encoding/json could read the name from more than one member
// (it matches names in any letter case, and the last one wins).
func only(obj []byte, name string) (value []byte, ok bool) {
	for k, v := range rawjson.Members(obj) {
		if !strings.EqualFold(rawjson.Unquote(k), name) {
			continue
		}
		if value != nil || rawjson.Unquote(k) != name {
			return nil, false
		}
		value = v
	}
	return value, true
}

// overflowsFloat64 reports whether raw, valid JSON, holds a number beyond
// ±1.8e308, which encoding/json cannot decode into the float64 of an any:
// mcp-go, decoding the arguments into a map, refuses such a call as
// unparsable. Only a number longer than 15 characters or with an exponent
// can be one, so few are parsed; strings are skipped whole.
func overflowsFloat64(raw []byte) bool {
	for i := 0; i < len(raw); {
		switch c := raw[i]; {
		case c == '"':
			i = afterString(raw, i)
		case c == '-' || '0' <= c && c <= '9':
			j := i + 1
			for j < len(raw) && strings.IndexByte("+-.eE0123456789", raw[j]) >= 0 {
				j++
			}
			if num := raw[i:j]; len(num) > 15 || bytes.ContainsAny(num, "eE") {
				if _, err := strconv.ParseFloat(string(num), 64); err != nil {
					return true
				}
			}
			i = j
		default:
			i++
		}
	}
	return false
}

// afterString is the index just past the JSON string that starts at
// raw[open].
func afterString(raw []byte, open int) int {
	i := open + 1
	for {
		k := bytes.IndexByte(raw[i:], '"')
		if k < 0 {
			return len(raw)
		}
		i += k
		escapes := 0
		for b := i - 1; raw[b] == '\\'; b-- {
			escapes++
		}
		i++
		if escapes%2 == 0 {
			return i
		}
	}
}

// withLifted rewrites params with an empty arguments object and token added
// to _meta (a new _meta when it had none). Other members keep their bytes.
func withLifted(params, args, meta []byte, token string) []byte {
	tag := `"` + MetaKey + `":"` + token + `"`
	var b bytes.Buffer
	b.Grow(len(params) - len(args) + len(tag) + 16)
	b.WriteByte('{')
	first := true
	member := func(k []byte, write func()) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(k)
		b.WriteByte(':')
		write()
	}
	for k, v := range rawjson.Members(params) {
		switch rawjson.Unquote(k) {
		case "arguments":
			member(k, func() { b.WriteString("{}") })
		case "_meta":
			member(k, func() {
				b.WriteByte('{')
				for mk, mv := range rawjson.Members(v) {
					b.Write(mk)
					b.WriteByte(':')
					b.Write(mv)
					b.WriteByte(',')
				}
				b.WriteString(tag)
				b.WriteByte('}')
			})
		default:
			member(k, func() { b.Write(v) })
		}
	}
	if meta == nil {
		member([]byte(`"_meta"`), func() { b.WriteString("{" + tag + "}") })
	}
	b.WriteByte('}')
	return b.Bytes()
}

// Take returns the arguments lifted under token and forgets them: each
// call's arguments are taken once.
func (s *Stash) Take(token string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	args, ok := s.held[token]
	delete(s.held, token)
	return args, ok
}

// Drop forgets token's arguments if they were never taken.
func (s *Stash) Drop(token string) {
	s.mu.Lock()
	delete(s.held, token)
	s.mu.Unlock()
}

// Held is how many calls' arguments the stash holds, so that a transport's
// tests can check that every call's arguments were let go.
func (s *Stash) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.held)
}

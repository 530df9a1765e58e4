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
	if !ok || params[0] == nil {
		return call, "", false
	}
	members, ok := only(params[0], "arguments", "_meta")
	if !ok {
		return call, "", false
	}
	args, meta := members[0], members[1]
	if len(args) == 0 || args[0] != '{' || overflowsFloat64(args) {
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
	return withLifted(call, args, meta, token), token, true
}

// only returns the values of obj's members names, in order, nil where there
// is none, and ok false when encoding/json could read one of the names from
// more than one member (it matches names in any letter case, and the last
// one wins). It reads obj once, however many names it looks for.
func only(obj []byte, names ...string) (values [][]byte, ok bool) {
	values = make([][]byte, len(names))
	for k, v := range rawjson.Members(obj) {
		key := rawjson.Unquote(k)
		for i, name := range names {
			if !strings.EqualFold(key, name) {
				continue
			}
			if values[i] != nil || key != name {
				return nil, false
			}
			values[i] = v
		}
	}
	return values, true
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

// withLifted returns call with args, its arguments object, emptied and
// token added to meta, its _meta object (or, when it has none, to a new
// _meta placed after the arguments). args and meta are sub-slices of call,
// so the edits are made where they lie and every other byte is kept as the
// client sent it, without reading the message again.
func withLifted(call, args, meta []byte, token string) []byte {
	tag := `"` + MetaKey + `":"` + token + `"`
	type edit struct {
		at, end int // call[at:end] is replaced by text
		text    string
	}
	a := rawjson.Offset(call, args)
	edits := []edit{{a, a + len(args), "{}"}}
	if meta == nil {
		edits[0].text = `{},"_meta":{` + tag + "}"
	} else {
		closing := rawjson.Offset(call, meta) + len(meta) - 1
		if len(bytes.TrimSpace(meta[1:len(meta)-1])) > 0 { // members precede it
			tag = "," + tag
		}
		edits = append(edits, edit{closing, closing, tag})
		if closing < a {
			edits[0], edits[1] = edits[1], edits[0]
		}
	}
	out := make([]byte, 0, len(call)-len(args)+len(tag)+16)
	from := 0
	for _, e := range edits {
		out = append(append(out, call[from:e.at]...), e.text...)
		from = e.end
	}
	return append(out, call[from:]...)
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

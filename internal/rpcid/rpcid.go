// Package rpcid keeps JSON-RPC request ids exact across mcp-go, which
// decodes a numeric id through float64 (so an integer beyond 2^53 comes
// back altered) and answers a message nested deeper than encoding/json
// reads with a null id. The transports swap an id mcp-go would alter for a
// placeholder string on the way in and put the client's bytes back on the
// way out, and answer a too-deep message themselves with its id.
package rpcid

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"sync"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/rawjson"
)

// placeholderPrefix starts every placeholder id (quoted, as it appears in
// JSON); the Swapper's random nonce and a counter follow it.
const placeholderPrefix = `"meshes-mcp-id:`

// Echo is the id mcp-go writes back for the request id raw, and whether
// mcp-go accepts raw as an id at all.
func Echo(raw []byte) ([]byte, bool) {
	if comesBackAsIs(raw) {
		return raw, true
	}
	return roundTrip(raw)
}

// comesBackAsIs reports, without decoding, whether raw is an id mcp-go
// writes back byte for byte: an integer of at most 15 digits (exact in a
// float64) or a string of printable ASCII that encoding/json does not
// escape. Nearly every client's ids are; it spares each request a decode
// and an encode.
func comesBackAsIs(raw []byte) bool {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		for _, c := range raw[1 : len(raw)-1] {
			if c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return false
			}
		}
		return true
	}
	digits := bytes.TrimPrefix(raw, []byte("-"))
	if len(digits) == 0 || len(digits) > 15 || (digits[0] == '0' && len(raw) > 1) {
		return false
	}
	for _, c := range digits {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// roundTrip is what mcp-go makes of raw: decoded as a RequestId and
// encoded again.
func roundTrip(raw []byte) ([]byte, bool) {
	var id mcp.RequestId
	if err := json.Unmarshal(raw, &id); err != nil {
		return nil, false
	}
	out, err := json.Marshal(id)
	return out, err == nil
}

// Swapper hands out placeholders and remembers, until restored, the raw id
// each stands for. It is safe for concurrent use.
type Swapper struct {
	mu    sync.Mutex
	next  int
	raw   map[string][]byte // quoted placeholder → the client's raw id
	byRaw map[string][]byte // raw id → quoted placeholder
	// prefix starts this Swapper's placeholders: placeholderPrefix, a
	// random nonce and a colon, so that no client id or text in a result
	// (which RestoreIn also scans) can spell a live placeholder and take
	// another request's id.
	prefix []byte
}

// Swap returns the quoted placeholder for raw.
func (s *Swapper) Swap(raw []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.raw == nil {
		var nonce [8]byte
		rand.Read(nonce[:])
		s.raw, s.byRaw = map[string][]byte{}, map[string][]byte{}
		s.prefix = []byte(placeholderPrefix + hex.EncodeToString(nonce[:]) + ":")
	}
	s.next++
	p := append(append(bytes.Clone(s.prefix), strconv.Itoa(s.next)...), '"')
	s.raw[string(p)] = bytes.Clone(raw)
	s.byRaw[string(raw)] = p
	return p
}

// Placeholder is the placeholder standing for raw, while one does.
func (s *Swapper) Placeholder(raw []byte) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.byRaw[string(raw)]
	return p, ok
}

// Restore takes back the quoted placeholder p, returning the raw id.
func (s *Swapper) Restore(p []byte) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	raw, ok := s.raw[string(p)]
	if ok {
		delete(s.raw, string(p))
		delete(s.byRaw, string(raw))
	}
	return raw, ok
}

// RestoreIn replaces every placeholder of s in out (responses, possibly
// framed as server-sent events) by its raw id.
func (s *Swapper) RestoreIn(out []byte) []byte {
	s.mu.Lock()
	prefix := s.prefix
	s.mu.Unlock()
	if prefix == nil || !bytes.Contains(out, prefix) {
		return out
	}
	var b bytes.Buffer
	rest := out
	for {
		i := bytes.Index(rest, prefix)
		if i < 0 {
			break
		}
		end := bytes.IndexByte(rest[i+len(prefix):], '"')
		if end < 0 {
			break
		}
		p := rest[i : i+len(prefix)+end+1]
		b.Write(rest[:i])
		if raw, ok := s.Restore(p); ok {
			b.Write(raw)
		} else {
			b.Write(p)
		}
		rest = rest[i+len(p):]
	}
	b.Write(rest)
	return b.Bytes()
}

// Inbound prepares one JSON-RPC message (an object) for mcp-go: a request
// id mcp-go would alter is swapped, and so is the requestId of a
// notifications/cancelled naming a swapped request. It returns the message
// to hand on, and for a request the id mcp-go will write back (nil for a
// notification or response).
func (s *Swapper) Inbound(msg []byte) (out, echoed []byte, method string) {
	if !json.Valid(msg) {
		return msg, nil, "" // mcp-go answers the parse error
	}
	e := readEnvelope(msg)
	if e.method == nil {
		return msg, nil, ""
	}
	method = rawjson.Unquote(e.method)
	if e.id == nil || bytes.Equal(e.id, null) {
		if method == string(mcp.MethodNotificationCancelled) {
			if p, ok := s.Placeholder(rawjson.Member(e.params, "requestId")); ok {
				return ReplaceMember(msg, "params", ReplaceMember(e.params, "requestId", p)), nil, method
			}
		}
		return msg, nil, method
	}
	if !e.plain {
		return msg, nil, method // mcp-go may answer it under another id, or not at all
	}
	echoed, ok := Echo(e.id)
	if !ok || bytes.Equal(echoed, e.id) {
		return msg, echoed, method
	}
	p := s.Swap(e.id)
	return ReplaceMember(msg, "id", p), p, method
}

var null = []byte("null")

// envelope is what mcp-go reads of a message to tell what it is and which
// id it answers.
type envelope struct {
	id, method, params []byte // nil when absent
	// plain is false when encoding/json, which matches member names in any
	// letter case and keeps the last, could read id or method from another
	// member than the one named exactly, or when the message carries a
	// result: mcp-go takes it for a response and answers nothing.
	plain bool
}

func readEnvelope(msg []byte) envelope {
	e := envelope{plain: true}
	result := false
	for k, v := range rawjson.Members(msg) {
		switch name := rawjson.Unquote(k); name {
		case "method":
			e.method = v
		case "id":
			e.id = v
		case "params":
			e.params = v
		case "result":
			result = !bytes.Equal(v, null)
		default:
			if strings.EqualFold(name, "method") || strings.EqualFold(name, "id") || strings.EqualFold(name, "result") {
				e.plain = false
			}
		}
	}
	e.plain = e.plain && !result
	return e
}

// Request reads msg, one valid JSON-RPC message (an object), as mcp-go does
// to decide whether to answer it and under which id: a request's raw id and
// method, and ok false for a notification, a response, or a message whose
// id, method or result is also spelled in another letter case.
func Request(msg []byte) (id []byte, method string, ok bool) {
	e := readEnvelope(msg)
	if e.method == nil || e.id == nil || bytes.Equal(e.id, null) || !e.plain {
		return nil, "", false
	}
	return e.id, rawjson.Unquote(e.method), true
}

// ReplaceMember returns obj (a JSON object) with member name's value set to
// value; the other members keep their bytes and order.
func ReplaceMember(obj []byte, name string, value []byte) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	first := true
	for k, v := range rawjson.Members(obj) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.Write(k)
		b.WriteByte(':')
		if rawjson.Unquote(k) == name {
			b.Write(value)
		} else {
			b.Write(v)
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

// TooDeep reports whether msg is refused by encoding/json only for nesting
// deeper than it reads (10,000 levels).
func TooDeep(msg []byte) bool {
	if json.Valid(msg) {
		return false
	}
	var probe json.RawMessage
	err := json.Unmarshal(msg, &probe)
	return err != nil && strings.Contains(err.Error(), "exceeded max depth")
}

// ScanID finds the top-level id of msg by a token scan, which has no depth
// limit; nil when there is none or it is not a number or string.
func ScanID(msg []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(msg))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil
	}
	for {
		key, err := dec.Token()
		name, isKey := key.(string)
		if err != nil || !isKey {
			return nil
		}
		if name != "id" {
			if skipValue(dec) != nil {
				return nil
			}
			continue
		}
		switch tok, _ := dec.Token(); v := tok.(type) {
		case json.Number:
			return []byte(v)
		case string:
			b, _ := json.Marshal(v)
			return b
		}
		return nil
	}
}

func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// ErrorResponse is a JSON-RPC error answering the request whose raw id is
// id (null when nil).
func ErrorResponse(id []byte, code int, message string) []byte {
	if id == nil {
		id = []byte("null")
	}
	body, _ := json.Marshal(map[string]any{"code": code, "message": message})
	return []byte(`{"jsonrpc":"2.0","id":` + string(id) + `,"error":` + string(body) + "}")
}

// TooDeepMessage is what a too-deep request is told.
const TooDeepMessage = "request nests deeper than 10000 levels of JSON, the most this server reads; flatten the arguments"

package tools

// The walk of one call's arguments: raw JSON in, normalised JSON out, checked
// against the parsed schema (args.go) on the way.

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/meshes-mcp/meshes-mcp/internal/rawjson"
)

// decode returns raw as canonical JSON for the input struct: unknown keys
// refused, common slips coerced ("42" → 42), defaults filled in, every
// constraint checked. Nothing about the call has left the process yet.
//
// The arguments are walked as raw JSON and written out as they are checked;
// only scalars are decoded. A free-form object (an event's payload, a
// connection's metadata) is copied through as the bytes that came in:
// send_events with 10,000 events would otherwise build, and encode again,
// 10,000 payload maps here alone.
func (d *argDecoder) decode(raw json.RawMessage) ([]byte, error) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || bytes.Equal(t, []byte("null")) {
		t = []byte("{}")
	}
	if !json.Valid(t) {
		err := json.Unmarshal(t, new(json.RawMessage))
		return nil, &argError{msg: "arguments are not valid JSON: " + err.Error()}
	}
	if t[0] != '{' {
		return nil, &argError{msg: "arguments must be a JSON object"}
	}
	w := walker{d: d, out: make([]byte, 0, len(t)+64)}
	w.fields(t, d.root, true)
	if len(w.probs) > 0 {
		return nil, &argError{msg: "invalid arguments: " + strings.Join(w.probs, "; ") + "."}
	}
	return w.out, nil
}

// walker is one run of decode: the normalised JSON written so far, the
// problems found, and where in the arguments it is.
type walker struct {
	d     *argDecoder
	out   []byte
	probs problems
	path  []pathStep
}

// pathStep is one key or index on the way to a value. The path is rendered
// only for a problem, so a valid call builds no path strings.
type pathStep struct {
	key     string
	index   int
	isIndex bool
}

func (w *walker) enter(step pathStep) { w.path = append(w.path, step) }
func (w *walker) leave()              { w.path = w.path[:len(w.path)-1] }

// String renders where the walker is, e.g. events[3].payload.
func (w *walker) String() string {
	var b strings.Builder
	for _, st := range w.path {
		switch {
		case st.isIndex:
			b.WriteString("[" + strconv.Itoa(st.index) + "]")
		case b.Len() > 0:
			b.WriteString("." + st.key)
		default:
			b.WriteString(st.key)
		}
	}
	return b.String()
}

// problemAt adds a problem about the key below the current object.
func (w *walker) problemAt(key, format string, args ...any) {
	w.enter(pathStep{key: key})
	w.probs.at(w, format, args...)
	w.leave()
}

// node checks one JSON value against s and writes it normalised. raw is
// valid JSON without surrounding space.
func (w *walker) node(raw []byte, s *argSchema) {
	kind := raw[0]
	switch {
	case kind == '{' && (s.typ == "object" || s.typ == ""):
		w.object(raw, s)
		return
	case kind == '[' && (s.typ == "array" || s.typ == ""):
		w.items(raw, s)
		return
	case kind == '"' && (s.typ == "object" || s.typ == "array"):
		// JSON text where an object or array is wanted.
		if inner, ok := jsonText(raw, s.typ); ok {
			w.node(inner, s)
			return
		}
		if s.typ == "array" {
			w.one(raw, s)
			return
		}
	case s.typ == "array" && kind != 'n':
		// One item where a list is wanted.
		w.one(raw, s)
		return
	}
	w.scalar(raw, s)
}

// object checks one JSON object: a struct's fields, a map's values, or
// the declared keys of a free-form object, whose bytes are copied as they
// came.
func (w *walker) object(raw []byte, s *argSchema) {
	switch {
	case s.closed():
		w.fields(raw, s, false)
	case s.values != nil:
		w.out = append(w.out, '{')
		for key, v := range rawjson.Members(raw) {
			if w.out[len(w.out)-1] != '{' {
				w.out = append(w.out, ',')
			}
			w.out = append(append(w.out, key...), ':')
			w.enter(pathStep{key: rawjson.Unquote(key)})
			w.node(v, s.values)
			w.leave()
		}
		w.out = append(w.out, '}')
	default:
		w.checkKnown(raw, s)
		w.copy(raw)
	}
}

// checkKnown checks the keys a free-form object declares (an event's
// email, a connection's url) without rewriting anything: the object passes
// on as the bytes that came in, and its other keys are the caller's.
func (w *walker) checkKnown(raw []byte, s *argSchema) {
	if len(s.properties) == 0 {
		return
	}
	mark := len(w.out)
	var given []string
	for key, v := range rawjson.Members(raw) {
		// fieldIndex reads the key in place: an event's other payload keys
		// cost no allocation.
		i := fieldIndex(s.order, key)
		if i < 0 || notGiven(v) {
			continue
		}
		name := s.order[i]
		if len(s.required) > 0 {
			given = append(given, name)
		}
		w.enter(pathStep{key: name})
		w.node(v, s.properties[name])
		w.leave()
		w.out = w.out[:mark]
	}
	for _, r := range s.required {
		if !slices.Contains(given, r) {
			w.problemAt(r, "is required")
		}
	}
}

// copy writes a value that needs no checking as it came, unless it holds
// invalid UTF-8: encoding/json reads that as U+FFFD, so it is encoded anew,
// and nothing but valid JSON text is passed on to Meshes.
func (w *walker) copy(raw []byte) {
	if utf8.Valid(raw) {
		w.out = append(w.out, raw...)
		return
	}
	b, _ := json.Marshal(decodeValue(raw))
	w.out = append(w.out, b...)
}

// maxFieldsOnStack covers every input struct, so fields needs no heap.
const maxFieldsOnStack = 16

// fields checks the keys of an object that comes from a Go struct and
// writes the known ones, in schema order, with defaults for those missing.
// Problems come in a fixed order: values, unknown keys, missing keys.
func (w *walker) fields(raw []byte, s *argSchema, top bool) {
	var valStack [maxFieldsOnStack][]byte
	var givenStack [maxFieldsOnStack]bool
	vals, given := valStack[:0], givenStack[:0]
	if len(s.order) > maxFieldsOnStack {
		vals, given = make([][]byte, 0, len(s.order)), make([]bool, 0, len(s.order))
	}
	vals, given = vals[:len(s.order)], given[:len(s.order)]
	var unknown []string
	for key, v := range rawjson.Members(raw) {
		if i := fieldIndex(s.order, key); i >= 0 {
			vals[i] = v // a repeated key: the last one counts, as in encoding/json
		} else if k := rawjson.Unquote(key); !slices.Contains(unknown, k) {
			unknown = append(unknown, k)
		}
	}
	w.out = append(w.out, '{')
	for i, name := range s.order {
		v := vals[i]
		switch {
		case v == nil:
		case top && w.d.nullable[name] && notGiven(v):
			w.key(name)
			w.out = append(w.out, "null"...)
			given[i] = true
		case notGiven(v):
			// Models send null or "" for "not given"; treat them so (a
			// required one is then reported missing below).
		default:
			w.key(name)
			w.enter(pathStep{key: name})
			w.node(v, s.properties[name])
			w.leave()
			given[i] = true
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		w.problemAt(k, "is not an argument%s; valid: %s", suggest(k, s.order), strings.Join(s.order, ", "))
	}
	for _, r := range s.required {
		if i := slices.Index(s.order, r); i < 0 || !given[i] {
			w.problemAt(r, "is required")
		}
	}
	for i, name := range s.order {
		if sub := s.properties[name]; sub.defJSON != nil && !given[i] {
			w.key(name)
			w.out = append(w.out, sub.defJSON...)
		}
	}
	w.out = append(w.out, '}')
}

// key writes an object key (a property name, plain ASCII) and its colon,
// after a comma unless it is the object's first.
func (w *walker) key(name string) {
	if w.out[len(w.out)-1] != '{' {
		w.out = append(w.out, ',')
	}
	w.out = append(append(append(w.out, '"'), name...), '"', ':')
}

// notGiven reports the values models send for "not given": null and "".
func notGiven(v []byte) bool { return string(v) == "null" || string(v) == `""` }

// fieldIndex is the position in order of the JSON key key (still quoted),
// or -1.
func fieldIndex(order []string, key []byte) int {
	inner, ok := rawjson.PlainText(key)
	if !ok {
		inner = []byte(rawjson.Unquote(key))
	}
	for i, name := range order {
		if string(inner) == name {
			return i
		}
	}
	return -1
}

// items checks the items of an array; without an item schema they are
// copied as they came.
func (w *walker) items(raw []byte, s *argSchema) {
	if s.minItems != nil || s.maxItems != nil {
		n := 0
		for range rawjson.Elements(raw) {
			n++
		}
		checkCount(w, n, s.minItems, s.maxItems, "items", &w.probs)
	}
	w.out = append(w.out, '[')
	i := 0
	for item := range rawjson.Elements(raw) {
		if i > 0 {
			w.out = append(w.out, ',')
		}
		if s.items == nil {
			w.copy(item)
		} else {
			w.enter(pathStep{index: i, isIndex: true})
			w.node(item, s.items)
			w.leave()
		}
		i++
	}
	w.out = append(w.out, ']')
}

// one checks a single value given where a list is wanted, as that list.
func (w *walker) one(raw []byte, s *argSchema) {
	checkCount(w, 1, s.minItems, s.maxItems, "items", &w.probs)
	w.out = append(w.out, '[')
	if s.items == nil {
		w.copy(raw)
	} else {
		w.enter(pathStep{index: 0, isIndex: true})
		w.node(raw, s.items)
		w.leave()
	}
	w.out = append(w.out, ']')
}

// jsonText reads a JSON string whose text is itself a JSON object (typ
// "object") or array, as models sometimes send one.
func jsonText(raw []byte, typ string) ([]byte, bool) {
	inner := bytes.TrimSpace([]byte(rawjson.Unquote(raw)))
	want := byte('{')
	if typ == "array" {
		want = '['
	}
	return inner, len(inner) > 0 && inner[0] == want && json.Valid(inner)
}

// scalar checks a value that is not walked further and writes it: as it
// came when checking left it unchanged, else encoded anew.
func (w *walker) scalar(raw []byte, s *argSchema) {
	got := value(w, decodeValue(raw), s, &w.probs)
	if sameScalar(raw, got) {
		w.out = append(w.out, raw...)
		return
	}
	b, _ := json.Marshal(got)
	w.out = append(w.out, b...)
}

// sameScalar reports whether raw already is got's JSON.
func sameScalar(raw []byte, got any) bool {
	switch x := got.(type) {
	case string:
		if raw[0] != '"' {
			return false
		}
		inner, ok := rawjson.PlainText(raw)
		return ok && string(inner) == x
	case json.Number:
		return string(raw) == string(x)
	case bool:
		return string(raw) == strconv.FormatBool(x)
	case nil:
		return string(raw) == "null"
	}
	return true // an object or array, only ever an error: the call fails
}

// decodeValue decodes a JSON value as encoding/json would into an any, but
// numbers stay exact json.Number literals. Scalars are decoded without a
// json.Decoder, which costs a buffer per call.
func decodeValue(raw []byte) any {
	switch raw[0] {
	case '"':
		return rawjson.Unquote(raw)
	case 't', 'f':
		return raw[0] == 't'
	case 'n':
		return nil
	case '{', '[':
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		_ = dec.Decode(&v)
		return v
	}
	return json.Number(raw)
}

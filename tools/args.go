package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/meshes-mcp/meshes-mcp/internal/rawjson"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// The argument decoder is driven by the very schema the model reads, so the
// two cannot drift: every keyword schemas.InputKeywords allows is enforced
// here, every default written there is applied here, and nothing else is
// checked that the model was not told about (cross-field rules aside, which
// the input structs' Validate methods state in their errors).

// argError is bad input the model can fix by calling again differently.
type argError struct{ msg string }

func (e *argError) Error() string { return e.msg }

// maxProblems keeps an error about a badly confused call readable.
const maxProblems = 5

// argSchema is the parsed subset of JSON Schema an input schema may use.
type argSchema struct {
	typ        string
	properties map[string]*argSchema
	order      []string
	required   []string
	items      *argSchema
	values     *argSchema // additionalProperties of a map
	enum       []any
	format     string
	minLength  *int
	maxLength  *int
	pattern    *regexp.Regexp
	minimum    *float64
	maximum    *float64
	minItems   *int
	maxItems   *int
	def        any
	defJSON    []byte // def as written into decoded arguments
	hasDefault bool
}

// closed reports whether unknown keys are errors: objects that declare
// properties come from Go structs; those without are free-form maps
// (payload, metadata).
func (s *argSchema) closed() bool { return s.properties != nil }

// argDecoder checks and normalises one tool's arguments.
type argDecoder struct {
	root     *argSchema
	nullable map[string]bool
}

func newArgDecoder(raw json.RawMessage, nullable map[string]bool) (*argDecoder, error) {
	root, err := parseArgSchema(raw)
	if err != nil {
		return nil, err
	}
	return &argDecoder{root: root, nullable: nullable}, nil
}

func parseArgSchema(raw json.RawMessage) (*argSchema, error) {
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	var subs struct {
		Properties           json.RawMessage `json:"properties"`
		Items                json.RawMessage `json:"items"`
		AdditionalProperties json.RawMessage `json:"additionalProperties"`
	}
	if err := json.Unmarshal(raw, &subs); err != nil {
		return nil, err
	}
	s := &argSchema{}
	s.typ, _ = m["type"].(string)
	s.format, _ = m["format"].(string)
	s.enum, _ = m["enum"].([]any)
	s.def, s.hasDefault = m["default"]
	if s.hasDefault {
		b, err := json.Marshal(s.def)
		if err != nil {
			return nil, err
		}
		s.defJSON = b
	}
	if subs.Properties != nil {
		var props map[string]json.RawMessage
		if err := json.Unmarshal(subs.Properties, &props); err != nil {
			return nil, err
		}
		s.properties = make(map[string]*argSchema, len(props))
		for name, p := range props {
			sub, err := parseArgSchema(p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			s.properties[name] = sub
		}
		s.order = objectKeys(subs.Properties)
	}
	for _, r := range asSlice(m["required"]) {
		s.required = append(s.required, r.(string))
	}
	var err error
	if subs.Items != nil {
		if s.items, err = parseArgSchema(subs.Items); err != nil {
			return nil, err
		}
	}
	if bytes.HasPrefix(bytes.TrimSpace(subs.AdditionalProperties), []byte("{")) {
		if s.values, err = parseArgSchema(subs.AdditionalProperties); err != nil {
			return nil, err
		}
	}
	if p, ok := m["pattern"].(string); ok {
		if s.pattern, err = regexp.Compile(p); err != nil {
			return nil, fmt.Errorf("pattern %q: %w", p, err)
		}
	}
	s.minLength, s.maxLength = intKeyword(m, "minLength"), intKeyword(m, "maxLength")
	s.minItems, s.maxItems = intKeyword(m, "minItems"), intKeyword(m, "maxItems")
	s.minimum, s.maximum = floatKeyword(m, "minimum"), floatKeyword(m, "maximum")
	return s, nil
}

// objectKeys lists the keys of a JSON object in document order, so that
// errors list valid arguments in the order the model saw them.
func objectKeys(raw json.RawMessage) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return keys
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func intKeyword(m map[string]any, k string) *int {
	if n, ok := m[k].(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			v := int(i)
			return &v
		}
	}
	return nil
}

func floatKeyword(m map[string]any, k string) *float64 {
	if n, ok := m[k].(json.Number); ok {
		if f, err := n.Float64(); err == nil {
			return &f
		}
	}
	return nil
}

// problems collects what is wrong with the arguments, up to maxProblems.
type problems []string

func (p *problems) add(path, format string, args ...any) {
	if len(*p) < maxProblems {
		*p = append(*p, strings.TrimPrefix(path+" "+fmt.Sprintf(format, args...), " "))
	}
}

// at adds a problem at a path that is rendered only if there is room.
func (p *problems) at(path fmt.Stringer, format string, args ...any) {
	if len(*p) < maxProblems {
		p.add(path.String(), format, args...)
	}
}

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
// nothing for a free-form object, whose bytes are copied as they came.
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
		w.copy(raw)
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
		if sub := s.properties[name]; sub.hasDefault && !given[i] {
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

// value coerces a scalar v to s's type where the intent is unambiguous, then
// checks s's constraints.
func value(path fmt.Stringer, v any, s *argSchema, probs *problems) any {
	v, ok := coerce(v, s.typ)
	if !ok {
		probs.at(path, "must be %s, not %s", article(s.typ), describeJSON(v))
		return v
	}
	switch x := v.(type) {
	case string:
		if y := checkString(path, x, s, probs); y != x {
			return y
		}
	case json.Number:
		checkNumber(path, x, s, probs)
	}
	return v
}

// coerce converts the scalar slips models commonly make: numbers and
// booleans as strings, and a number where a string is wanted. (JSON text
// for an object or array, and one item for a list, are handled by node.)
func coerce(v any, typ string) (any, bool) {
	switch typ {
	case "":
		return v, true
	case "string":
		switch x := v.(type) {
		case string:
			return v, true
		case json.Number:
			return x.String(), true
		}
	case "integer", "number":
		n, ok := v.(json.Number)
		if s, isStr := v.(string); isStr {
			n, ok = json.Number(strings.TrimSpace(s)), true
		}
		if !ok {
			return v, false
		}
		f, err := n.Float64()
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return v, false
		}
		if typ == "integer" {
			if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
				return v, false
			}
			return json.Number(strconv.FormatInt(int64(f), 10)), true
		}
		return n, true
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, true
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true":
				return true, true
			case "false":
				return false, true
			}
		}
	}
	return v, false
}

func checkString(path fmt.Stringer, x string, s *argSchema, probs *problems) string {
	if len(s.enum) > 0 {
		for _, e := range s.enum {
			if es, _ := e.(string); strings.EqualFold(es, strings.TrimSpace(x)) {
				return es
			}
		}
		probs.at(path, "must be one of %s, not %q", joinEnum(s.enum), x)
		return x
	}
	checkCount(path, utf8.RuneCountInString(x), s.minLength, s.maxLength, "characters", probs)
	if s.pattern != nil && x != "" && !s.pattern.MatchString(x) {
		probs.at(path, "must match %s", s.pattern)
	}
	switch s.format {
	case "uuid":
		if !meshesapi.IsUUID(x) {
			probs.at(path, "must be a UUID such as 123e4567-e89b-42d3-a456-426614174000, not %q", clip(x))
		}
		return strings.ToLower(x)
	case "uri":
		if u, err := url.Parse(x); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			probs.at(path, "must be an http(s) URL, not %q", clip(x))
		}
	}
	return x
}

func checkNumber(path fmt.Stringer, n json.Number, s *argSchema, probs *problems) {
	f, _ := n.Float64()
	if s.minimum != nil && f < *s.minimum {
		probs.at(path, "must be at least %v", *s.minimum)
	}
	if s.maximum != nil && f > *s.maximum {
		probs.at(path, "must be at most %v", *s.maximum)
	}
}

func checkCount(path fmt.Stringer, n int, lo, hi *int, unit string, probs *problems) {
	if lo != nil && n < *lo {
		if *lo == 1 && unit == "characters" {
			probs.at(path, "must not be empty")
		} else {
			probs.at(path, "must have at least %d %s", *lo, unit)
		}
	}
	if hi != nil && n > *hi {
		probs.at(path, "must have at most %d %s", *hi, unit)
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func article(typ string) string {
	switch typ {
	case "integer", "object", "array":
		return "an " + typ
	}
	return "a " + typ
}

func describeJSON(v any) string {
	switch x := v.(type) {
	case string:
		return fmt.Sprintf("the string %q", clip(x))
	case json.Number:
		return "the number " + x.String()
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "null"
}

func joinEnum(values []any) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, ", ")
}

// clip shortens an echoed value so an error never carries a whole payload.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:57]) + "..."
}

// suggest names the valid key an unknown one most likely meant.
func suggest(key string, valid []string) string {
	k := normalizeKey(key)
	for _, v := range valid {
		nv := normalizeKey(v)
		if nv == k || strings.HasPrefix(nv, k) || strings.HasPrefix(k, nv) || editDistance(nv, k) <= 2 {
			return fmt.Sprintf(" (did you mean %s?)", v)
		}
	}
	return ""
}

func normalizeKey(s string) string {
	return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s))
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

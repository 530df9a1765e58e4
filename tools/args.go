package tools

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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

// decode returns raw as canonical JSON for the input struct: unknown keys
// refused, common slips coerced ("42" → 42), defaults filled in, every
// constraint checked. Nothing about the call has left the process yet.
func (d *argDecoder) decode(raw json.RawMessage) ([]byte, error) {
	var v any = map[string]any{}
	if t := bytes.TrimSpace(raw); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(t))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			return nil, &argError{msg: "arguments are not valid JSON: " + err.Error()}
		}
	}
	args, ok := v.(map[string]any)
	if !ok {
		return nil, &argError{msg: "arguments must be a JSON object"}
	}
	var probs problems
	out := d.object("", args, d.root, &probs, true)
	if len(probs) > 0 {
		return nil, &argError{msg: "invalid arguments: " + strings.Join(probs, "; ") + "."}
	}
	return json.Marshal(out)
}

func (d *argDecoder) object(path string, obj map[string]any, s *argSchema, probs *problems, top bool) map[string]any {
	if !s.closed() {
		if s.values != nil {
			for k, v := range obj {
				obj[k] = d.value(join(path, k), v, s.values, probs)
			}
		}
		return obj
	}
	out := make(map[string]any, len(obj))
	var unknown []string
	// Schema order, so that the same mistake always reads the same way.
	keys := slices.SortedFunc(maps.Keys(obj), func(a, b string) int {
		return cmp.Compare(orderOf(s.order, a), orderOf(s.order, b))
	})
	for _, k := range keys {
		v := obj[k]
		sub, known := s.properties[k]
		switch {
		case !known:
			unknown = append(unknown, k)
		case top && d.nullable[k] && (v == nil || v == ""):
			out[k] = nil
		case v == nil || v == "":
			// Models send null or "" for "not given"; treat them so (a
			// required one is then reported missing below).
		default:
			out[k] = d.value(join(path, k), v, sub, probs)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		probs.add(join(path, k), "is not an argument%s; valid: %s", suggest(k, s.order), strings.Join(s.order, ", "))
	}
	for _, r := range s.required {
		if _, ok := out[r]; !ok {
			probs.add(join(path, r), "is required")
		}
	}
	for _, name := range s.order {
		if sub := s.properties[name]; sub.hasDefault {
			if _, ok := out[name]; !ok {
				out[name] = sub.def
			}
		}
	}
	return out
}

// value coerces v to s's type where the intent is unambiguous, then checks
// s's constraints.
func (d *argDecoder) value(path string, v any, s *argSchema, probs *problems) any {
	v, ok := coerce(v, s.typ)
	if !ok {
		probs.add(path, "must be %s, not %s", article(s.typ), describeJSON(v))
		return v
	}
	switch x := v.(type) {
	case string:
		return checkString(path, x, s, probs)
	case json.Number:
		checkNumber(path, x, s, probs)
	case []any:
		checkCount(path, len(x), s.minItems, s.maxItems, "items", probs)
		if s.items != nil {
			for i, item := range x {
				x[i] = d.value(fmt.Sprintf("%s[%d]", path, i), item, s.items, probs)
			}
		}
	case map[string]any:
		return d.object(path, x, s, probs, false)
	}
	return v
}

// coerce converts the slips models commonly make: numbers and booleans as
// strings, a number where a string is wanted, JSON text where an object or
// array is wanted, and one item where a list is wanted.
func coerce(v any, typ string) (any, bool) {
	switch typ {
	case "":
		return v, true
	case "string":
		switch x := v.(type) {
		case string:
			return x, true
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
	case "object":
		switch x := v.(type) {
		case map[string]any:
			return x, true
		case string:
			if obj, ok := parseJSONText(x).(map[string]any); ok {
				return obj, true
			}
		}
	case "array":
		switch x := v.(type) {
		case []any:
			return x, true
		case string:
			if arr, ok := parseJSONText(x).([]any); ok {
				return arr, true
			}
			return []any{x}, true
		case map[string]any, json.Number, bool:
			return []any{x}, true
		}
	}
	return v, false
}

func parseJSONText(s string) any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil || dec.More() {
		return nil
	}
	return v
}

func checkString(path, x string, s *argSchema, probs *problems) string {
	if len(s.enum) > 0 {
		for _, e := range s.enum {
			if es, _ := e.(string); strings.EqualFold(es, strings.TrimSpace(x)) {
				return es
			}
		}
		probs.add(path, "must be one of %s, not %q", joinEnum(s.enum), x)
		return x
	}
	checkCount(path, utf8.RuneCountInString(x), s.minLength, s.maxLength, "characters", probs)
	if s.pattern != nil && x != "" && !s.pattern.MatchString(x) {
		probs.add(path, "must match %s", s.pattern)
	}
	switch s.format {
	case "uuid":
		if !meshesapi.IsUUID(x) {
			probs.add(path, "must be a UUID such as 123e4567-e89b-42d3-a456-426614174000, not %q", clip(x))
		}
		return strings.ToLower(x)
	case "uri":
		if u, err := url.Parse(x); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			probs.add(path, "must be an http(s) URL, not %q", clip(x))
		}
	}
	return x
}

func checkNumber(path string, n json.Number, s *argSchema, probs *problems) {
	f, _ := n.Float64()
	if s.minimum != nil && f < *s.minimum {
		probs.add(path, "must be at least %v", *s.minimum)
	}
	if s.maximum != nil && f > *s.maximum {
		probs.add(path, "must be at most %v", *s.maximum)
	}
}

func checkCount(path string, n int, lo, hi *int, unit string, probs *problems) {
	if lo != nil && n < *lo {
		if *lo == 1 && unit == "characters" {
			probs.add(path, "must not be empty")
		} else {
			probs.add(path, "must have at least %d %s", *lo, unit)
		}
	}
	if hi != nil && n > *hi {
		probs.add(path, "must have at most %d %s", *hi, unit)
	}
}

// orderOf is a key's position in the schema; unknown keys sort last.
func orderOf(order []string, key string) int {
	if i := slices.Index(order, key); i >= 0 {
		return i
	}
	return len(order)
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

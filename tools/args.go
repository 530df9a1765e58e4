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

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
	"github.com/meshes-mcp/meshes-mcp/internal/rawjson"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
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
	noExtra    bool       // additionalProperties false: unknown keys are errors
	enum       []any
	format     string
	pattern    *regexp.Regexp
	minimum    *float64
	maximum    *float64
	minItems   *int
	maxItems   *int
	defJSON    []byte // the default as written into decoded arguments; nil if none
}

// closed reports whether unknown keys are errors: objects from Go structs
// say so with additionalProperties false. Free-form objects (payload,
// metadata) may still declare a few well-known keys, which are checked
// while every other key passes through.
func (s *argSchema) closed() bool { return s.noExtra }

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
	s.typ = schemaType(m["type"])
	s.format, _ = m["format"].(string)
	s.enum, _ = m["enum"].([]any)
	if def, ok := m["default"]; ok {
		b, err := json.Marshal(def)
		if err != nil {
			return nil, err
		}
		s.defJSON = b
	}
	if subs.Properties != nil {
		// Walked in document order, so that errors list valid arguments in
		// the order the model saw them.
		s.properties = map[string]*argSchema{}
		for key, p := range rawjson.Members(subs.Properties) {
			name := rawjson.Unquote(key)
			sub, err := parseArgSchema(p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			s.properties[name] = sub
			s.order = append(s.order, name)
		}
	}
	required, _ := m["required"].([]any)
	for _, r := range required {
		s.required = append(s.required, r.(string))
	}
	var err error
	if subs.Items != nil {
		if s.items, err = parseArgSchema(subs.Items); err != nil {
			return nil, err
		}
	}
	s.noExtra = bytes.Equal(bytes.TrimSpace(subs.AdditionalProperties), []byte("false"))
	if bytes.HasPrefix(bytes.TrimSpace(subs.AdditionalProperties), []byte("{")) {
		if s.values, err = parseArgSchema(subs.AdditionalProperties); err != nil {
			return nil, err
		}
	}
	if p, ok := m["pattern"].(string); ok && p == schemas.UUIDPattern {
		// The portable spelling of format uuid (see schemas.UUIDPattern):
		// checked as a UUID, with the error that says what one looks like.
		s.format = "uuid"
	} else if ok {
		if s.pattern, err = regexp.Compile(p); err != nil {
			return nil, fmt.Errorf("pattern %q: %w", p, err)
		}
	}
	s.minItems, s.maxItems = intKeyword(m, "minItems"), intKeyword(m, "maxItems")
	s.minimum, s.maximum = floatKeyword(m, "minimum"), floatKeyword(m, "maximum")
	return s, nil
}

// schemaType reads the type keyword: one name, or a list of one name and
// "null" (a nullable argument such as update_workspace's description; which
// arguments take null the decoder learns from the input struct, see
// argDecoder.nullable).
func schemaType(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case []any:
		for _, e := range t {
			if name, _ := e.(string); name != "null" {
				return name
			}
		}
	}
	return ""
}

// notBlank is the pattern that says a string must not be empty or blank.
const notBlank = `\S`

// lengthPattern matches the patterns a string's length limits fold into
// (see schemas.UUIDPattern's neighbours in reflectschema): one character
// class repeated {min,max} times.
var lengthPattern = lazyregexp.New(`^\^(\[.+\])\{(\d+),(\d*)\}\$$`)

// patternProblem says how x breaks pattern in the words a model acts on: a
// length when the length is what is wrong, else the pattern itself.
func patternProblem(pattern, x string) string {
	if pattern == notBlank {
		return "must not be empty"
	}
	if m := lengthPattern.FindStringSubmatch(pattern); m != nil {
		n := utf8.RuneCountInString(x)
		lo, _ := strconv.Atoi(m[2])
		if n < lo {
			return fmt.Sprintf("must have at least %d characters", lo)
		}
		if hi, err := strconv.Atoi(m[3]); err == nil && n > hi {
			return fmt.Sprintf("must have at most %d characters", hi)
		}
	}
	return "must match " + pattern
}

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
		return checkString(path, x, s, probs)
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
	if s.pattern != nil && !s.pattern.MatchString(x) {
		probs.at(path, "%s", patternProblem(s.pattern.String(), x))
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
	if len(s.enum) > 0 && !slices.ContainsFunc(s.enum, func(e any) bool {
		v, ok := e.(json.Number)
		ev, _ := v.Float64()
		return ok && ev == f
	}) {
		probs.at(path, "must be one of %s, not %s", joinEnum(s.enum), n)
	}
	if s.minimum != nil && f < *s.minimum {
		probs.at(path, "must be at least %v", *s.minimum)
	}
	if s.maximum != nil && f > *s.maximum {
		probs.at(path, "must be at most %v", *s.maximum)
	}
}

func checkCount(path fmt.Stringer, n int, lo, hi *int, unit string, probs *problems) {
	if lo != nil && n < *lo {
		probs.at(path, "must have at least %d %s", *lo, unit)
	}
	if hi != nil && n > *hi {
		probs.at(path, "must have at most %d %s", *hi, unit)
	}
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

// keySeparators is built once: a Replacer costs a 256-entry table to build,
// and suggest normalises every valid key for each unknown one.
var keySeparators = strings.NewReplacer("_", "", "-", "")

func normalizeKey(s string) string {
	return keySeparators.Replace(strings.ToLower(s))
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

package sandbox

import (
	"encoding/json"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
)

// Field patterns and limits from docs/meshes-api.md §5–§12.
var (
	// nameRe is the workspace name pattern (docs/meshes-api.md §5.1), also used for connection
	// names, whose exact pattern is unpublished (docs/meshes-api.md §17 q18): "letters, digits,
	// space, underscore, dash" is exactly this class.
	nameRe       = lazyregexp.New(`^[a-zA-Z0-9 _-]+$`)
	resourceIDRe = lazyregexp.New(`^[A-Za-z0-9._:-]{1,64}$`)
)

const (
	maxDescription = 1024
	maxEventName   = 128
	maxResourceKey = 128
	maxEventResID  = 255
)

// checkName validates a required name against nameRe and a length range,
// returning the accepted value.
func checkName(p *problems, param string, v *string, minLen, maxLen int) string {
	switch {
	case v == nil:
		p.add(param, "is required")
	case utf8.RuneCountInString(*v) < minLen || utf8.RuneCountInString(*v) > maxLen:
		p.add(param, "must be %d-%d characters", minLen, maxLen)
	case !nameRe.MatchString(*v):
		p.add(param, "may contain only letters, digits, spaces, underscores and dashes")
	default:
		return *v
	}
	return ""
}

// checkNonBlank validates an optional string that must not be blank when
// present. Returns "" when absent.
func checkNonBlank(p *problems, param string, v *string, maxLen int) string {
	switch {
	case v == nil:
		return ""
	case strings.TrimSpace(*v) == "":
		p.add(param, "must not be empty")
	case utf8.RuneCountInString(*v) > maxLen:
		p.add(param, "must be at most %d characters", maxLen)
	default:
		return *v
	}
	return ""
}

// checkUUIDField validates a required UUID body field.
func checkUUIDField(p *problems, param string, v *string) string {
	switch {
	case v == nil || *v == "":
		p.add(param, "is required")
	case !isUUID(*v):
		p.add(param, "must be a UUID")
	default:
		return strings.ToLower(*v)
	}
	return ""
}

// isEmpty reports a payload value that carries nothing: null, a blank
// string, an empty array or an empty object.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// checkPayload enforces docs/meshes-api.md §10.2: a non-array object, with
// (§5.6, format email) a valid email when present. The Node events client
// also refuses a payload without a non-empty value, but that is one SDK's
// client-side check, not a server rule, so an empty payload is accepted
// here as Meshes accepts it.
func checkPayload(p *problems, param string, raw json.RawMessage) map[string]any {
	if len(raw) == 0 || string(raw) == "null" {
		p.add(param, "is required")
		return nil
	}
	var v any
	if aerr := decodeJSON(raw, &v); aerr != nil {
		p.add(param, "must be a JSON object")
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		p.add(param, "must be a JSON object (not an array or scalar)")
		return nil
	}
	if email, present := obj["email"]; present && email != nil {
		s, isString := email.(string)
		if addr, err := mail.ParseAddress(s); !isString || err != nil || addr.Address != s || !strings.Contains(s, "@") {
			p.add(param+".email", "must be a valid email address")
			return nil
		}
	}
	return obj
}

// stringValue reads a string from free-form metadata; ok is false when the
// key is missing, not a string, or blank.
func stringValue(m map[string]any, key string) (string, bool) {
	s, isString := m[key].(string)
	if !isString || strings.TrimSpace(s) == "" {
		return "", false
	}
	return s, true
}

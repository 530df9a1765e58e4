package meshesapi

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Every path is assembled from literal segments and validated arguments, so
// that nothing user-supplied is ever spliced raw into a URL: an id such as
// "../connections" or "%2e%2e" fails validation before a request is built.

var (
	uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	// Session ids are opaque strings (documented example sess_<uuid>); this
	// pattern admits every documented shape and nothing that could alter a path.
	sessionIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
)

// ValidationError reports an argument the client refused to send. It names
// the field and the rule so a model can correct the call.
type ValidationError struct {
	Field string
	Rule  string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("invalid %s: %s", e.Field, e.Rule)
}

// IsUUID reports whether s is an RFC 4122 textual UUID.
func IsUUID(s string) bool { return uuidPattern.MatchString(s) }

// pathArg is a user-supplied path segment together with the rule it must meet.
type pathArg struct {
	field string
	value string
	ok    func(string) bool
	rule  string
}

func uuidArg(field, value string) pathArg {
	return pathArg{field: field, value: value, ok: IsUUID, rule: "must be a UUID such as 123e4567-e89b-42d3-a456-426614174000"}
}

func sessionArg(value string) pathArg {
	return pathArg{field: "session_id", value: value, ok: sessionIDPattern.MatchString, rule: "must be 1-128 characters of letters, digits, '_' or '-' (e.g. sess_...)"}
}

// buildPath joins literal segments (string) and validated arguments (pathArg)
// into an escaped path relative to the API base. template is the same path
// with each argument replaced by its field name in braces
// ("/events/{event_id}"): what the operation is called in metrics, free of
// ids.
func buildPath(parts ...any) (path, template string, err error) {
	var b, t strings.Builder
	for _, p := range parts {
		b.WriteByte('/')
		t.WriteByte('/')
		switch v := p.(type) {
		case string:
			b.WriteString(v)
			t.WriteString(v)
		case pathArg:
			if v.value == "" {
				return "", "", &ValidationError{Field: v.field, Rule: "is required"}
			}
			if !v.ok(v.value) {
				return "", "", &ValidationError{Field: v.field, Rule: v.rule}
			}
			b.WriteString(url.PathEscape(v.value))
			t.WriteString("{" + v.field + "}")
		default:
			panic(fmt.Sprintf("meshesapi: buildPath given %T", p))
		}
	}
	return b.String(), t.String(), nil
}

// pageQuery is a list query holding limit and cursor when set; callers add
// their filters to it.
func pageQuery(p Page) url.Values {
	q := url.Values{}
	if p.Limit > 0 {
		q.Set("limit", fmt.Sprint(p.Limit))
	}
	setIf(q, "cursor", p.Cursor)
	return q
}

func setIf(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}

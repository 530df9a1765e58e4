package meshesapi

import (
	"fmt"
	"net/url"
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

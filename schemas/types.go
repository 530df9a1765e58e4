package schemas

import (
	"encoding/json"
	"strings"
)

// NullableString is an optional string argument where JSON null means
// something ("clear it") that differs from leaving the key out ("keep it").
// A plain *string cannot tell the two apart.
type NullableString struct {
	// Set is true when the key was present, with a string or null.
	Set bool
	// Null is true when the key was present with null (or "").
	Null  bool
	Value string
}

// UnmarshalJSON records presence; an empty string counts as null because
// models use the two interchangeably to mean "clear".
func (n *NullableString) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Null = true
		return nil
	}
	if err := json.Unmarshal(b, &n.Value); err != nil {
		return err
	}
	n.Null = n.Value == ""
	return nil
}

// MarshalJSON renders the argument as the caller wrote it.
func (n NullableString) MarshalJSON() ([]byte, error) {
	if !n.Set || n.Null {
		return []byte("null"), nil
	}
	return json.Marshal(n.Value)
}

// IsZero lets `omitzero` drop an absent value.
func (n NullableString) IsZero() bool { return !n.Set }

// FieldError is an argument that breaks a rule no single-field schema
// keyword can express (e.g. "resource sessions need resource_id").
type FieldError struct {
	Field string
	Rule  string
}

func (e *FieldError) Error() string { return e.Field + " " + e.Rule }

// Page is the tail of every list result: how to continue, and why the list
// stopped early if it did.
type Page struct {
	NextCursor string `json:"next_cursor,omitempty" jsonschema_description:"Pass as cursor for more; absent when done."`
	Notice     string `json:"notice,omitempty" jsonschema_description:"Why the list stopped early."`
}

// Redacted replaces every credential the server withholds from results. An
// argument carrying it back (update_connection after get_connection) is
// refused rather than written over the real secret.
const Redacted = "[redacted]"

// blank reports whether s is empty after trimming.
func blank(s string) bool { return strings.TrimSpace(s) == "" }

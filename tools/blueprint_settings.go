package tools

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// Connection settings in a blueprint. What is a secret is decided by the
// same redaction every result goes through (redact.go), plus the integration
// catalog's password fields: a value redaction would hide becomes a
// ${secret:NAME} placeholder on export, and a blueprint holding such a value
// literally is refused, so a blueprint never carries a credential.

// placeholder matches ${secret:NAME} anywhere in a string value.
var placeholder = lazyregexp.New(`\$\{secret:([^}]*)\}`)

// wholePlaceholder matches a value that is exactly one placeholder.
var wholePlaceholder = lazyregexp.New(`^\$\{secret:[^}]+\}$`)

// secretKeys are the metadata keys an integration's catalog entry declares
// as password fields: secrets whatever their value looks like.
func secretKeys(integ *meshesapi.Integration) map[string]bool {
	keys := map[string]bool{}
	if integ == nil {
		return keys
	}
	for _, f := range integrationOut(integ).AuthFields {
		if f.Type == "password" {
			keys[f.Key] = true
		}
	}
	return keys
}

// exportSettings turns a connection's metadata into blueprint settings:
// every value redaction hides, and every password field, becomes the
// placeholder "<connection>.<path>". It returns the placeholder names.
func exportSettings(conn string, md map[string]any, passwords map[string]bool) (map[string]any, []string) {
	if len(md) == 0 {
		return nil, nil
	}
	var names []string
	out := walkSecrets("", md, redactMetadata(md), func(path string, _ any) any {
		name := conn + "." + path
		names = append(names, name)
		return schemas.SecretPlaceholder(name)
	}, passwords).(map[string]any)
	return out, names
}

// walkSecrets copies orig, replacing each leaf whose redacted form differs
// (or that sits under a top-level password key) by secret(path, value).
func walkSecrets(path string, orig, red any, secret func(string, any) any, passwords map[string]bool) any {
	switch o := orig.(type) {
	case map[string]any:
		r, _ := red.(map[string]any)
		out := make(map[string]any, len(o))
		for k, v := range o {
			p := joinPath(path, k)
			if path == "" && passwords[k] && !emptyJSON(v) && !isPlaceholderOnly(v) {
				out[k] = secret(p, v)
				continue
			}
			out[k] = walkSecrets(p, v, r[k], secret, passwords)
		}
		return out
	case []any:
		r, _ := red.([]any)
		out := make([]any, len(o))
		for i, v := range o {
			var rv any
			if i < len(r) {
				rv = r[i]
			}
			out[i] = walkSecrets(fmt.Sprintf("%s[%d]", path, i), v, rv, secret, passwords)
		}
		return out
	}
	if !reflect.DeepEqual(orig, red) {
		return secret(path, orig)
	}
	return orig
}

func isPlaceholderOnly(v any) bool {
	s, ok := v.(string)
	return ok && wholePlaceholder.MatchString(s)
}

// stripPlaceholders is v with every value that holds a placeholder emptied:
// its secret part is the placeholder ("Bearer ${secret:token}"), so only
// the other values are checked for credentials written out.
func stripPlaceholders(v any) any {
	return copyJSON(v, func(s string) any {
		if placeholder.MatchString(s) {
			return ""
		}
		return s
	})
}

// literalSecrets lists the paths of metadata values that hold a credential
// written out instead of a placeholder.
func literalSecrets(md map[string]any, passwords map[string]bool) []string {
	if len(md) == 0 {
		return nil
	}
	clean := stripPlaceholders(md).(map[string]any)
	var paths []string
	walkSecrets("", clean, redactMetadata(clean), func(path string, _ any) any {
		paths = append(paths, path)
		return nil
	}, passwords)
	sort.Strings(paths)
	return paths
}

// placeholderNames lists the secret names a value refers to.
func placeholderNames(v any, into map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for _, val := range x {
			placeholderNames(val, into)
		}
	case []any:
		for _, val := range x {
			placeholderNames(val, into)
		}
	case string:
		for _, m := range placeholder.FindAllStringSubmatch(x, -1) {
			into[m[1]] = true
		}
	}
}

// fillSecrets returns a copy of v with every placeholder replaced by its
// secret; the blueprint was checked to name only secrets that were given.
func fillSecrets(v any, secrets map[string]string) any {
	return copyJSON(v, func(s string) any {
		return placeholder.ReplaceAllStringFunc(s, func(m string) string {
			return secrets[placeholder.FindStringSubmatch(m)[1]]
		})
	})
}

// sameSettings compares blueprint settings with a target connection's
// settings in blueprint form. Secrets cannot be compared (Meshes does not
// return them): a placeholder matches any secret there, or its absence.
func sameSettings(bp, target any) bool {
	if isPlaceholderOnly(bp) {
		return target == nil || isPlaceholderOnly(target)
	}
	switch b := bp.(type) {
	case map[string]any:
		t, ok := target.(map[string]any)
		if !ok {
			return false
		}
		for k, tv := range t {
			if _, has := b[k]; !has && !emptyJSON(tv) {
				return false
			}
		}
		for k, bv := range b {
			tv, has := t[k]
			if !has && !isPlaceholderOnly(bv) && !emptyJSON(bv) {
				return false
			}
			if has && !sameSettings(bv, tv) {
				return false
			}
		}
		return true
	case []any:
		t, ok := target.([]any)
		if !ok || len(t) != len(b) {
			return false
		}
		for i := range b {
			if !sameSettings(b[i], t[i]) {
				return false
			}
		}
		return true
	case string:
		// A value mixing text and a placeholder ("Bearer ${secret:x}")
		// matches a target value that hides a secret at the same place.
		if placeholder.MatchString(b) {
			return isPlaceholderOnly(target)
		}
	}
	return canonicalJSON(bp) == canonicalJSON(target)
}

// canonicalJSON renders v with sorted keys and exact numbers, so values
// decoded by different paths (json.Number, float64) compare equal.
func canonicalJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var x any
	if dec.Decode(&x) != nil {
		return string(b)
	}
	out, _ := json.Marshal(x)
	return string(out)
}

// sortedNames is the sorted keys of a set.
func sortedNames(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// quoteList renders names for an error sentence.
func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

package tools

import (
	"fmt"
	"slices"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// update_connection replaces a connection's whole metadata, so a stored
// secret the call leaves out would be deleted by Meshes. Reads never show a
// secret (they show schemas.Redacted), so a model cannot resend one; the
// rules here make that safe (docs/threat-model.md, "update_connection"):
//
//   - a stored secret given as the placeholder is kept: the value Meshes
//     returned for it on the read just made is sent back, which Meshes
//     reads as "unchanged";
//   - a stored secret left out is refused, by name, unless remove_secrets
//     names it;
//   - a stored secret given a new value is replaced.

// secretPath is where a stored secret sits in metadata, e.g. headers →
// X-Api-Key; its name joins the keys with dots.
type secretPath []string

func (p secretPath) name() string { return strings.Join(p, ".") }

// storedSecret is one secret of the stored metadata and the value Meshes
// returned for it (masked or not, it is what keeps it).
type storedSecret struct {
	path  secretPath
	value any
}

// storedSecrets lists, by name, every value a read of md shows as the
// placeholder: exactly what a model cannot resend.
func storedSecrets(md map[string]any) map[string]storedSecret {
	out := map[string]storedSecret{}
	collectStored(nil, md, redactMetadata(md), out)
	return out
}

func collectStored(prefix secretPath, stored, shown map[string]any, out map[string]storedSecret) {
	for k, v := range stored {
		path := append(slices.Clone(prefix), k)
		switch s := shown[k].(type) {
		case string:
			if s == schemas.Redacted && !emptyJSON(v) {
				out[path.name()] = storedSecret{path: path, value: v}
			}
		case map[string]any:
			if sub, ok := v.(map[string]any); ok {
				collectStored(path, sub, s, out)
			}
		}
	}
}

// lookup finds the value at path in md.
func lookup(md map[string]any, path secretPath) (any, bool) {
	var cur any = md
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// copyJSON copies the maps and slices of a JSON value, each string in it
// replaced by str's answer (kept as it is when str is nil).
func copyJSON(v any, str func(string) any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = copyJSON(val, str)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = copyJSON(val, str)
		}
		return out
	case string:
		if str != nil {
			return str(x)
		}
	}
	return v
}

// set replaces the value at path, whose parents exist (lookup found it).
func set(md map[string]any, path secretPath, v any) {
	m := md
	for _, k := range path[:len(path)-1] {
		m = m[k].(map[string]any)
	}
	m[path[len(path)-1]] = v
}

// secretPlan is the metadata to send and what it does to stored secrets.
type secretPlan struct {
	metadata      map[string]any
	kept, removed []string
	keptPaths     []secretPath
}

// planSecrets merges the stored secrets into next per the rules above, or
// refuses the update naming the fields, before anything is sent.
func planSecrets(stored, next map[string]any, remove []string) (*secretPlan, error) {
	secrets := storedSecrets(stored)
	names := make([]string, 0, len(secrets))
	for name := range secrets {
		names = append(names, name)
	}
	slices.Sort(names)
	listed := "none"
	if len(names) > 0 {
		listed = strings.Join(names, ", ")
	}
	for _, name := range remove {
		if _, ok := secrets[name]; !ok {
			return nil, &schemas.FieldError{Field: "remove_secrets", Rule: fmt.Sprintf("names %q, which is not a stored secret of this connection (stored secrets: %s)", name, listed)}
		}
	}
	plan := &secretPlan{metadata: copyJSON(next, nil).(map[string]any)}
	check := copyJSON(next, nil).(map[string]any) // next without the kept placeholders
	var missing []string
	for _, name := range names {
		s := secrets[name]
		v, present := lookup(next, s.path)
		switch {
		case slices.Contains(remove, name) && present:
			return nil, &schemas.FieldError{Field: "metadata." + name, Rule: "is both given and named in remove_secrets; leave it out to delete it, or drop it from remove_secrets"}
		case slices.Contains(remove, name):
			plan.removed = append(plan.removed, name)
		case !present:
			missing = append(missing, name)
		case v == schemas.Redacted:
			set(plan.metadata, s.path, s.value)
			set(check, s.path, nil)
			plan.kept = append(plan.kept, name)
			plan.keptPaths = append(plan.keptPaths, s.path)
		}
	}
	if len(missing) > 0 {
		return nil, &schemas.FieldError{Field: "metadata", Rule: fmt.Sprintf(
			"leaves out the stored secrets %s, which Meshes would delete; give each as %q (as get_connection shows it) to keep it or a new value to replace it, or name it in remove_secrets to delete it",
			strings.Join(missing, ", "), schemas.Redacted)}
	}
	if err := refuseRedacted(check); err != nil {
		return nil, err
	}
	return plan, nil
}

// lostSecrets lists the kept secrets a read-back connection no longer has.
func (p *secretPlan) lostSecrets(after map[string]any) []string {
	now := storedSecrets(after)
	var lost []string
	for _, path := range p.keptPaths {
		if _, ok := now[path.name()]; !ok {
			lost = append(lost, path.name())
		}
	}
	return lost
}

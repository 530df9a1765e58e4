package schemas

import "strings"

// Option adjusts a tool's input schema for the server's configuration. Its
// Name identifies the adjustment, so that schemas generated ahead of time
// can be looked up per configuration; package reflectschema applies it.
type Option struct {
	Name    string
	require []string
}

// Require marks a property required that its struct leaves optional. The
// path names the property through enclosing properties and array items,
// e.g. Require("events", "workspace_id"). send_event uses it: workspace_id
// is required unless a publishable key implies the workspace.
func Require(path ...string) Option {
	return Option{Name: "require=" + strings.Join(path, "."), require: path}
}

// RequiredPath is the property path Require named.
func (o Option) RequiredPath() []string { return o.require }

package cli

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/tools"
)

// toolLine is one listed tool: "  name  kind  description".
var toolLine = regexp.MustCompile(`(?m)^  ([a-z_]+) +(read|write|destructive) +(\S.*)$`)

func TestToolsSubcommandHonoursTheSafetyFlags(t *testing.T) {
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		t.Fatal(err)
	}
	where := func(keep func(tools.Tool) bool) []string {
		var names []string
		for _, tool := range cat.All() {
			if keep(tool) {
				names = append(names, tool.Name)
			}
		}
		return names
	}
	cases := []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"everything", nil, nil, where(func(tools.Tool) bool { return true })},
		{"one toolset shown", []string{"--toolset", "rules"}, nil, where(func(t tools.Tool) bool { return t.Toolset == "rules" })},
		{"read-only", []string{"--read-only"}, nil, where(func(t tools.Tool) bool { return t.ReadOnly })},
		{"read-only from the environment", nil, map[string]string{"MESHES_READ_ONLY": "true"}, where(func(t tools.Tool) bool { return t.ReadOnly })},
		{"toolsets", []string{"--toolsets", "events,deliveries"}, nil,
			where(func(t tools.Tool) bool { return t.Toolset == "events" || t.Toolset == "deliveries" })},
		{"workspace allowlist hides create_workspace", []string{"--workspaces", otherWorkspace}, nil,
			where(func(t tools.Tool) bool { return t.Name != "create_workspace" })},
		{"--sandbox changes nothing in the list", []string{"--sandbox", "--toolset", "sessions"}, nil,
			where(func(t tools.Tool) bool { return t.Toolset == "sessions" })},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runMain(t, nil, tc.env, append([]string{"tools"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			var got []string
			for _, m := range toolLine.FindAllStringSubmatch(stdout, -1) {
				got = append(got, m[1])
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("listed %v\nwant   %v", got, tc.want)
			}
		})
	}
}

func TestToolsSubcommandShowsKindAndDescription(t *testing.T) {
	n := catalogSize(t)
	stdout, _, _ := runMain(t, nil, nil, "tools")
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^workspaces$`),
		regexp.MustCompile(`(?m)^  list_workspaces +read +List workspaces`),
		regexp.MustCompile(`(?m)^  create_workspace +write +\S`),
		regexp.MustCompile(`(?m)^  delete_rule +destructive +\S`),
		regexp.MustCompile(fmt.Sprintf(`(?m)^%d of %d tools\.`, n, n)),
	} {
		if !want.MatchString(stdout) {
			t.Errorf("output does not match %s:\n%s", want, stdout)
		}
	}
	stdout, _, _ = runMain(t, nil, nil, "tools", "--read-only")
	if !regexp.MustCompile(fmt.Sprintf(`of %d tools \(\d+ hidden by`, n)).MatchString(stdout) {
		t.Errorf("hidden tools not counted:\n%s", stdout)
	}
}

// catalogSize is how many tools the catalog declares.
func catalogSize(t *testing.T) int {
	t.Helper()
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return len(cat.All())
}

func TestToolsSubcommandRejectsBadInput(t *testing.T) {
	cases := [][]string{{"--toolset", "webhooks"}, {"--toolsets", "webhooks"}, {"no_such_tool"}, {"list_rules", "get_rule"}, {"--workspaces", "acme"}}
	for _, args := range cases {
		stdout, stderr, code := runMain(t, nil, nil, append([]string{"tools"}, args...)...)
		if code != 2 || stdout != "" || !strings.Contains(stderr, "meshes-mcp tools:") {
			t.Errorf("tools %v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
}

// -h shows the flags that matter to the subcommand, not the transports' ones.
func TestSubcommandHelpHidesTransportFlags(t *testing.T) {
	for _, cmd := range []string{"tools", "call"} {
		_, stderr, code := runMain(t, nil, nil, cmd, "-h")
		if code != 0 || !strings.Contains(stderr, "-read-only") || !strings.Contains(stderr, "-sandbox") ||
			strings.Contains(stderr, "-addr") || strings.Contains(stderr, "-auth-token") || strings.Contains(stderr, "-max-body-bytes") {
			t.Errorf("%s -h: exit %d\n%s", cmd, code, stderr)
		}
	}
}

// `tools NAME` shows every argument of every tool, with whether it is
// required, as the served schema declares it.
func TestToolsSubcommandShowsEveryArgument(t *testing.T) {
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range cat.All() {
		stdout, stderr, code := runMain(t, nil, nil, "tools", tool.Name)
		if code != 0 {
			t.Fatalf("tools %s: exit %d: %s", tool.Name, code, stderr)
		}
		if !strings.HasPrefix(stdout, tool.Name+": "+tool.Title+"\n"+tool.Description+"\n") ||
			!strings.Contains(stdout, fmt.Sprintf("readOnly=%v", tool.ReadOnly)) {
			t.Errorf("tools %s: header wrong:\n%s", tool.Name, stdout)
		}
		var schema struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		}
		if err := json.Unmarshal(tool.Definition.RawInputSchema, &schema); err != nil {
			t.Fatal(err)
		}
		for name := range schema.Properties {
			required := "no"
			if slices.Contains(schema.Required, name) {
				required = "yes"
			}
			row := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(name) + ` +\S+ +` + required + ` `)
			if !row.MatchString(stdout) {
				t.Errorf("tools %s: no row for %s (required %s):\n%s", tool.Name, name, required, stdout)
			}
		}
	}
}

package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/sandbox"
)

const otherWorkspace = "11111111-1111-4111-8111-111111111111"

func TestCallSubcommand(t *testing.T) {
	argsFile := filepath.Join(t.TempDir(), "args.json")
	if err := os.WriteFile(argsFile, []byte(`{"limit": 1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		stdin string
		args  []string
		code  int
		// stdout is a list_workspaces result with this many workspaces
		// (-1: do not check); mention must appear on stderr.
		workspaces int
		mention    string
	}{
		{"flags before the tool", "", []string{"call", "--sandbox", "list_workspaces"}, 0, 2, ""},
		{"flags after the tool", "", []string{"call", "list_workspaces", "{}", "--sandbox"}, 0, 2, ""},
		{"arguments from stdin", `{"cursor": ""}`, []string{"call", "--sandbox", "list_workspaces", "-"}, 0, 2, ""},
		{"arguments from a file", "", []string{"call", "--sandbox", "list_events", "@" + argsFile}, 0, -1, ""},
		{"workspace allowlist filters lists", "", []string{"call", "--sandbox", "--workspaces", otherWorkspace, "list_workspaces"}, 0, 0, ""},
		{"read-only refuses writes", "", []string{"call", "--sandbox", "--read-only", "create_workspace", `{"name":"Acme"}`}, 1, -1, "read-only"},
		{"toolsets refuse other tools", "", []string{"call", "--sandbox", "--toolsets", "rules", "list_workspaces"}, 1, -1, "toolset"},
		{"bad input is a tool error", "", []string{"call", "--sandbox", "get_workspace", `{"workspace_id":"acme"}`}, 1, -1, "workspace_id"},
		{"unknown argument is a tool error", "", []string{"call", "--sandbox", "list_workspaces", `{"workspace":"x"}`}, 1, -1, "workspace"},
		{"unknown tool", "", []string{"call", "--sandbox", "list_webhooks"}, 2, -1, `unknown tool "list_webhooks"`},
		{"malformed JSON", "", []string{"call", "--sandbox", "list_workspaces", "{limit:1}"}, 2, -1, "not valid JSON"},
		{"missing file", "", []string{"call", "--sandbox", "list_workspaces", "@/nonexistent/args.json"}, 2, -1, "/nonexistent/args.json"},
		{"no tool", "", []string{"call", "--sandbox"}, 2, -1, "want a tool name"},
		{"too many arguments", "", []string{"call", "--sandbox", "list_workspaces", "{}", "{}"}, 2, -1, "want a tool name"},
		{"no credentials", "", []string{"call", "list_workspaces"}, 1, -1, "MESHES_ACCESS_KEY"},
		{"bad safety flag", "", []string{"call", "--sandbox", "--toolsets", "webhooks", "list_workspaces"}, 2, -1, `unknown toolset "webhooks"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runMain(t, strings.NewReader(tc.stdin), nil, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, stderr)
			}
			if tc.mention != "" && !strings.Contains(stderr, tc.mention) {
				t.Errorf("stderr does not mention %q:\n%s", tc.mention, stderr)
			}
			if code != 0 && stdout != "" {
				t.Errorf("a failed call printed to stdout: %q", stdout)
			}
			if tc.workspaces >= 0 {
				checkWorkspaceCount(t, stdout, tc.workspaces)
			}
		})
	}
}

func checkWorkspaceCount(t *testing.T, stdout string, want int) {
	t.Helper()
	var out struct {
		Count      int               `json:"count"`
		Workspaces []json.RawMessage `json:"workspaces"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout is not the result JSON: %v\n%s", err, stdout)
	}
	if out.Count != want || len(out.Workspaces) != want {
		t.Errorf("got %d workspaces, want %d:\n%s", len(out.Workspaces), want, stdout)
	}
}

// With real credentials in the environment (here: a sandbox's machine key
// and URL, as `meshes-mcp sandbox` prints them), call talks to that API.
func TestCallUsesCredentialsFromTheEnvironment(t *testing.T) {
	sb, err := sandbox.Start(sandbox.Options{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	env := map[string]string{
		"MESHES_ACCESS_KEY": sb.Credentials.AccessKey,
		"MESHES_SECRET_KEY": sb.Credentials.SecretKey,
		"MESHES_ORG_ID":     sb.Credentials.OrgID,
		"MESHES_API_URL":    sb.URL,
	}
	stdout, stderr, code := runMain(t, nil, env, "call", "list_workspaces")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	checkWorkspaceCount(t, stdout, 2)

	env["MESHES_SECRET_KEY"] = strings.Repeat("x", 43)
	_, stderr, code = runMain(t, nil, env, "call", "list_workspaces")
	if code != 1 || !strings.Contains(stderr, "401") || strings.Contains(stderr, env["MESHES_SECRET_KEY"]) {
		t.Errorf("wrong secret: exit %d, stderr %q", code, stderr)
	}
}

func TestReadArguments(t *testing.T) {
	cases := []struct {
		source, stdin, want, err string
	}{
		{`{"a":1}`, "", `{"a":1}`, ""},
		{"-", " \n{\"a\": 2}\n", `{"a": 2}`, ""},
		{"-", "", `{}`, ""},
		{"{", "", "", "not valid JSON"},
		{"-", strings.Repeat(" ", maxArgumentBytes+1), "", "more than"},
	}
	for _, c := range cases {
		got, err := readArguments(c.source, strings.NewReader(c.stdin))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("readArguments(%q): error %v, want %q", c.source, err, c.err)
			}
			continue
		}
		if err != nil || string(got) != c.want {
			t.Errorf("readArguments(%q) = %s, %v; want %s", c.source, got, err, c.want)
		}
	}
}

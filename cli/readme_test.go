package cli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// The README's configuration and tool tables are generated from the code
// that defines them, between markers; this test fails when they disagree
// and rewrites them when UPDATE_README=1 is set:
//
//	UPDATE_README=1 go test ./cli -run TestREADME
const readmePath = "../README.md"

func TestREADMEGeneratedSections(t *testing.T) {
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	got := string(data)
	want := got
	for _, s := range []struct{ name, body string }{
		{"configuration", configurationTable(t)},
		{"tools", toolTable(t)},
	} {
		if want, err = replaceSection(want, s.name, s.body); err != nil {
			t.Fatal(err)
		}
	}
	if got == want {
		return
	}
	if os.Getenv("UPDATE_README") != "" {
		if err := os.WriteFile(readmePath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Log("README.md updated")
		return
	}
	t.Errorf("README.md's generated tables are out of date; run: UPDATE_README=1 go test ./cli -run TestREADME\n%s", firstDifference(got, want))
}

// Every `meshes-mcp NAME` the README's code shows must be a real subcommand.
func TestREADMENamesRealSubcommands(t *testing.T) {
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	invocation := regexp.MustCompile(`meshes-mcp ([a-z]+)\b`)
	for _, code := range readmeCode(string(data)) {
		for _, m := range invocation.FindAllStringSubmatch(code, -1) {
			if _, ok := lookupCommand(m[1]); !ok && m[1] != "serve" && m[1] != "help" {
				t.Errorf("README shows `meshes-mcp %s`, which is not a command", m[1])
			}
		}
	}
}

var (
	fencedBlock  = regexp.MustCompile("(?s)```[a-z]*\n(.*?)```")
	inlineCode   = regexp.MustCompile("`([^`\n]+)`")
	shellComment = regexp.MustCompile(`(?m)\s#.*$`)
)

// readmeCode returns the README's code: fenced blocks without shell
// comments, and inline code spans.
func readmeCode(doc string) []string {
	var code []string
	for _, m := range fencedBlock.FindAllStringSubmatch(doc, -1) {
		code = append(code, shellComment.ReplaceAllString(m[1], ""))
	}
	for _, m := range inlineCode.FindAllStringSubmatch(fencedBlock.ReplaceAllString(doc, ""), -1) {
		code = append(code, m[1])
	}
	return code
}

func replaceSection(doc, name, body string) (string, error) {
	begin := "<!-- BEGIN GENERATED " + name + " -->\n"
	end := "<!-- END GENERATED " + name + " -->"
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i < 0 || j < i {
		return doc, fmt.Errorf("README.md lacks the markers %q … %q", strings.TrimSpace(begin), end)
	}
	return doc[:i+len(begin)] + body + doc[j:], nil
}

func firstDifference(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d\n  README:    %s\n  generated: %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("README has %d lines, generated %d", len(g), len(w))
}

// serveFlagSet returns the flag set `meshes-mcp` (serve) parses.
func serveFlagSet(t *testing.T) *flag.FlagSet {
	t.Helper()
	return serveFlags(&Env{Getenv: envMap(nil), Stderr: io.Discard}, &Config{}).FlagSet
}

var (
	envInUsage     = regexp.MustCompile(`\(env ([A-Z0-9_]+)[,)]`)
	bareEnvInUsage = regexp.MustCompile(`\s*\(env [A-Z0-9_]+\)`)
	envWithRemark  = regexp.MustCompile(`\(env [A-Z0-9_]+, `)
	defaultInUsage = regexp.MustCompile(`\s*\(default ([^)]+)\)`)
)

func configurationTable(t *testing.T) string {
	var b strings.Builder
	b.WriteString("| Flag | Environment | Default | Meaning |\n|---|---|---|---|\n")
	serveFlagSet(t).VisitAll(func(fl *flag.Flag) {
		text, env, def := fl.Usage, "—", fl.DefValue
		if m := envInUsage.FindStringSubmatch(text); m != nil {
			env = "`" + m[1] + "`"
		}
		text = bareEnvInUsage.ReplaceAllString(text, "")
		text = envWithRemark.ReplaceAllString(text, "(environment variable ")
		if m := defaultInUsage.FindStringSubmatch(text); m != nil && def == "" {
			def = m[1]
			text = defaultInUsage.ReplaceAllString(text, "")
		}
		if def == "" {
			def = "—"
		} else {
			def = "`" + def + "`"
		}
		fmt.Fprintf(&b, "| `--%s` | %s | %s | %s |\n", fl.Name, env, def, cell(sentence(text)))
	})
	b.WriteString("\nCredentials and endpoints come only from the environment or the credentials file, never from flags\n(a flag is visible to every user in `ps`):\n\n")
	b.WriteString("| Environment | Credentials-file key | Default | Meaning |\n|---|---|---|---|\n")
	for _, row := range [][4]string{
		{meshesapi.EnvAccessKey, "access_key", "—", "Machine access key (`mk_…`)."},
		{meshesapi.EnvSecretKey, "secret_key", "—", "Machine secret key; signs the short-lived JWT sent on each request."},
		{meshesapi.EnvOrgID, "org_id", "—", "Organization UUID. `" + meshesapi.EnvOrgIDAlias + "` is accepted as an alias."},
		{meshesapi.EnvAPIURL, "api_url", "`" + meshesapi.DefaultAPIURL + "`", "Management API base; `/api/v1` is appended when missing."},
		{meshesapi.EnvEventsURL, "events_url", "`" + meshesapi.DefaultEventsURL + "` with the default API URL, else the API URL", "Ingestion base, so a staging or sandbox setup never sends events to production."},
		{meshesapi.EnvPublishableKey, "publishable_key", "—", "Optional workspace publishable key: events are sent with it and may omit `workspace_id`."},
		{meshesapi.EnvMaxRequestBytes, "—", fmt.Sprintf("`%d`", meshesapi.DefaultMaxRequestBytes), "Largest request body sent to Meshes; a bigger event is refused before anything is sent, and `send_events` packs its batches to fit. Meshes publishes no limit; 4 MiB is what the sandbox accepts."},
		{meshesapi.EnvCredentialsFile, "—", "`<user config dir>/meshes/credentials.json` if present", "JSON file holding the keys above; refused unless only its owner can read it (`chmod 600`). Environment variables beat the file."},
	} {
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", row[0], codeOrDash(row[1]), row[2], row[3])
	}
	return b.String()
}

func toolTable(t *testing.T) string {
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("| Toolset | Tool | Kind | What it does |\n|---|---|---|---|\n")
	for _, tool := range cat.All() {
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", tool.Toolset, tool.Name, toolKind(tool), cell(tool.Description))
	}
	fmt.Fprintf(&b, "\n%d tools. *read* tools change nothing; *destructive* ones may overwrite or delete existing data.\n", len(cat.All()))
	return b.String()
}

// sentence capitalises a flag's usage text and ends it with a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	s = strings.ToUpper(s[:1]) + s[1:]
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func codeOrDash(s string) string {
	if s == "—" {
		return s
	}
	return "`" + s + "`"
}

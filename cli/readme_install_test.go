package cli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// serverEntry is a stdio server as MCP clients configure it; VS Code's
// install object adds the name and its prompted inputs.
type serverEntry struct {
	Name    string            `json:"name,omitempty"`
	Command string            `json:"command"`
	Args    []string          `json:"args"`
	Env     map[string]string `json:"env,omitempty"`
	Inputs  []promptInput     `json:"inputs,omitempty"`
}

// promptInput is a value VS Code asks the user for, referred to as
// ${input:ID}; a password is kept in its secret storage.
type promptInput struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Description string `json:"description"`
	Password    bool   `json:"password"`
}

// installSnippet is one server entry the README offers, with the client it
// is for and where it was found.
type installSnippet struct {
	client, name, source string
	entry                serverEntry
	// remote entries (claude mcp add --transport http) start no process.
	remote bool
}

var (
	cursorWebLink  = regexp.MustCompile(`\(https://cursor\.com/en/install-mcp\?([^)\s]+)\)`)
	cursorDeeplink = regexp.MustCompile("`cursor://anysphere\\.cursor-deeplink/mcp/install\\?([^`\\s]+)`")
	vscodeRedirect = regexp.MustCompile(`\(https://insiders\.vscode\.dev/redirect\?url=([^)\s]+)\)`)
	vscodeAddMCP   = regexp.MustCompile(`code --add-mcp '([^']+)'`)
	continuation   = regexp.MustCompile(`\\\n\s*`)
)

// strictEntry decodes one server entry, refusing fields no client knows.
func strictEntry(data []byte) (serverEntry, error) {
	var e serverEntry
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	err := dec.Decode(&e)
	return e, err
}

// readmeInstallSnippets extracts every install snippet from the README:
// Cursor's web links and deeplinks (base64 JSON), VS Code's install links
// (URL-encoded JSON) and `code --add-mcp` lines, `claude mcp add` lines and
// mcpServers JSON blocks (Windsurf's file).
func readmeInstallSnippets(t *testing.T, doc string) []installSnippet {
	t.Helper()
	var out []installSnippet
	add := func(client, name, source string, data []byte) {
		e, err := strictEntry(data)
		if err != nil {
			t.Errorf("%s install snippet %s: %v\n%s", client, source, err, data)
			return
		}
		out = append(out, installSnippet{client: client, name: name, source: source, entry: e})
	}
	cursor := func(kind, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			t.Errorf("Cursor %s %q: %v", kind, query, err)
			return
		}
		config, err := base64.StdEncoding.DecodeString(q.Get("config"))
		if err != nil {
			t.Errorf("Cursor %s for %s: config is not base64: %v", kind, q.Get("name"), err)
			return
		}
		add("Cursor", q.Get("name"), kind, config)
	}
	for _, m := range cursorWebLink.FindAllStringSubmatch(doc, -1) {
		cursor("web link", m[1])
	}
	for _, m := range cursorDeeplink.FindAllStringSubmatch(doc, -1) {
		cursor("deeplink", m[1])
	}
	for _, m := range vscodeRedirect.FindAllStringSubmatch(doc, -1) {
		link, err := url.QueryUnescape(m[1])
		if err != nil {
			t.Errorf("VS Code link %q: %v", m[1], err)
			continue
		}
		encoded, ok := strings.CutPrefix(link, "vscode:mcp/install?")
		if !ok {
			t.Errorf("VS Code link redirects to %q, not vscode:mcp/install?…", link)
			continue
		}
		obj, err := url.QueryUnescape(encoded)
		if err != nil {
			t.Errorf("VS Code link %q: %v", link, err)
			continue
		}
		var named struct{ Name string }
		_ = json.Unmarshal([]byte(obj), &named)
		add("VS Code", named.Name, "install link", []byte(obj))
	}
	for _, m := range vscodeAddMCP.FindAllStringSubmatch(doc, -1) {
		var named struct{ Name string }
		_ = json.Unmarshal([]byte(m[1]), &named)
		add("VS Code", named.Name, "code --add-mcp", []byte(m[1]))
	}
	for _, block := range fencedBlock.FindAllStringSubmatch(doc, -1) {
		body := block[1]
		if strings.Contains(body, `"mcpServers"`) {
			var cfg struct {
				MCPServers map[string]json.RawMessage `json:"mcpServers"`
			}
			if err := json.Unmarshal([]byte(body), &cfg); err != nil {
				t.Errorf("mcpServers block does not parse: %v\n%s", err, body)
			}
			for name, raw := range cfg.MCPServers {
				add("Windsurf", name, "mcp_config.json", raw)
			}
		}
		for _, line := range strings.Split(continuation.ReplaceAllString(body, " "), "\n") {
			line = strings.TrimSpace(shellComment.ReplaceAllString(line, ""))
			if strings.HasPrefix(line, "claude mcp add ") {
				if s, err := parseClaudeMCPAdd(line); err != nil {
					t.Errorf("%q: %v", line, err)
				} else {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// parseClaudeMCPAdd reads `claude mcp add [options] NAME [-- COMMAND ARGS…]`
// (or NAME URL with --transport http) as Claude Code documents it.
func parseClaudeMCPAdd(line string) (installSnippet, error) {
	s := installSnippet{client: "Claude Code", source: "claude mcp add"}
	words := shellWords(strings.TrimPrefix(line, "claude mcp add "))
	var positional []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "--":
			if i+1 >= len(words) {
				return s, fmt.Errorf("no command after --")
			}
			s.entry.Command, s.entry.Args = words[i+1], words[i+2:]
			i = len(words)
		case w == "-e" || w == "--env":
			i++
			k, v, ok := strings.Cut(words[min(i, len(words)-1)], "=")
			if !ok || i >= len(words) {
				return s, fmt.Errorf("-e wants KEY=value")
			}
			if s.entry.Env == nil {
				s.entry.Env = map[string]string{}
			}
			s.entry.Env[k] = v
		case w == "--transport" || w == "-t":
			i++
			s.remote = i < len(words) && words[i] != "stdio"
		case w == "--header" || w == "-H" || w == "--scope" || w == "-s":
			i++
		case strings.HasPrefix(w, "-"):
			return s, fmt.Errorf("unknown option %s", w)
		default:
			positional = append(positional, w)
		}
	}
	if len(positional) == 0 {
		return s, fmt.Errorf("no server name")
	}
	s.name = positional[0]
	if !s.remote && s.entry.Command == "" {
		return s, fmt.Errorf("a stdio server needs -- COMMAND")
	}
	return s, nil
}

// shellWords splits a command line at spaces, keeping double-quoted words
// whole; enough for the README's one-liners.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	quoted, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, inWord = !quoted, true
		case r == ' ' && !quoted:
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
			}
			inWord = false
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// knownVariables are the environment variables the server reads: the
// credentials and endpoints, and every flag's environment twin.
func knownVariables(t *testing.T) []string {
	known := []string{meshesapi.EnvAccessKey, meshesapi.EnvSecretKey, meshesapi.EnvOrgID, meshesapi.EnvOrgIDAlias,
		meshesapi.EnvAPIURL, meshesapi.EnvEventsURL, meshesapi.EnvPublishableKey, meshesapi.EnvCredentialsFile}
	serveFlagSet(t).VisitAll(func(fl *flag.Flag) {
		if m := envInUsage.FindStringSubmatch(fl.Usage); m != nil {
			known = append(known, m[1])
		}
	})
	return known
}

var inputRef = regexp.MustCompile(`^\$\{input:([A-Za-z0-9_.-]+)\}$`)

// Every one-line install the README offers decodes to a server entry that
// starts this server with flags and variables it accepts; each client gets
// the account as `meshes` and the demo data as `meshes-sandbox`, so the
// two never collide; VS Code's prompted secret is a password.
func TestREADMEInstallSnippets(t *testing.T) {
	data, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	module := strings.TrimSpace(strings.TrimPrefix(strings.SplitN(string(gomod), "\n", 2)[0], "module "))
	known := knownVariables(t)
	snippets := readmeInstallSnippets(t, string(data))

	byClient := map[string]map[string]serverEntry{} // client -> name -> entry
	for _, s := range snippets {
		label := fmt.Sprintf("%s %s %q", s.client, s.source, s.name)
		if s.entry.Name != "" && s.entry.Name != s.name {
			t.Errorf("%s: entry names itself %q", label, s.entry.Name)
		}
		if s.remote {
			continue
		}
		var serverArgs []string
		switch {
		case s.entry.Command == "go" && len(s.entry.Args) >= 2 && s.entry.Args[0] == "run" && s.entry.Args[1] == module+"@latest":
			serverArgs = s.entry.Args[2:]
		case filepath.Base(s.entry.Command) == "meshes-mcp":
			serverArgs = s.entry.Args
		default:
			t.Errorf("%s: runs %s %v, not meshes-mcp or go run %s@latest", label, s.entry.Command, s.entry.Args, module)
			continue
		}
		sandbox := slices.Contains(serverArgs, "--sandbox")
		if want := map[bool]string{false: "meshes", true: "meshes-sandbox"}[sandbox]; s.name != want {
			t.Errorf("%s: named %q; a %s entry is named %q in every client", label, s.name,
				map[bool]string{false: "real-account", true: "sandbox"}[sandbox], want)
		}
		env := map[string]string{}
		for k, v := range s.entry.Env {
			if !slices.Contains(known, k) {
				t.Errorf("%s: sets %s, which meshes-mcp does not read", label, k)
			}
			env[k] = v
			if m := inputRef.FindStringSubmatch(v); m != nil {
				i := slices.IndexFunc(s.entry.Inputs, func(in promptInput) bool { return in.ID == m[1] })
				if i < 0 {
					t.Errorf("%s: %s refers to input %s, which inputs does not declare", label, k, m[1])
					continue
				}
				in := s.entry.Inputs[i]
				if in.Type != "promptString" || in.Password != (k == meshesapi.EnvSecretKey) {
					t.Errorf("%s: input %s is %s with password=%v; only the secret key is a password", label, in.ID, in.Type, in.Password)
				}
				env[k] = "" // a value the user types
			}
		}
		var stderr bytes.Buffer
		if code := Main(append(slices.Clone(serverArgs), "--version"), nil, io.Discard, &stderr, envMap(env)); code != 0 {
			t.Errorf("%s: meshes-mcp rejects %v: %s", label, serverArgs, stderr.String())
		}
		entry := s.entry
		entry.Name = ""
		if byClient[s.client] == nil {
			byClient[s.client] = map[string]serverEntry{}
		}
		// The same client's forms of one entry (a badge and its deeplink,
		// a link and its command line) must agree.
		if prev, ok := byClient[s.client][s.name]; ok && s.client != "Claude Code" {
			a, _ := json.Marshal(prev)
			b, _ := json.Marshal(entry)
			if !bytes.Equal(a, b) {
				t.Errorf("%s: %s differs from the other %s form:\n%s\n%s", label, b, s.client, a, b)
			}
		}
		byClient[s.client][s.name] = entry
	}
	for _, client := range []string{"Claude Code", "Cursor", "VS Code", "Windsurf"} {
		for _, name := range []string{"meshes", "meshes-sandbox"} {
			if _, ok := byClient[client][name]; !ok {
				t.Errorf("the README offers %s no %s entry", client, name)
			}
		}
	}
}

package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/tools"
)

func envMap(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// isolatedEnv is env over a fresh temporary HOME and XDG_CONFIG_HOME, so
// Main never reads the real user's config.
func isolatedEnv(t *testing.T, env map[string]string) func(string) string {
	t.Helper()
	home := t.TempDir()
	full := map[string]string{"HOME": home, "XDG_CONFIG_HOME": home}
	for k, v := range env {
		full[k] = v
	}
	return envMap(full)
}

func TestFlagsTakePrecedenceOverEnvironment(t *testing.T) {
	const ws = "11111111-1111-4111-8111-111111111111"
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want Config
	}{
		{"defaults", nil, nil, Config{LogLevel: slog.LevelInfo}},
		{"environment", map[string]string{"MESHES_READ_ONLY": "true", "MESHES_TOOLSETS": "events, rules", "MESHES_WORKSPACES": ws, "MESHES_LOG_LEVEL": "debug"}, nil,
			Config{ReadOnly: true, Toolsets: []string{"events", "rules"}, Workspaces: []string{ws}, LogLevel: slog.LevelDebug}},
		{"flag beats environment", map[string]string{"MESHES_READ_ONLY": "true", "MESHES_TOOLSETS": "events"}, []string{"--read-only=false", "--toolsets", "sessions"},
			Config{Toolsets: []string{"sessions"}, LogLevel: slog.LevelInfo}},
		{"sandbox", map[string]string{"MESHES_SANDBOX": "1"}, nil, Config{Sandbox: true, LogLevel: slog.LevelInfo}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg Config
			f := NewFlags("test", envMap(tt.env), io.Discard)
			addCatalogFlags(f, &cfg)
			if err := f.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if cfg.ReadOnly != tt.want.ReadOnly || cfg.Sandbox != tt.want.Sandbox || cfg.LogLevel != tt.want.LogLevel ||
				!slices.Equal(cfg.Toolsets, tt.want.Toolsets) || !slices.Equal(cfg.Workspaces, tt.want.Workspaces) {
				t.Errorf("config = %+v, want %+v", cfg, tt.want)
			}
		})
	}
}

func TestFlagErrorsAreAllReported(t *testing.T) {
	var cfg Config
	f := NewFlags("test", envMap(map[string]string{"MESHES_READ_ONLY": "perhaps"}), io.Discard)
	addCatalogFlags(f, &cfg)
	err := f.Parse([]string{"--toolsets", "events,nope", "--workspaces", "acme", "--log-level", "loud"})
	for _, want := range []string{"MESHES_READ_ONLY must be true or false", `unknown toolset "nope"`, `workspace "acme" is not a UUID`, "--log-level"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
}

func runMain(t *testing.T, stdin io.Reader, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(args, stdin, &stdout, &stderr, isolatedEnv(t, env))
	return stdout.String(), stderr.String(), code
}

func TestMainWithoutCredentials(t *testing.T) {
	stdout, stderr, code := runMain(t, strings.NewReader(""), nil)
	if code == 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	for _, want := range []string{"MESHES_ACCESS_KEY", "MESHES_CREDENTIALS_FILE", "chmod 600", "--sandbox"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not mention %s:\n%s", want, stderr)
		}
	}
}

func TestMainVersionAndCommands(t *testing.T) {
	stdout, _, code := runMain(t, nil, nil, "--version")
	if code != 0 || stdout != VersionString()+"\n" || !strings.Contains(stdout, "commit") {
		t.Errorf("--version: %q exit %d", stdout, code)
	}
	if _, stderr, code := runMain(t, nil, nil, "nope"); code != 2 || !strings.Contains(stderr, `unknown command "nope"`) {
		t.Errorf("unknown command: exit %d, %q", code, stderr)
	}
	called := false
	saved := commands
	commands = append(slices.Clone(saved), Command{Name: "zz-test", Summary: "test command", Run: func(_ context.Context, args []string, env *Env) int {
		called = slices.Equal(args, []string{"a"})
		return 3
	}})
	defer func() { commands = saved }()
	if _, _, code := runMain(t, nil, nil, "zz-test", "a"); code != 3 || !called {
		t.Errorf("registered command not dispatched: exit %d", code)
	}
	if stdout, _, _ := runMain(t, nil, nil, "help"); !strings.Contains(stdout, "zz-test") {
		t.Errorf("help does not list registered commands: %q", stdout)
	}
}

// Serving stdio in-process against --sandbox: stdout carries JSON-RPC only,
// and the server exits cleanly when the client closes stdin.
func TestMainServesStdioUntilStdinCloses(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	done := make(chan int, 1)
	var stderr bytes.Buffer
	home := t.TempDir()
	go func() {
		done <- Main([]string{"--sandbox", "--log-level", "warn"}, inR, outW, &stderr, envMap(map[string]string{"HOME": home, "XDG_CONFIG_HOME": home}))
		outW.Close()
	}()
	lines := bufio.NewScanner(outR)
	lines.Buffer(make([]byte, 1<<20), 1<<20)
	send := func(msg string) {
		if _, err := io.WriteString(inW, msg+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/list"}`)
	var tools int
	for lines.Scan() {
		var msg struct {
			ID     int `json:"id"`
			Result struct {
				Tools []json.RawMessage `json:"tools"`
			} `json:"result"`
		}
		if err := json.Unmarshal(lines.Bytes(), &msg); err != nil {
			t.Fatalf("stdout line is not JSON-RPC: %q", lines.Text())
		}
		if msg.ID == 2 {
			tools = len(msg.Result.Tools)
			break
		}
	}
	if want := catalogSize(t); tools != want {
		t.Errorf("tools/list returned %d tools, the catalog has %d", tools, want)
	}
	inW.Close()
	go func() { _, _ = io.Copy(io.Discard, outR) }()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after stdin closed; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not exit after stdin closed")
	}
}

func TestSandboxDeliverToParsing(t *testing.T) {
	for list, wantErr := range map[string]bool{
		"": false, "127.0.0.1:8080": false, " localhost:9000 , [::1]:443": false,
		"http://127.0.0.1:8080": true, "localhost": true, "localhost:http": true, ":8080": true, "h:70000": true,
	} {
		var cfg Config
		f := NewFlags("test", envMap(map[string]string{"MESHES_SANDBOX_DELIVER_TO": list}), io.Discard)
		addCatalogFlags(f, &cfg)
		err := f.Parse(nil)
		if (err != nil) != wantErr || err != nil && !strings.Contains(err.Error(), "--sandbox-deliver-to") {
			t.Errorf("MESHES_SANDBOX_DELIVER_TO=%q: %v (want error: %v)", list, err, wantErr)
		}
	}
}

func TestCallTimeoutFlag(t *testing.T) {
	for value, want := range map[string]time.Duration{"": tools.DefaultCallTimeout, "20s": 20 * time.Second, "0": 0, "-1s": 0, "soon": 0} {
		var cfg Config
		f := NewFlags("test", envMap(map[string]string{"MESHES_MCP_CALL_TIMEOUT": value}), io.Discard)
		addCatalogFlags(f, &cfg)
		err := f.Parse(nil)
		if want == 0 {
			if err == nil || !strings.Contains(err.Error(), "--call-timeout") {
				t.Errorf("MESHES_MCP_CALL_TIMEOUT=%q accepted (%v)", value, err)
			}
		} else if err != nil || cfg.CallTimeout != want {
			t.Errorf("MESHES_MCP_CALL_TIMEOUT=%q: %v, %v; want %v", value, cfg.CallTimeout, err, want)
		}
	}
}

package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"
)

// printContinue ends the demo with the line that registers this server, in
// sandbox mode, with Claude Code. A binary built by `go run` is deleted on
// exit, so in that case it first says how to install a stable one.
func printContinue(ctx context.Context, w io.Writer) {
	fmt.Fprintln(w, "\nContinue by hand: give your own MCP client these tools on a fresh sandbox with the same")
	exe, err := os.Executable()
	if err == nil && !builtByGoRun(exe) {
		fmt.Fprintln(w, "demo data. For Claude Code, paste this line (other clients: see the README):")
		fmt.Fprintf(w, "\n  claude mcp add meshes-sandbox -- %s --sandbox\n", shellQuote(exe))
	} else {
		fmt.Fprintln(w, "demo data. `go run` binaries are temporary, so install one first; then, for Claude Code,")
		fmt.Fprintln(w, "paste these lines (other clients: see the README):")
		fmt.Fprintf(w, "\n  %s\n  claude mcp add meshes-sandbox -- %s --sandbox\n",
			installCommand(), shellQuote(filepath.Join(installDir(ctx), "meshes-mcp")))
	}
	fmt.Fprintln(w, "\nThen ask it: \"Why are deliveries failing in Acme Production?\"")
}

// builtByGoRun recognises the temporary build directory of go run (and of
// go test), $GOTMPDIR or the system temp dir plus go-build….
func builtByGoRun(exe string) bool {
	return strings.Contains(filepath.ToSlash(exe), "/go-build")
}

// installCommand installs from the checkout when run inside it, else from
// the module path.
func installCommand() string {
	mod := "github.com/meshes-mcp/meshes-mcp"
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Path != "" {
		mod = bi.Main.Path
	}
	if data, err := os.ReadFile("go.mod"); err == nil && bytes.HasPrefix(data, []byte("module "+mod+"\n")) {
		return "go install ."
	}
	return "go install " + mod + "@latest"
}

// installDir is where go install puts binaries: GOBIN, else the first
// GOPATH entry's bin. Asking go itself also honours `go env -w` settings.
func installDir(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "env", "GOBIN", "GOPATH").Output()
	if err == nil {
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		if len(lines) == 2 && strings.TrimSpace(lines[0]) != "" {
			return strings.TrimSpace(lines[0])
		}
		if len(lines) >= 1 {
			if gopath := filepath.SplitList(strings.TrimSpace(lines[len(lines)-1])); len(gopath) > 0 && gopath[0] != "" {
				return filepath.Join(gopath[0], "bin")
			}
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, "go", "bin")
	}
	return "$HOME/go/bin"
}

// shellQuote quotes a path for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/hermetic"
)

// checkoutRoot is the module root the tests read the committed files from.
func checkoutRoot(t *testing.T) string {
	t.Helper()
	r, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// testOptions are the options of the test builds: a fixed version, commit
// and date, so that the tests can look for them in the artefacts.
func testOptions(t *testing.T, out string, targets []Target) Options {
	t.Helper()
	root := checkoutRoot(t)
	return Options{Root: root, Out: out, Version: "v1.2.3-test", Commit: "0123456789ab",
		Date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Targets: targets}
}

var hostBuild struct {
	sync.Once
	res  *Result
	opts Options
	err  error
	dir  string
}

// buildHost runs the release build for this platform once per test process
// (a cross-platform-clean build of the whole server takes a while) and
// returns its result; tests must not modify the files.
func buildHost(t *testing.T) (*Result, Options) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the whole server as a release does; skipped under -short")
	}
	hostBuild.Do(func() {
		targets, err := HostTargets()
		if err != nil {
			hostBuild.err = err
			return
		}
		if hostBuild.dir, err = os.MkdirTemp("", "meshes-mcp-release-"); err != nil {
			hostBuild.err = err
			return
		}
		hostBuild.opts = testOptions(t, filepath.Join(hostBuild.dir, "dist"), targets)
		hostBuild.res, hostBuild.err = Build(hostBuild.opts)
	})
	if hostBuild.err != nil {
		t.Skipf("this platform has no release build: %v", hostBuild.err)
	}
	return hostBuild.res, hostBuild.opts
}

func TestMain(m *testing.M) {
	code := hermetic.Run(m)
	if hostBuild.dir != "" {
		os.RemoveAll(hostBuild.dir)
	}
	os.Exit(code)
}

// mcpbTool is the official MCPB command-line tool: $MESHES_MCPB, else the
// copy `npm ci --prefix packaging/mcpb/tool` installs (.ci/run does). CI
// must have it; elsewhere the checks that need it are skipped.
func mcpbTool(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("MESHES_MCPB"); p != "" {
		return p
	}
	root := checkoutRoot(t)
	p := filepath.Join(root, "packaging/mcpb/tool/node_modules/.bin/mcpb")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("the official mcpb tool is missing: run npm ci --prefix packaging/mcpb/tool (as .ci/run does)")
	}
	t.Skip("official mcpb tool not installed; run: npm ci --prefix packaging/mcpb/tool")
	return ""
}

// runMCPB runs the official tool and returns its combined output.
func runMCPB(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(mcpbTool(t), args...)
	cmd.Stdin = nil
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mcpb %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// manifest is the part of an MCPB manifest a host reads to start the server.
type manifest struct {
	ManifestVersion string `json:"manifest_version"`
	Name            string `json:"name"`
	Version         string `json:"version"`
	Server          struct {
		Type       string    `json:"type"`
		EntryPoint string    `json:"entry_point"`
		MCPConfig  mcpConfig `json:"mcp_config"`
	} `json:"server"`
	UserConfig map[string]struct {
		Type      string `json:"type"`
		Title     string `json:"title"`
		Required  bool   `json:"required"`
		Sensitive bool   `json:"sensitive"`
		Default   any    `json:"default"`
	} `json:"user_config"`
	Tools []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"tools"`
	Compatibility struct {
		Platforms []string `json:"platforms"`
	} `json:"compatibility"`
}

type mcpConfig struct {
	Command           string               `json:"command"`
	Args              []string             `json:"args"`
	Env               map[string]string    `json:"env"`
	PlatformOverrides map[string]mcpConfig `json:"platform_overrides"`
}

func readManifest(t *testing.T, path string) manifest {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

var placeholder = regexp.MustCompile(`\$\{([^}]+)\}`)

// launch is what an MCPB host runs for a manifest on platform (a Node.js
// process.platform name), as the MCPB spec describes it: the platform's
// override replaces command and args and adds to env; ${__dirname} is the
// unpacked bundle; ${user_config.KEY} is the user's value, else the key's
// default, else empty. An unknown placeholder is an error, since a host
// would pass it through verbatim.
func launch(m manifest, platform, dir string, values map[string]string) (command string, args []string, env map[string]string, err error) {
	cfg := m.Server.MCPConfig
	command, args, env = cfg.Command, cfg.Args, map[string]string{}
	for k, v := range cfg.Env {
		env[k] = v
	}
	if o, ok := cfg.PlatformOverrides[platform]; ok {
		if o.Command != "" {
			command = o.Command
		}
		if o.Args != nil {
			args = o.Args
		}
		for k, v := range o.Env {
			env[k] = v
		}
	}
	subst := func(s string) string {
		return placeholder.ReplaceAllStringFunc(s, func(p string) string {
			name := placeholder.FindStringSubmatch(p)[1]
			if name == "__dirname" {
				return dir
			}
			key, ok := strings.CutPrefix(name, "user_config.")
			uc, known := m.UserConfig[key]
			if !ok || !known {
				err = fmt.Errorf("manifest uses unknown placeholder %s", p)
				return p
			}
			if v, ok := values[key]; ok {
				return v
			}
			if uc.Default != nil {
				return fmt.Sprint(uc.Default)
			}
			return ""
		})
	}
	command = subst(command)
	resolved := make([]string, len(args))
	for i, a := range args {
		resolved[i] = subst(a)
	}
	for k, v := range env {
		env[k] = subst(v)
	}
	return command, resolved, env, err
}

package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
	"github.com/meshes-mcp/meshes-mcp/sandbox"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// The bundle Claude Desktop would install: unpacked by the official mcpb
// tool, started the way the manifest says for this platform with only the
// environment the manifest maps, it serves MCP over stdio against a
// sandbox, with the user's settings taking effect.
func TestBundleServesMCPOverStdio(t *testing.T) {
	res, _ := buildHost(t)
	dir := filepath.Join(t.TempDir(), "unpacked")
	runMCPB(t, "unpack", res.Bundle, dir)
	m := readManifest(t, filepath.Join(dir, "manifest.json"))
	platform := mcpbPlatform(runtime.GOOS)
	if !slices.Contains(m.Compatibility.Platforms, platform) {
		t.Fatalf("bundle built here claims platforms %v, not %s", m.Compatibility.Platforms, platform)
	}

	sb, err := sandbox.Start(sandbox.Options{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	workspaces := sb.Server.Workspaces()
	if len(workspaces) < 2 {
		t.Fatalf("seeded sandbox has %d workspaces; the allowlist check needs two", len(workspaces))
	}
	account := map[string]string{
		"access_key": sb.Credentials.AccessKey,
		"secret_key": sb.Credentials.SecretKey,
		"org_id":     sb.Credentials.OrgID,
		"api_url":    sb.URL + "/api/v1",
	}
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var all, readOnly []string
	for _, tool := range cat.All() {
		all = append(all, tool.Name)
		if tool.ReadOnly {
			readOnly = append(readOnly, tool.Name)
		}
	}

	t.Run("defaults", func(t *testing.T) {
		c := startBundle(t, m, platform, dir, account)
		if got := testbin.ToolNames(t, c); !sameSet(got, all) {
			t.Errorf("tools/list = %v, want the whole catalog %v", got, all)
		}
		if got := workspaceIDs(t, c); len(got) != len(workspaces) {
			t.Errorf("list_workspaces returned %d workspaces, want all %d", len(got), len(workspaces))
		}
	})

	t.Run("read-only and one workspace", func(t *testing.T) {
		values := map[string]string{"read_only": "true", "workspaces": workspaces[0].ID}
		for k, v := range account {
			values[k] = v
		}
		c := startBundle(t, m, platform, dir, values)
		got := testbin.ToolNames(t, c)
		if !sameSet(got, readOnly) {
			t.Errorf("read_only=true: tools/list = %v, want only the read tools %v", got, readOnly)
		}
		if ids := workspaceIDs(t, c); len(ids) != 1 || ids[0] != workspaces[0].ID {
			t.Errorf("workspaces=%s: list_workspaces returned %v", workspaces[0].ID, ids)
		}
	})
}

// startBundle launches the bundle's server as an MCPB host would, with the
// manifest's environment and nothing of the test's own but PATH (the Linux
// launcher runs uname) and a HOME without a credentials file, and completes
// the MCP handshake.
func startBundle(t *testing.T, m manifest, platform, dir string, values map[string]string) *client.Client {
	t.Helper()
	command, args, env, err := launch(m, platform, dir, values)
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	environ := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "XDG_CONFIG_HOME=" + home, "APPDATA=" + home}
	for k, v := range env {
		environ = append(environ, k+"="+v)
	}
	tr := transport.NewStdioWithOptions(command, environ, args,
		transport.WithCommandFunc(func(_ context.Context, command string, env, args []string) (*exec.Cmd, error) {
			cmd := exec.Command(command, args...)
			cmd.Env = env
			return cmd, nil
		}))
	c := client.NewClient(tr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Start(ctx); err != nil {
		t.Fatalf("starting %s %v: %v", command, args, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "mcpb-host-test", Version: "1"}
	res, err := c.Initialize(ctx, init)
	if err != nil {
		stderr, _ := client.GetStderr(c)
		var msg []byte
		if stderr != nil {
			msg, _ = io.ReadAll(io.LimitReader(stderr, 4096))
		}
		t.Fatalf("initialize: %v\nserver stderr: %s", err, msg)
	}
	if res.ServerInfo.Version != "v1.2.3-test" {
		t.Errorf("serverInfo.version = %q, want the release version v1.2.3-test", res.ServerInfo.Version)
	}
	return c
}

// workspaceIDs calls list_workspaces, which reaches the sandbox with the
// credentials the manifest passed.
func workspaceIDs(t *testing.T, c *client.Client) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = "list_workspaces"
	req.Params.Arguments = map[string]any{}
	res, err := c.CallTool(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(res.StructuredContent)
	if res.IsError {
		t.Fatalf("list_workspaces failed: %v %s", res.Content, raw)
	}
	var out struct {
		Workspaces []struct {
			ID string `json:"id"`
		} `json:"workspaces"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("list_workspaces result %s: %v", raw, err)
	}
	var ids []string
	for _, w := range out.Workspaces {
		ids = append(ids, w.ID)
	}
	return ids
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// The manifest the bundle carries passes the official validator, and the
// official packer, given the unpacked bundle, produces the same files with
// the same modes as the reproducible zip.
func TestBundleMatchesOfficialPack(t *testing.T) {
	res, _ := buildHost(t)
	runMCPB(t, "validate", filepath.Join(res.BundleDir, "manifest.json"))
	official := filepath.Join(t.TempDir(), "official.mcpb")
	runMCPB(t, "pack", res.BundleDir, official)
	ours, theirs := zipContents(t, res.Bundle), zipContents(t, official)
	for name, f := range theirs {
		o, ok := ours[name]
		switch {
		case !ok:
			t.Errorf("mcpb pack includes %s, the release bundle does not", name)
		case !bytes.Equal(o.data, f.data):
			t.Errorf("%s differs between mcpb pack and the release bundle", name)
		case o.mode.Perm() != f.mode.Perm():
			t.Errorf("%s: mode %v in the release bundle, %v from mcpb pack", name, o.mode.Perm(), f.mode.Perm())
		}
	}
	for name := range ours {
		if _, ok := theirs[name]; !ok {
			t.Errorf("the release bundle has %s, which mcpb pack leaves out", name)
		}
	}
	runMCPB(t, "info", res.Bundle) // reads the zip as Claude Desktop's installer does
}

type zipFile struct {
	mode os.FileMode
	data []byte
}

func zipContents(t *testing.T, path string) map[string]zipFile {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := map[string]zipFile{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = zipFile{mode: f.Mode(), data: data}
	}
	return files
}

package e2e

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/schemas"
)

func run(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func TestMissingCredentialsExplainsWhatToSet(t *testing.T) {
	home := t.TempDir()
	stdout, stderr, code := run(t, []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home, "PATH=/usr/bin:/bin"})
	if code == 0 {
		t.Fatal("started without credentials")
	}
	if stdout != "" {
		t.Errorf("stdout must stay clean for JSON-RPC, got %q", stdout)
	}
	for _, want := range []string{"MESHES_ACCESS_KEY", "MESHES_SECRET_KEY", "MESHES_ORG_ID", "credentials.json", "chmod 600", "--sandbox"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not mention %s:\n%s", want, stderr)
		}
	}
}

func TestMalformedCredentialIsNamedNotEchoed(t *testing.T) {
	home := t.TempDir()
	const secret = "short-secret-value"
	_, stderr, code := run(t, []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home,
		"MESHES_ACCESS_KEY=mk_abcdefghijklmnopqrstuvwx", "MESHES_SECRET_KEY=" + secret, "MESHES_ORG_ID=123e4567-e89b-42d3-a456-426614174000"})
	if code == 0 || !strings.Contains(stderr, "MESHES_SECRET_KEY") || strings.Contains(stderr, secret) {
		t.Errorf("exit %d, stderr %q: want the variable named and the value withheld", code, stderr)
	}
}

func TestBadFlagsAreReported(t *testing.T) {
	home := t.TempDir()
	for _, args := range [][]string{{"--toolsets", "events,webhooks"}, {"--workspaces", "acme"}, {"--transport", "carrier-pigeon"}, {"frobnicate"}} {
		stdout, stderr, code := run(t, []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home}, args...)
		if code == 0 || stdout != "" || stderr == "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	_, stderr, _ := run(t, []string{"HOME=" + home, "MESHES_READ_ONLY=perhaps"})
	if !strings.Contains(stderr, "MESHES_READ_ONLY must be true or false") {
		t.Errorf("bad env twin not reported: %q", stderr)
	}
}

func TestVersion(t *testing.T) {
	stdout, _, code := run(t, nil, "--version")
	if code != 0 || !strings.HasPrefix(stdout, "meshes-mcp ") || !strings.Contains(stdout, "commit ") {
		t.Errorf("--version = %q (exit %d)", stdout, code)
	}
}

// --sandbox needs no account: the binary starts its own seeded sandbox and
// the real client path (HTTP, JWT) runs against it.
func TestSandboxFlagServesSeededData(t *testing.T) {
	home := t.TempDir()
	c := connect(t, []string{"HOME=" + home, "XDG_CONFIG_HOME=" + home, "MESHES_ACCESS_KEY=", "MESHES_SECRET_KEY=", "MESHES_ORG_ID=", "MESHES_LOG_LEVEL=warn"}, "--sandbox")
	var ws schemas.ListWorkspacesOutput
	ok(t, c, "list_workspaces", nil, &ws)
	if ws.Count != 2 {
		t.Errorf("sandbox workspaces = %+v", ws)
	}
}

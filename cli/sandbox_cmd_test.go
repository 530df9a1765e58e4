package cli

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// `meshes-mcp sandbox` prints export lines that configure a client, serves
// until its context ends, and then exits 0.
func TestSandboxSubcommandServesUntilInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	outR, outW := io.Pipe()
	done := make(chan int, 1)
	env := &Env{Stdout: outW, Stderr: io.Discard, Getenv: envMap(nil)}
	go func() {
		done <- runSandbox(ctx, []string{"--addr", "127.0.0.1:0", "--seed"}, env)
		outW.Close()
	}()

	exports := map[string]string{}
	lines := bufio.NewScanner(outR)
	for lines.Scan() {
		if k, v, ok := strings.Cut(strings.TrimPrefix(lines.Text(), "export "), "="); ok && strings.HasPrefix(lines.Text(), "export ") {
			exports[k] = v
		}
		if strings.HasPrefix(lines.Text(), "Serving until interrupted") {
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, outR) }()

	client, err := meshesapi.New(meshesapi.Config{
		AccessKey: exports[meshesapi.EnvAccessKey], SecretKey: exports[meshesapi.EnvSecretKey],
		OrgID: exports[meshesapi.EnvOrgID], APIURL: exports[meshesapi.EnvAPIURL],
	})
	if err != nil {
		t.Fatalf("the printed exports do not configure a client: %v", err)
	}
	list, err := client.ListWorkspaces(ctx, meshesapi.Page{})
	if err != nil {
		t.Fatalf("listing workspaces on the sandbox: %v", err)
	}
	if len(list.Records) != 2 {
		t.Errorf("--seed: %d workspaces, want the 2 of the demo organisation", len(list.Records))
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit %d after interrupt", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not stop after its context ended")
	}
}

func TestSandboxSubcommandRejectsBadFlags(t *testing.T) {
	cases := []struct {
		args    []string
		code    int
		mention string
	}{
		{[]string{"--addr", "nowhere"}, 1, "invalid address"},
		{[]string{"--seed=maybe"}, 2, "-seed"},
		{[]string{"extra"}, 2, "unexpected argument"},
		{[]string{"--sandbox-deliver-to", "http://127.0.0.1:8080/hook"}, 2, "is not host:port"},
	}
	for _, c := range cases {
		_, stderr, code := runMain(t, nil, nil, append([]string{"sandbox"}, c.args...)...)
		if code != c.code || !strings.Contains(stderr, c.mention) {
			t.Errorf("sandbox %v: exit %d, stderr %q", c.args, code, stderr)
		}
	}
}

package cli

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// Operator settings that cannot work are refused before anything starts,
// naming the flag and the fix.
func TestOperatorFlagsRefusedUpFront(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		args    []string
		mention string
	}{
		{"issuer without public URL", nil, []string{"--transport", "http", "--oauth-issuer", "https://id.example.com"}, "--public-url go together"},
		{"public URL without path", map[string]string{"MESHES_MCP_OAUTH_ISSUER": "https://id.example.com", "MESHES_MCP_PUBLIC_URL": "https://mcp.example.com"}, []string{"--transport", "http"}, "https://mcp.example.com/mcp"},
		{"plain-http issuer off loopback", nil, []string{"--transport", "http", "--oauth-issuer", "http://id.example.com", "--public-url", "https://mcp.example.com/mcp"}, "must use https"},
		{"negative rate", nil, []string{"--transport", "http", "--rate-limit", "-1"}, "--rate-limit"},
		{"log format", nil, []string{"--transport", "http", "--log-format", "xml"}, "--log-format must be text or json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, stderr, code := runMain(t, strings.NewReader(""), tc.env, tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.mention) {
				t.Fatalf("exit %d, stderr %q; want 2 mentioning %q", code, stderr, tc.mention)
			}
		})
	}
}

// OAuth satisfies the rule that a server reachable from the network must
// authenticate: no static token is then needed.
func TestOAuthCountsAsAuthenticationForExposure(t *testing.T) {
	_, stderr, code := runMain(t, strings.NewReader(""), nil, "--transport", "http", "--addr", "0.0.0.0:0",
		"--oauth-issuer", "https://id.example.invalid", "--public-url", "https://mcp.example.com/mcp", "--sandbox")
	if strings.Contains(stderr, "without an auth token") {
		t.Fatalf("OAuth-protected exposure refused as unauthenticated: %q", stderr)
	}
	if code == 0 || !strings.Contains(stderr, "discovery") {
		t.Fatalf("exit %d, stderr %q; want a failure naming the unreachable issuer's discovery", code, stderr)
	}
}

// JSON logs carry the request id of the record's context, once.
func TestJSONLogsCarryTheRequestID(t *testing.T) {
	var stderr strings.Builder
	env := &Env{Stderr: &stderr}
	env.logAs(slog.LevelInfo, "json")
	ctx := meshesapi.WithRequestID(context.Background(), "req-7")
	env.Logger.With("component", "tools").InfoContext(ctx, "tool call")
	env.Logger.InfoContext(ctx, "http request", "request_id", "req-7")
	env.Logger.Info("no request")
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("log lines %q", lines)
	}
	for i, want := range []int{1, 1, 0} {
		var rec map[string]any
		if err := json.Unmarshal([]byte(lines[i]), &rec); err != nil {
			t.Fatalf("line %d is not JSON: %s", i, lines[i])
		}
		if got := strings.Count(lines[i], `"request_id"`); got != want {
			t.Errorf("line %d has request_id %d times, want %d: %s", i, got, want, lines[i])
		}
	}
}

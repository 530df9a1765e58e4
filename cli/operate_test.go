package cli

import (
	"strings"
	"testing"
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

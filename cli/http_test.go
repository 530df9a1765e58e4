package cli

import (
	"strings"
	"testing"
)

// Unsafe or malformed HTTP settings are refused before anything starts,
// with a message naming the flag; the same settings are ignored by stdio.
func TestHTTPFlagsRefusedUpFront(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		args    []string
		mention string
	}{
		{"non-loopback without token", nil, []string{"--transport", "http", "--addr", "0.0.0.0:8808"}, "without an auth token"},
		{"non-loopback without token via env", map[string]string{"MESHES_MCP_TRANSPORT": "sse", "MESHES_MCP_ADDR": "0.0.0.0:8808"}, nil, "without an auth token"},
		{"all interfaces without token", nil, []string{"--transport", "http", "--addr", ":8808"}, "without an auth token"},
		{"shutdown timeout negative", nil, []string{"--transport", "http", "--shutdown-timeout", "-1s"}, "--shutdown-timeout"},
		{"cert without key", nil, []string{"--transport", "http", "--tls-cert", "c.pem"}, "both a certificate file and a key file"},
		{"origin with a path", nil, []string{"--transport", "sse", "--allowed-origins", "https://app.example.com/ui"}, "allowed origin"},
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

func TestHTTPExposureRulesDoNotApplyToStdio(t *testing.T) {
	_, stderr, code := runMain(t, strings.NewReader(""), nil, "--transport", "stdio", "--addr", "0.0.0.0:8808")
	if code == 2 || strings.Contains(stderr, "non-loopback") {
		t.Fatalf("stdio refused over an HTTP-only setting: exit %d, %q", code, stderr)
	}
}

// A token given through the environment is used but never printed, not
// even as a flag default in -h.
func TestAuthTokenNeverPrinted(t *testing.T) {
	const token = "tok-3c1f9e7a"
	stdout, stderr, code := runMain(t, strings.NewReader(""), map[string]string{"MESHES_MCP_TOKEN": token}, "-h")
	if code != 0 || !strings.Contains(stderr, "-auth-token") || !strings.Contains(stderr, "MESHES_MCP_TOKEN") {
		t.Fatalf("-h: exit %d, stderr %q", code, stderr)
	}
	if strings.Contains(stdout+stderr, token) {
		t.Fatal("-h printed the auth token")
	}
	// With the token from the environment a public bind passes validation
	// (and then stops at the missing Meshes credentials).
	_, stderr, code = runMain(t, strings.NewReader(""), map[string]string{"MESHES_MCP_TOKEN": token}, "--transport", "http", "--addr", "0.0.0.0:0")
	if code == 2 || strings.Contains(stderr, "without an auth token") || strings.Contains(stderr, token) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

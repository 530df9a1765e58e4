package httpserver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
)

var clientKinds = []struct {
	kind      clientKind
	transport Transport
}{
	{streamableModern, TransportHTTP},
	{streamableLegacy, TransportHTTP},
	{legacySSE, TransportSSE},
}

// Every client kind lists and calls tools on its transport, with and without
// a token, and the streamable server stays stateless: it never hands out a
// session ID.
func TestTransportsServeTools(t *testing.T) {
	for _, tc := range clientKinds {
		for _, token := range []string{"", "s3cret-token"} {
			t.Run(string(tc.kind)+"/token="+token, func(t *testing.T) {
				r := serve(t, newStandIn().mcp, Config{Transport: tc.transport, AuthToken: token})
				headers := map[string]string{}
				if token != "" {
					headers["Authorization"] = "Bearer " + token
				}
				c := mustConnect(t, tc.kind, r.base, headers)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				tools, err := c.ListTools(ctx, mcp.ListToolsRequest{})
				if err != nil {
					t.Fatalf("tools/list: %v", err)
				}
				if len(tools.Tools) != 2 {
					t.Fatalf("tools/list returned %d tools, want 2", len(tools.Tools))
				}
				for i := range 3 {
					want := "hello " + string(rune('a'+i))
					if got := callText(t, c, "echo", map[string]any{"text": want}); got != want {
						t.Fatalf("echo returned %q, want %q", got, want)
					}
				}
			})
		}
	}
}

func TestStreamableInitializeMintsNoSession(t *testing.T) {
	r := serve(t, newStandIn().mcp, Config{Transport: TransportHTTP})
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}`
	status, h, resp := rawRequest(t, http.MethodPost, r.base+"/mcp", map[string]string{
		"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
	}, strings.NewReader(body))
	if status != http.StatusOK {
		t.Fatalf("initialize: status %d: %s", status, resp)
	}
	if sid := h.Get("Mcp-Session-Id"); sid != "" {
		t.Fatalf("stateless server minted session %q; replicas could not share clients", sid)
	}
	// A later call without any session ID is served (by any replica).
	call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}`
	status, _, resp = rawRequest(t, http.MethodPost, r.base+"/mcp", map[string]string{
		"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
		"Mcp-Protocol-Version": "2025-06-18",
	}, strings.NewReader(call))
	if status != http.StatusOK || !strings.Contains(resp, `"text":"x"`) {
		t.Fatalf("sessionless tools/call: status %d: %s", status, resp)
	}
	// No standalone GET stream: nothing could be routed to it statelessly.
	if status, _, _ := rawRequest(t, http.MethodGet, r.base+"/mcp", map[string]string{"Accept": "text/event-stream"}, nil); status != http.StatusMethodNotAllowed {
		t.Fatalf("GET /mcp: status %d, want 405", status)
	}
}

func TestHealthz(t *testing.T) {
	for _, tr := range []Transport{TransportHTTP, TransportSSE} {
		t.Run(string(tr), func(t *testing.T) {
			r := serve(t, newStandIn().mcp, Config{Transport: tr, AuthToken: "tok"})
			status, _, body := rawRequest(t, http.MethodGet, r.base+"/healthz", nil, nil)
			if status != http.StatusOK || body != "{\"status\":\"ok\"}\n" {
				t.Fatalf("GET /healthz without token: %d %q; probes carry no token and must pass", status, body)
			}
			if status, _, _ := rawRequest(t, http.MethodPost, r.base+"/healthz", nil, nil); status != http.StatusMethodNotAllowed {
				t.Fatalf("POST /healthz: %d, want 405", status)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	cert, key, pool := selfSignedCert(t)
	r := serve(t, newStandIn().mcp, Config{Transport: TransportHTTP, TLSCertFile: cert, TLSKeyFile: key})
	if r.base[:8] != "https://" {
		t.Fatalf("base %q is not https", r.base)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	c, err := connect(t, streamableModern, r.base, nil, hc)
	if err != nil {
		t.Fatalf("connect over TLS: %v", err)
	}
	if got := callText(t, c, "echo", map[string]any{"text": "over tls"}); got != "over tls" {
		t.Fatalf("echo over TLS returned %q", got)
	}
	plain := "http" + r.base[5:]
	resp, err := http.Get(plain + "/healthz")
	if err == nil {
		defer resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP to the TLS port succeeded")
		}
	}
}

func TestNewRejectsUnsafeOrInvalidConfig(t *testing.T) {
	cases := []struct {
		name string
		cfg  Config
	}{
		{"all interfaces without token", Config{Addr: ":8808"}},
		{"wildcard IPv4 without token", Config{Addr: "0.0.0.0:8808"}},
		{"public IPv6 without token", Config{Addr: "[2001:db8::1]:8808"}},
		{"hostname without token", Config{Addr: "mcp.example.com:8808"}},
		{"missing port", Config{Addr: "127.0.0.1"}},
		{"unknown transport", Config{Transport: "stdio"}},
		{"cert without key", Config{TLSCertFile: "c.pem"}},
		{"key without cert", Config{TLSKeyFile: "k.pem"}},
		{"unreadable cert", Config{TLSCertFile: "/nonexistent/c.pem", TLSKeyFile: "/nonexistent/k.pem"}},
		{"origin with path", Config{AllowedOrigins: []string{"https://app.example.com/x"}}},
		{"origin without scheme", Config{AllowedOrigins: []string{"app.example.com"}}},
		{"null origin", Config{AllowedOrigins: []string{"null"}}},
		{"negative body limit", Config{MaxBodyBytes: -1}},
		{"token with whitespace", Config{AuthToken: " tok"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(newStandIn().mcp, tc.cfg); err == nil {
				t.Fatalf("New(%+v) accepted an unsafe or invalid config", tc.cfg)
			}
		})
	}
	ok := []Config{
		{},
		{Addr: "localhost:0"},
		{Addr: "[::1]:0"},
		{Addr: "0.0.0.0:0", AuthToken: "tok"},
		{AllowedOrigins: []string{"https://App.Example.com", "*"}},
	}
	for _, cfg := range ok {
		if _, err := New(newStandIn().mcp, cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}

// selfSignedCert writes a certificate for 127.0.0.1 and its key to a temp
// dir and returns their paths and a pool trusting it.
func selfSignedCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "meshes-mcp test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(parsed)
	return certFile, keyFile, pool
}

package stress

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/sandbox"
)

// token returns a credential-shaped random value, unique to this run.
func token(prefix string, n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	// At least one digit, so it has the shape of a generated credential.
	return prefix + string(b) + "7"
}

// Bearer tokens the server must never print: machine JWTs and embed
// session access tokens are JWTs; launch tokens are lt_….
var (
	jwtPattern    = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`)
	launchPattern = regexp.MustCompile(`lt_[A-Za-z0-9_-]{16,}`)
)

// TestSecretsNeverLeakInAFullSession runs a whole session against the real
// binary at debug log level with a unique machine secret and connections
// whose metadata carries credentials (bearer, basic, API keys, signing
// secret, custom header, URL password and query token), a destination that
// quotes the credentials it received back in its error, and embed sessions.
// No stdout line (results included) and no stderr line (every log record)
// may contain any of those credentials, a JWT or a launch token.
func TestSecretsNeverLeakInAFullSession(t *testing.T) {
	creds := sandbox.GenerateCredentials()
	s := teststack.Start(t, teststack.Options{Credentials: creds})
	secrets := map[string]string{
		"machine secret key": creds.SecretKey,
		"bearer token":       token("tok_", 32),
		"basic password":     token("pw", 28),
		"signing secret":     token("whsec_", 32),
		"custom header":      token("hdr", 32),
		"sendgrid api key":   token("SG.", 40),
		"mailchimp api key":  token("", 32) + "-us21",
		"url password":       token("up", 24),
		"url query token":    token("qt", 30),
		// Credentials without the shape of a generated key: only the
		// memory of handled values can recognise them in free text.
		"passphrase":        "Swordfish Platypus Lantern " + words(" "),
		"hook url password": "harbour-" + words("-"),
		"hook url api_key":  "quay-" + words("-"),
		"hook url token":    "pier-" + words("-"),
		"hook url fragment": "jetty-" + words("-"),
	}
	// A destination that rejects every delivery and quotes the credentials
	// it was sent, and the address it was called at, as badly written
	// endpoints do.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		called := *r.URL
		called.Scheme, called.Host = "http", r.Host
		if user, pass, ok := r.BasicAuth(); ok {
			called.User = url.UserPassword(user, pass)
		}
		fmt.Fprintf(w, "rejected: X-Api-Key: %s; at %s; Authorization: %s", r.Header.Get("X-Api-Key"), called.String(), r.Header.Get("Authorization"))
	}))
	t.Cleanup(echo.Close)

	p := start(t, binary(t), childEnv(t, s, "MESHES_LOG_LEVEL=debug"))
	p.initialize()
	ok := func(tool string, args map[string]any) json.RawMessage {
		t.Helper()
		r := p.callTool(tool, args)
		if r.IsError {
			t.Fatalf("%s: %s", tool, r.text())
		}
		return r.StructuredContent
	}
	id := func(raw json.RawMessage, key string) string {
		var m map[string]any
		_ = json.Unmarshal(raw, &m)
		v, _ := m[key].(string)
		if v == "" {
			t.Fatalf("no %s in %s", key, raw)
		}
		return v
	}
	ws := s.IDs.Workspace
	bearer := map[string]any{"url": echo.URL + "/hook", "auth_scheme": "bearer", "auth_token": secrets["bearer token"],
		"signing_secret": secrets["signing secret"], "headers": map[string]any{"X-Api-Key": secrets["custom header"]}}
	hook := id(ok("create_connection", map[string]any{"workspace_id": ws, "type": "webhook", "name": unique("Secret Hook"), "metadata": bearer}), "id")
	basic := id(ok("create_connection", map[string]any{"workspace_id": ws, "type": "webhook", "name": unique("Basic Hook"),
		"metadata": map[string]any{"url": "http://127.0.0.1:9/basic?token=" + secrets["url query token"], "auth_scheme": "basic",
			"auth_username": "ops", "auth_password": secrets["basic password"]}}), "id")
	hookURL, _ := url.Parse(echo.URL + "/hook2")
	hookURL.User = url.UserPassword("ops", secrets["hook url password"])
	hookURL.RawQuery = url.Values{"api_key": {secrets["hook url api_key"]}, "token": {secrets["hook url token"]}}.Encode()
	hookURL.Fragment = "access_token=" + secrets["hook url fragment"]
	phrase := id(ok("create_connection", map[string]any{"workspace_id": ws, "type": "webhook", "name": unique("Phrase Hook"),
		"metadata": map[string]any{"url": hookURL.String(), "auth_scheme": "header", "auth_header_name": "X-Api-Key",
			"auth_header_value": secrets["passphrase"]}}), "id")
	sendgrid := id(ok("create_connection", map[string]any{"workspace_id": ws, "type": "sendgrid", "name": unique("Mail"),
		"metadata": map[string]any{"api_key": secrets["sendgrid api key"]}}), "id")
	mailchimp := id(ok("create_connection", map[string]any{"workspace_id": ws, "type": "mailchimp", "name": unique("Chimp"),
		"metadata": map[string]any{"api_key": secrets["mailchimp api key"], "data_center": "us21"}}), "id")
	for _, c := range []string{hook, basic, phrase, sendgrid, mailchimp} {
		ok("get_connection", map[string]any{"connection_id": c})
		ok("list_connection_actions", map[string]any{"connection_id": c})
		ok("get_connection_fields", map[string]any{"connection_id": c, "refresh": true})
		ok("get_connection_mapping", map[string]any{"connection_id": c})
	}
	ok("list_connections", map[string]any{})
	ok("list_connections", map[string]any{"workspace_id": ws})
	ok("update_connection", map[string]any{"connection_id": hook, "name": unique("Secret Hook"), "metadata": bearer})
	// Echoing a read back whole is refused (a placeholder inside the URL
	// cannot stand for the URL's token) without quoting the metadata; the
	// whole-value placeholder for auth_password keeps the stored password.
	var read struct{ Metadata map[string]any }
	_ = json.Unmarshal(ok("get_connection", map[string]any{"connection_id": basic}), &read)
	if r := p.callTool("update_connection", map[string]any{"connection_id": basic, "name": "Basic", "metadata": read.Metadata}); !r.IsError || !strings.Contains(r.text(), "metadata.url") {
		t.Errorf("update_connection with a placeholder inside the URL was not refused naming it: %s", r.text())
	}
	read.Metadata["url"] = "http://ops:" + secrets["url password"] + "@127.0.0.1:9/x"
	if kept := string(ok("update_connection", map[string]any{"connection_id": basic, "name": "Basic", "metadata": read.Metadata})); !strings.Contains(kept, `"kept_secrets":["auth_password","auth_username"]`) {
		t.Errorf("the placeholder did not keep the stored password: %s", kept)
	}
	rule := id(ok("create_rule", map[string]any{"workspace_id": ws, "connection_id": hook, "event": "secret.test", "action": "send_webhook"}), "id")
	event := id(ok("send_event", map[string]any{"workspace_id": ws, "event": "secret.test", "payload": map[string]any{"email": "s@example.com"}}), "event_id")
	waitIdle(t, s)
	// The destination's quote of the credentials is in Meshes' record, so
	// the results below do carry it unless the server redacts it.
	if e, err := s.Client.GetEvent(context.Background(), event); err != nil || len(e.RuleEvents) == 0 ||
		!strings.Contains(e.RuleEvents[0].LastError, secrets["bearer token"]) {
		t.Fatalf("the delivery's last_error does not quote the bearer token; the test exercises nothing: %+v %v", e, err)
	}
	phraseRule := id(ok("create_rule", map[string]any{"workspace_id": ws, "connection_id": phrase, "event": "phrase.test", "action": "send_webhook"}), "id")
	phraseEvent := id(ok("send_event", map[string]any{"workspace_id": ws, "event": "phrase.test", "payload": map[string]any{"email": "p@example.com"}}), "event_id")
	waitIdle(t, s)
	if e, err := s.Client.GetEvent(context.Background(), phraseEvent); err != nil || len(e.RuleEvents) == 0 ||
		!strings.Contains(e.RuleEvents[0].LastError, secrets["passphrase"]) || !strings.Contains(e.RuleEvents[0].LastError, secrets["hook url api_key"]) {
		t.Fatalf("the delivery's last_error does not quote the passphrase and the URL's key; the test exercises nothing: %+v %v", e, err)
	}
	for _, ev := range []struct{ event, rule string }{{event, rule}, {phraseEvent, phraseRule}} {
		ok("get_event", map[string]any{"event_id": ev.event, "include_payload": true})
		ok("diagnose_event", map[string]any{"event_id": ev.event})
		ok("retry_delivery", map[string]any{"event_id": ev.event, "rule_id": ev.rule})
	}
	ok("list_deliveries", map[string]any{"workspace_id": ws})
	waitIdle(t, s)
	ok("diagnose_event", map[string]any{"event_id": event})
	ok("diagnose_event", map[string]any{"event_id": phraseEvent})
	ok("list_events", map[string]any{"workspace_id": ws})
	ok("send_events", map[string]any{"events": bulkEvents(ws, 3)})
	session := id(ok("create_session", map[string]any{"workspace_id": ws, "external_user_id": "u_1"}), "session_id")
	ok("list_sessions", map[string]any{"workspace_id": ws})
	ok("refresh_session", map[string]any{"session_id": session})
	ok("revoke_session", map[string]any{"session_id": session})
	ok("delete_connection", map[string]any{"connection_id": hook, "force_delete": true})
	if code := p.close(); code != 0 {
		t.Errorf("exit code %d", code)
	}

	p.mu.Lock()
	stdout := strings.Join(p.stdout, "\n")
	p.mu.Unlock()
	stderr := p.stderr.String()
	if !strings.Contains(stderr, "level=DEBUG") {
		t.Errorf("no debug records on stderr; the test would not see what logs could leak")
	}
	for stream, text := range map[string]string{"stdout": stdout, "stderr": stderr} {
		for name, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("the %s appears on %s: %s", name, stream, around(text, secret))
			}
		}
		for _, re := range []*regexp.Regexp{jwtPattern, launchPattern} {
			if m := re.FindString(text); m != "" {
				t.Errorf("a bearer token (%.12s…) appears on %s: %s", m, stream, around(text, m))
			}
		}
	}
}

// words returns two plain lower-case words unique to this run, joined by
// sep: a credential with no digit and no token shape.
func words(sep string) string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b[:6]) + sep + string(b[6:])
}

func waitIdle(t *testing.T, s *teststack.Stack) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Sandbox.Server.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
}

// around shows where a leak is, without printing a huge stream.
func around(text, s string) string {
	i := strings.Index(text, s)
	lo, hi := max(0, i-120), min(len(text), i+len(s)+40)
	return text[lo:hi]
}

// TestStartupErrorsNeverEchoCredentials starts the binary with malformed
// credentials in every place they can come from; it must exit non-zero,
// name what to fix, and never print the values.
func TestStartupErrorsNeverEchoCredentials(t *testing.T) {
	good := sandbox.GenerateCredentials()
	mark := token("LEAK", 20)
	dir := t.TempDir()
	file := func(name, content string, perm os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, perm); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := func(kv ...string) []string {
		base := map[string]string{
			"MESHES_ACCESS_KEY": good.AccessKey, "MESHES_SECRET_KEY": good.SecretKey, "MESHES_ORG_ID": good.OrgID,
			"MESHES_ORGANIZATION_ID": "", "MESHES_API_URL": "http://127.0.0.1:9", "MESHES_EVENTS_URL": "",
			"MESHES_PUBLISHABLE_KEY": "", "MESHES_CREDENTIALS_FILE": "", "MESHES_SANDBOX": "", "MESHES_MCP_TRANSPORT": "",
			"HOME": dir, "XDG_CONFIG_HOME": dir, "PATH": os.Getenv("PATH"),
		}
		for i := 0; i+1 < len(kv); i += 2 {
			base[kv[i]] = kv[i+1]
		}
		var out []string
		for k, v := range base {
			out = append(out, k+"="+v)
		}
		return out
	}
	fileCreds := func(secret string) string {
		b, _ := json.Marshal(map[string]string{"access_key": good.AccessKey, "secret_key": secret, "org_id": good.OrgID})
		return string(b)
	}
	tests := []struct {
		name, names string // names: what the error must mention
		env         []string
	}{
		{"secret too short", "MESHES_SECRET_KEY", env("MESHES_SECRET_KEY", mark)},
		{"secret with a bad character", "MESHES_SECRET_KEY", env("MESHES_SECRET_KEY", mark+strings.Repeat("x", 30)+"!")},
		{"secret quoted", "MESHES_SECRET_KEY", env("MESHES_SECRET_KEY", `"`+mark+strings.Repeat("x", 30)+`"`)},
		{"secret with a newline", "MESHES_SECRET_KEY", env("MESHES_SECRET_KEY", mark+strings.Repeat("x", 30)+"\nmore")},
		{"access key malformed", "MESHES_ACCESS_KEY", env("MESHES_ACCESS_KEY", "ak_"+mark)},
		{"org id malformed", "MESHES_ORG_ID", env("MESHES_ORG_ID", "org-"+mark)},
		{"org alias malformed", "MESHES_ORG", env("MESHES_ORG_ID", "", "MESHES_ORGANIZATION_ID", mark)},
		{"publishable key with a space", "MESHES_PUBLISHABLE_KEY", env("MESHES_PUBLISHABLE_KEY", "mesh_pub "+mark)},
		{"api url with a password", "MESHES_API_URL", env("MESHES_API_URL", "https://ops:"+mark+"@api.example.com")},
		{"api url with a token query", "MESHES_API_URL", env("MESHES_API_URL", "https://api.example.com/?token="+mark)},
		{"events url with a password", "MESHES_EVENTS_URL", env("MESHES_EVENTS_URL", "https://ops:"+mark+"@events.example.com")},
		{"credentials file readable by others", "chmod 600",
			env("MESHES_SECRET_KEY", "", "MESHES_CREDENTIALS_FILE", file("open.json", fileCreds(mark+strings.Repeat("x", 40)), 0o644))},
		{"credentials file not JSON", "MESHES_CREDENTIALS_FILE",
			env("MESHES_SECRET_KEY", "", "MESHES_CREDENTIALS_FILE", file("broken.json", `{"secret_key": "`+mark+`", `, 0o600))},
		{"credentials file with a malformed secret", "secret",
			env("MESHES_SECRET_KEY", "", "MESHES_CREDENTIALS_FILE", file("short.json", fileCreds(mark), 0o600))},
		{"credentials file with a wrong type", "MESHES_CREDENTIALS_FILE",
			env("MESHES_SECRET_KEY", "", "MESHES_CREDENTIALS_FILE", file("typed.json", `{"secret_key": ["`+mark+`"]}`, 0o600))},
	}
	bin := binary(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin)
			cmd.Env = tc.env
			cmd.Stdin = strings.NewReader("")
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("started with %s; output: %s", tc.name, out)
			}
			if ctx.Err() != nil {
				t.Fatalf("did not exit: %s", out)
			}
			if strings.Contains(string(out), mark) || strings.Contains(string(out), mark[:12]) {
				t.Errorf("the credential is echoed: %s", out)
			}
			if !strings.Contains(strings.ToLower(string(out)), strings.ToLower(tc.names)) {
				t.Errorf("the error does not name %s: %s", tc.names, out)
			}
		})
	}
}

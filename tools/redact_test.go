package tools

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestRedactMetadata(t *testing.T) {
	secret := "s3cr3tV4lue-9f8e7d6c5b4a39281706"
	in := map[string]any{
		"api_key":           secret,
		"cdpApiKey":         secret,
		"password":          "hunter2",
		"auth_token":        "tok",
		"auth_password":     "pw",
		"auth_header_value": "v",
		"signing_secret":    "whsec",
		"key":               "k",
		"client_secret":     "cs",
		"region":            "us",
		"auth_scheme":       "bearer",
		"url":               "https://hooks.slack.com/services/T0000AAAA/B0000BBBB/abcdefGHIJKLmnopQRST1234",
		"basic_url":         "https://user:pa55word@example.com/hook?token=abc&plan=pro",
		"opaque":            "AbCdEf0123456789GhIjKl0123456789",
		"list_id":           "5",
		"email":             "ops@example.com",
		"headers": []any{
			map[string]any{"name": "Authorization", "value": "Bearer " + secret},
			map[string]any{"name": "X-Team", "value": "growth"},
		},
		"nested": map[string]any{"private_key": "pk", "note": "token: eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_nature"},
	}
	out := redactMetadata(in)
	b, _ := json.Marshal(out)
	text := string(b)
	for _, leaked := range []string{secret, "hunter2", `"tok"`, `"pw"`, `"whsec"`, `"k"`, `"cs"`, `"pk"`, "pa55word", "token=abc", "abcdefGHIJKLmnopQRST1234", "AbCdEf0123456789GhIjKl0123456789", "eyJhbGciOiJIUzI1NiJ9"} {
		if strings.Contains(text, leaked) {
			t.Errorf("%s leaked in %s", leaked, text)
		}
	}
	for key, want := range map[string]any{"region": "us", "auth_scheme": "bearer", "list_id": "5", "email": "ops@example.com"} {
		if out[key] != want {
			t.Errorf("%s = %v, want it kept as %v", key, out[key], want)
		}
	}
	if !strings.Contains(text, "hooks.slack.com/services") || !strings.Contains(text, "plan=pro") || !strings.Contains(text, `"X-Team","value":"growth"`) {
		t.Errorf("harmless parts were redacted too: %s", text)
	}
	if in["api_key"] != secret {
		t.Error("redactMetadata modified its input")
	}
}

func TestRedactText(t *testing.T) {
	tests := []struct{ in, leaked string }{
		{"POST failed: 401 Unauthorized (Authorization: Bearer abcdefghijklmnop1234)", "abcdefghijklmnop1234"},
		{"invalid key sk_live_abcdefghijklmnop1234", "abcdefghijklmnop1234"},
		{"got token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl back", "eyJzdWIiOiIxIn0"},
		{"echo: 8f3kT9qLw2ZxY7vB1nM4cR6sD0hJ5gAeUuIiOoPp", "8f3kT9qLw2ZxY7vB1nM4cR6sD0hJ5gAeUuIiOoPp"},
	}
	for _, tt := range tests {
		if got := redactText(tt.in); strings.Contains(got, tt.leaked) {
			t.Errorf("redactText(%q) = %q still holds the credential", tt.in, got)
		}
	}
	for _, plain := range []string{
		"webhook answered 500 Internal Server Error after 3 attempts (event 123e4567-e89b-42d3-a456-426614174000)",
		"Meshes rejected the request as invalid (422 on PUT /connections/1691d7fb-161c-41b2-a0d7-45a4f407ace6; metadata.auth_token: is required when auth_scheme is bearer): fix the named fields",
		"invalid arguments: metadata.api_key: holds a redacted placeholder copied from a read; supply the real value.",
		"session sess_70647c78-b3ec-4504-80cb-48726e6c3c16 not found: check the id, for example with list_sessions.",
		// An id that ends a sentence keeps its full stop and stays readable.
		"no delivery of rule 5015bcce-1234-4abc-8def-0123456789ab.",
		"revoke sess_70647c78-b3ec-4504-80cb-48726e6c3c16.",
	} {
		if got := redactText(plain); got != plain {
			t.Errorf("harmless text changed: %q", got)
		}
	}
}

func TestRefuseRedactedPlaceholder(t *testing.T) {
	for _, md := range []map[string]any{
		{"api_key": "[redacted]"},
		{"headers": []any{map[string]any{"name": "Authorization", "value": "[redacted]"}}},
		{"url": "https://hooks.slack.com/services/redacted"},
		{"url": "https://user:redacted@example.com/"},
	} {
		if refuseRedacted(md) == nil {
			t.Errorf("placeholder accepted in %v", md)
		}
	}
	if err := refuseRedacted(map[string]any{"url": "https://example.com/hook", "api_key": "real"}); err != nil {
		t.Errorf("real metadata refused: %v", err)
	}
}

// Every shape a credential takes in connection metadata: each case names
// the secret that must not survive redaction, and what must stay visible.
func TestRedactMetadataShapes(t *testing.T) {
	const tok = "ghp_Zq8mN3vL5xR7tY2wK9pJ4hG6fD1sA0cE"
	tests := []struct {
		name   string
		in     map[string]any
		secret string
		keep   string
	}{
		{"userinfo without a password", map[string]any{"repo": "https://" + tok + "@github.com/acme/app.git"}, tok, "github.com/acme/app.git"},
		{"plain user name kept when a password hides", map[string]any{"url": "https://ops:Hunter22pw@example.com/x"}, "Hunter22pw", "ops"},
		{"fragment credential", map[string]any{"url": "https://example.com/cb#access_token=frag1234secret&token_type=bearer"}, "frag1234secret", "example.com/cb"},
		{"innocuous query name code", map[string]any{"url": "https://example.com/cb?code=oauthcode123&plan=pro"}, "oauthcode123", "plan=pro"},
		{"key pass", map[string]any{"pass": "letmein99"}, "letmein99", ""},
		{"key passphrase", map[string]any{"passphrase": "correct horse battery"}, "correct horse battery", ""},
		{"key pw", map[string]any{"pw": "letmein99"}, "letmein99", ""},
		{"key creds", map[string]any{"creds": "user:letmein99"}, "letmein99", ""},
		{"key hmac", map[string]any{"hmac": "hmackey99"}, "hmackey99", ""},
		{"key session_id", map[string]any{"session_id": "sessval99"}, "sessval99", ""},
		{"header map with an auth header", map[string]any{"headers": map[string]any{"X-Auth": "plainvalue1", "X-Team": "growth"}}, "plainvalue1", "growth"},
		{"header map with a custom key header", map[string]any{"headers": map[string]any{"X-Api-Key": "plainvalue2", "X-Team": "growth"}}, "plainvalue2", "growth"},
		{"header tuples", map[string]any{"headers": []any{[]any{"Authorization", "Bearer tuplevalue"}, []any{"X-Team", "growth"}}}, "tuplevalue", "growth"},
		{"name/value pairs", map[string]any{"headers": []any{map[string]any{"Name": "X-Auth-Token", "Value": "pairvalue1"}, map[string]any{"name": "X-Team", "value": "growth"}}}, "pairvalue1", "growth"},
		{"connection string", map[string]any{"dsn": "Server=db.example.com;User Id=sa;Password=connpw99;Database=app"}, "connpw99", "db.example.com"},
		{"connection string quoted", map[string]any{"dsn": `host=db user=app password='conn pw 99' sslmode=require`}, "conn pw 99", "sslmode=require"},
		{"basic-auth base64", map[string]any{"basic": "b3BzOmh1bnRlcjIy"}, "b3BzOmh1bnRlcjIy", ""},
		{"basic-auth header value", map[string]any{"extra": "Basic b3BzOmh1bnRlcjIy"}, "b3BzOmh1bnRlcjIy", "Basic"},
		{"Cyrillic look-alike key", map[string]any{"раssword": "lookalike1"}, "lookalike1", ""},
		{"Cyrillic o in token", map[string]any{"tоken": "lookalike2"}, "lookalike2", ""},
		{"full-width key", map[string]any{"ｔｏｋｅｎ": "lookalike3"}, "lookalike3", ""},
		{"zero-width joiner in key", map[string]any{"pass\u200bword": "lookalike4"}, "lookalike4", ""},
		{"Greek look-alike key", map[string]any{"sεcrεt": "lookalike5"}, "lookalike5", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := json.Marshal(redactMetadata(tt.in))
			if strings.Contains(string(b), tt.secret) {
				t.Errorf("%q survives: %s", tt.secret, b)
			}
			if tt.keep != "" && !strings.Contains(string(b), tt.keep) {
				t.Errorf("%q was redacted too: %s", tt.keep, b)
			}
		})
	}
}

// Free text (delivery errors, destination responses, transport errors)
// loses URL credentials, key=value credentials and tokens, and keeps what
// explains the failure.
func TestRedactTextShapes(t *testing.T) {
	tests := []struct {
		name, in string
		secrets  []string
		keep     string
	}{
		{"transport error quoting a URL", `Post "https://user:urlpass99@hooks.example.com/p?api_key=querykey99&token=querytok99&plan=pro#access_token=fragtok99": dial tcp: connection refused`,
			[]string{"urlpass99", "querykey99", "querytok99", "fragtok99"}, "connection refused"},
		{"URL with only a user token", "cannot push to https://ghp_Zq8mN3vL5xR7tY2wK9pJ4hG6fD1sA0cE@github.com/acme/app.git",
			[]string{"ghp_Zq8mN3vL5xR7tY2wK9pJ4hG6fD1sA0cE"}, "github.com/acme/app.git"},
		{"key=value pairs", "webhook responded 401: api_key=plainkey99 rejected; password: hunter22 is wrong", []string{"plainkey99", "hunter22"}, "webhook responded 401"},
		{"JSON quoted key", `webhook responded 403: {"error":"bad credentials","api_key":"jsonkey99"}`, []string{"jsonkey99"}, "bad credentials"},
		{"connection string", "driver: Server=db;Password=connpw99;Database=app", []string{"connpw99"}, "Database=app"},
		{"basic auth", "sent Authorization: Basic b3BzOmh1bnRlcjIy", []string{"b3BzOmh1bnRlcjIy"}, "sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := redactText(tt.in)
			for _, s := range tt.secrets {
				if strings.Contains(got, s) {
					t.Errorf("%q survives: %s", s, got)
				}
			}
			if !strings.Contains(got, tt.keep) {
				t.Errorf("%q was lost: %s", tt.keep, got)
			}
		})
	}
}

// A credential this process has handled for a connection is hidden in any
// free text, whatever its shape: a destination may quote the key it was
// sent, and a plain-word passphrase has no pattern.
func TestRedactTextHidesHandledSecrets(t *testing.T) {
	passphrase := "Swordfish Platypus Lantern"
	key := "plainlowercasekey"
	if got := redactText("invalid api key " + key); !strings.Contains(got, key) {
		t.Fatalf("the key is hidden before it was ever handled, so this test proves nothing: %s", got)
	}
	rememberSecrets("9d6c1a2e-0000-4000-8000-000000000001", map[string]any{
		"auth_password": passphrase, "api_key": key, "region": "eu-west-one",
	})
	got := redactText(`webhook responded 401: "invalid api key ` + key + `" (passphrase ` + passphrase + `) in region eu-west-one`)
	for _, s := range []string{passphrase, key} {
		if strings.Contains(got, s) {
			t.Errorf("handled secret %q survives: %s", s, got)
		}
	}
	if !strings.Contains(got, "eu-west-one") {
		t.Errorf("a harmless metadata value was treated as a secret: %s", got)
	}
}

// size is how many values m keeps, over all connections.
func (m *secretMemory) size() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	n := 0
	for _, vals := range m.byConn {
		n += len(vals)
	}
	return n
}

// The memory of handled secrets is bounded per connection and in total.
func TestHandledSecretsAreBounded(t *testing.T) {
	m := newSecretMemory(3, 2)
	for i := range 10 {
		m.remember(fmt.Sprintf("conn-%d", i), []string{fmt.Sprintf("secretvalue-%d-a", i), fmt.Sprintf("secretvalue-%d-b", i), fmt.Sprintf("secretvalue-%d-c", i)})
	}
	if n := m.size(); n > 3*2 {
		t.Errorf("%d values kept, want at most 6", n)
	}
	if got := m.scrub("secretvalue-9-c"); got == "secretvalue-9-c" {
		t.Errorf("the newest value was dropped: %s", got)
	}
}

// Hiding a handled value inside an encoded result never breaks the JSON,
// even where the value's text follows a backslash of an escape sequence.
func TestScrubJSONKeepsResultsValid(t *testing.T) {
	m := newSecretMemory(4, 4)
	m.remember("c", []string{"n1234567x", `a<b>&"c"`})
	in, _ := json.Marshal(map[string]any{"escaped": "line\n1234567x", "leak": "key n1234567x", "html": `a<b>&"c"`})
	out := m.scrubJSON(in)
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("result is no longer JSON: %v: %s", err, out)
	}
	want := map[string]string{"escaped": "line\n1234567x", "leak": "key [redacted]", "html": "[redacted]"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

// Only values that are credentials by name (or inside a URL's credential
// parts) are remembered: a value hidden for its look alone may be an id
// that other results, such as a connection's live action data, must show.
func TestSecretsInRemembersCredentialsNotLookalikeIDs(t *testing.T) {
	id := "0123456789abcdef0123456789abcdef"
	got := secretsIn(map[string]any{"database_id": id, "api_key": "key-by-name-1", "url": "https://ops:urlpass99@example.com/"})
	if strings.Join(got, ",") != "key-by-name-1,urlpass99" && strings.Join(got, ",") != "urlpass99,key-by-name-1" {
		t.Errorf("remembered %q, want the API key and the URL password only", got)
	}
	if b, _ := json.Marshal(redactMetadata(map[string]any{"database_id": id})); strings.Contains(string(b), id) {
		t.Errorf("the id-shaped value is no longer hidden in metadata: %s", b)
	}
}

// A handled secret that begins with another is hidden whole.
func TestHandledSecretsHideTheLongerMatch(t *testing.T) {
	for range 20 { // map order varies between runs of remember
		m := newSecretMemory(8, 4)
		m.remember("a", []string{"prefix-secret"})
		m.remember("b", []string{"prefix-secret-and-more"})
		if got := m.scrub("key prefix-secret-and-more here"); got != "key [redacted] here" {
			t.Fatalf("scrub = %q", got)
		}
	}
}

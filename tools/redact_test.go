package tools

import (
	"encoding/json"
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
	plain := "webhook answered 500 Internal Server Error after 3 attempts (event 123e4567-e89b-42d3-a456-426614174000)"
	if got := redactText(plain); got != plain {
		t.Errorf("harmless text changed: %q", got)
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

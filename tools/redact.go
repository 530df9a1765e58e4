package tools

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// Connection metadata holds credentials (API keys, webhook auth headers,
// signing secrets). Meshes promises not to return raw secrets, but a model's
// context is the wrong place to find out it broke that promise, so every
// result passes metadata through redactMetadata: by key name first, then by
// what a value looks like.

// sensitiveKeyParts mark a key as a credential wherever they appear in its
// normalised name (lower case, no '_', '-' or space).
var sensitiveKeyParts = []string{
	"password", "passwd", "pwd", "secret", "token", "apikey", "credential",
	"authorization", "privatekey", "signature", "signing", "cookie", "bearer",
}

// harmlessAuthKeys are auth_* settings whose values name a scheme, not a
// secret; they stay visible while their value is a plain word.
var harmlessAuthKeys = map[string]bool{"authscheme": true, "authtype": true, "authmethod": true, "authmode": true}

var plainWord = regexp.MustCompile(`^[A-Za-z_ -]{1,24}$`)

// nameSeparators is built once: a Replacer costs a 256-entry table to build,
// and every metadata key of every result is normalised.
var nameSeparators = strings.NewReplacer("_", "", "-", "", " ", "")

func normalizeName(k string) string {
	return nameSeparators.Replace(strings.ToLower(k))
}

// sensitiveKey reports whether a metadata key names a credential.
func sensitiveKey(k string, value any) bool {
	n := normalizeName(k)
	if harmlessAuthKeys[n] {
		s, ok := value.(string)
		return !ok || !plainWord.MatchString(s)
	}
	if n == "key" || strings.HasSuffix(n, "key") || strings.HasPrefix(n, "auth") {
		return true
	}
	for _, part := range sensitiveKeyParts {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// redactMetadata returns a redacted deep copy; the input is not modified.
func redactMetadata(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return redactValue("", m).(map[string]any)
}

func redactValue(key string, v any) any {
	if key != "" && sensitiveKey(key, v) && !emptyJSON(v) {
		return schemas.Redacted
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[k] = redactValue(k, val)
		}
		// A header list entry such as {"name": "Authorization", "value": "…"}
		// hides its credential under a harmless key.
		for _, nameKey := range []string{"name", "key", "header"} {
			if name, ok := x[nameKey].(string); ok && sensitiveKey(name, x["value"]) {
				if _, has := out["value"]; has {
					out["value"] = schemas.Redacted
				}
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = redactValue("", val)
		}
		return out
	case string:
		return redactString(x)
	}
	return v
}

func emptyJSON(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	}
	return false
}

var (
	jwtLike      = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`)
	schemeToken  = regexp.MustCompile(`(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}`)
	prefixedKey  = regexp.MustCompile(`\b(sk|rk|pk_live|sk_live|sk_test|mk|whsec|xox[abposr]|ghp|gho|github_pat|SG|re)[_.-][A-Za-z0-9_.-]{12,}`)
	tokenChars   = regexp.MustCompile(`^[A-Za-z0-9_+/=.~-]+$`)
	hasLetter    = regexp.MustCompile(`[A-Za-z]`)
	hasDigit     = regexp.MustCompile(`[0-9]`)
	awsAccessKey = regexp.MustCompile(`\bAKIA[0-9A-Z]{16}\b`)
)

// looksLikeSecret reports whether a bare value (no spaces) has the shape of
// a generated credential: long, mixed letters and digits, not an id we know.
func looksLikeSecret(s string, minLen int) bool {
	return len(s) >= minLen && tokenChars.MatchString(s) && hasLetter.MatchString(s) &&
		hasDigit.MatchString(s) && !meshesapi.IsUUID(s) && !strings.Contains(s, "..")
}

// redactString hides credentials inside a value stored under a harmless key.
func redactString(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" {
		return redactURL(u)
	}
	if looksLikeSecret(s, 24) {
		return schemas.Redacted
	}
	return redactText(s)
}

// redactURL keeps a URL readable (scheme, host, harmless path) while hiding
// a password, credential query values and token-like path segments (Slack
// and Discord webhook URLs carry their secret in the path).
func redactURL(u *url.URL) string {
	if _, hasPassword := u.User.Password(); hasPassword {
		u.User = url.UserPassword(u.User.Username(), "redacted")
	}
	q := u.Query()
	for k, vals := range q {
		for i, v := range vals {
			if sensitiveKey(k, v) || normalizeName(k) == "sig" || looksLikeSecret(v, 20) {
				vals[i] = "redacted"
			}
		}
	}
	u.RawQuery = q.Encode()
	segs := strings.Split(u.Path, "/")
	for i, seg := range segs {
		if looksLikeSecret(seg, 20) {
			segs[i] = "redacted"
		}
	}
	u.Path = strings.Join(segs, "/")
	u.RawPath = ""
	return u.String()
}

// redactText hides credential-shaped words inside free text such as a
// delivery's last_error, which may quote a destination's response.
func redactText(s string) string {
	s = jwtLike.ReplaceAllString(s, schemas.Redacted)
	s = schemeToken.ReplaceAllString(s, "$1 "+schemas.Redacted)
	s = prefixedKey.ReplaceAllString(s, schemas.Redacted)
	s = awsAccessKey.ReplaceAllString(s, schemas.Redacted)
	words := strings.Fields(s)
	changed := false
	for i, w := range words {
		trimmed := strings.Trim(w, `"',;:()[]{}<>`)
		if looksLikeSecret(trimmed, 32) && !strings.Contains(trimmed, "://") {
			words[i] = strings.Replace(w, trimmed, schemas.Redacted, 1)
			changed = true
		}
	}
	if changed {
		return strings.Join(words, " ")
	}
	return s
}

// holdsRedacted reports the path of a Redacted placeholder inside v, so that
// a model echoing back a redacted read cannot overwrite a real secret.
func holdsRedacted(path string, v any) string {
	switch x := v.(type) {
	case string:
		// redactURL writes a bare "redacted" inside URLs, where brackets
		// would be escaped.
		if strings.Contains(x, schemas.Redacted) || strings.Contains(x, "/redacted") ||
			strings.Contains(x, "=redacted") || strings.Contains(x, ":redacted@") {
			return path
		}
	case map[string]any:
		for k, val := range x {
			if p := holdsRedacted(path+"."+k, val); p != "" {
				return p
			}
		}
	case []any:
		for _, val := range x {
			if p := holdsRedacted(path+"[]", val); p != "" {
				return p
			}
		}
	}
	return ""
}

package tools

import (
	"encoding/base64"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// Connection metadata holds credentials (API keys, webhook auth headers,
// signing secrets). Meshes promises not to return raw secrets, but a model's
// context is the wrong place to find out it broke that promise, so every
// result passes metadata through redactMetadata: by key name first, then by
// what a value looks like. Free text (delivery errors, destination answers)
// goes through redactText. docs/threat-model.md lists every path.

// sensitiveKeyParts mark a key as a credential wherever they appear in its
// normalised name (see normalizeName).
var sensitiveKeyParts = []string{
	"pass", "pwd", "secret", "token", "apikey", "credential", "creds", "auth",
	"privatekey", "signature", "signing", "cookie", "bearer", "hmac", "session", "jwt",
}

// sensitiveKeyNames are credentials only as the whole name: as parts they
// would match ordinary words ("pw" in "upward", "sig" in "design").
var sensitiveKeyNames = map[string]bool{"pw": true, "pin": true, "sig": true, "code": true, "otp": true}

// harmlessAuthKeys are auth_* settings whose values name a scheme, not a
// secret; they stay visible while their value is a plain word.
var harmlessAuthKeys = map[string]bool{"authscheme": true, "authtype": true, "authmethod": true, "authmode": true}

var plainWord = lazyregexp.New(`^[A-Za-z_ -]{1,24}$`)

// confusables maps letters that look like ASCII ones (Cyrillic, Greek) to
// them, so that "раssword" written with a Cyrillic р and а is still a
// password. Full-width forms are folded by offset in normalizeName.
var confusables = map[rune]rune{
	'а': 'a', 'в': 'b', 'е': 'e', 'ё': 'e', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o', 'р': 'p',
	'с': 'c', 'т': 't', 'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ї': 'i', 'ј': 'j', 'һ': 'h',
	'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'ү': 'y',
	'α': 'a', 'β': 'b', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p',
	'τ': 't', 'υ': 'u', 'χ': 'x', 'γ': 'y', 'ω': 'w',
	'ı': 'i', 'ſ': 's', 'ℓ': 'l',
}

// normalizeName folds a key or header name to lower-case ASCII letters and
// digits: separators and invisible characters are dropped, full-width and
// look-alike letters become the ASCII ones they imitate.
func normalizeName(k string) string {
	var b strings.Builder
	b.Grow(len(k))
	for _, r := range strings.ToLower(k) {
		if r >= '！' && r <= '～' { // full-width ASCII
			r = unicode.ToLower(r - 0xFEE0)
		}
		if c, ok := confusables[r]; ok {
			r = c
		}
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// sensitiveKey reports whether a metadata key (or header name) names a
// credential.
func sensitiveKey(k string, value any) bool {
	n := normalizeName(k)
	if harmlessAuthKeys[n] {
		s, ok := value.(string)
		return !ok || !plainWord.MatchString(s)
	}
	if sensitiveKeyNames[n] || n == "key" || strings.HasSuffix(n, "key") {
		return true
	}
	for _, part := range sensitiveKeyParts {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// redactor walks metadata, hiding credentials and recording the values it
// hid, so that they can also be hidden wherever they turn up in free text.
type redactor struct {
	found []string
}

func (r *redactor) hide(v string) string {
	r.found = append(r.found, v)
	return schemas.Redacted
}

// hideAll records every string inside v (a credential's whole value).
func (r *redactor) hideAll(v any) {
	switch x := v.(type) {
	case string:
		r.found = append(r.found, x)
	case map[string]any:
		for _, val := range x {
			r.hideAll(val)
		}
	case []any:
		for _, val := range x {
			r.hideAll(val)
		}
	}
}

// redactMetadata returns a redacted deep copy; the input is not modified.
func redactMetadata(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	var r redactor
	return r.value("", m).(map[string]any)
}

// secretsIn lists the credential values redactMetadata hides in m.
func secretsIn(m map[string]any) []string {
	var r redactor
	r.value("", m)
	return r.found
}

func (r *redactor) value(key string, v any) any {
	if key != "" && sensitiveKey(key, v) && !emptyJSON(v) {
		r.hideAll(v)
		return schemas.Redacted
	}
	switch x := v.(type) {
	case map[string]any:
		return r.object(x)
	case []any:
		out := make([]any, len(x))
		for i, val := range x {
			out[i] = r.value("", val)
		}
		// A header tuple ["Authorization", "Bearer …"].
		if len(x) == 2 {
			if name, ok := x[0].(string); ok && sensitiveKey(name, x[1]) && !emptyJSON(x[1]) {
				r.hideAll(x[1])
				out[1] = schemas.Redacted
			}
		}
		return out
	case string:
		return r.text(x)
	}
	return v
}

// pairNameKeys hold a header's name in a {name, value} entry.
var pairNameKeys = map[string]bool{"name": true, "key": true, "header": true, "field": true}

func (r *redactor) object(x map[string]any) map[string]any {
	out := make(map[string]any, len(x))
	for k, val := range x {
		out[k] = r.value(k, val)
	}
	// A header list entry such as {"name": "Authorization", "value": "…"}
	// hides its credential under a harmless key.
	var name string
	for k, val := range x {
		if s, ok := val.(string); ok && pairNameKeys[normalizeName(k)] {
			name = s
		}
	}
	if name == "" {
		return out
	}
	for k, val := range x {
		if normalizeName(k) == "value" && sensitiveKey(name, val) && !emptyJSON(val) {
			r.hideAll(val)
			out[k] = schemas.Redacted
		}
	}
	return out
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
	jwtLike      = lazyregexp.New(`eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`)
	schemeToken  = lazyregexp.New(`(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}`)
	prefixedKey  = lazyregexp.New(`\b(sk|rk|pk_live|sk_live|sk_test|mk|whsec|xox[abposr]|ghp|gho|github_pat|SG|re)[_.-][A-Za-z0-9_.-]{12,}`)
	tokenChars   = lazyregexp.New(`^[A-Za-z0-9_+/=.~-]+$`)
	hasLetter    = lazyregexp.New(`[A-Za-z]`)
	hasDigit     = lazyregexp.New(`[0-9]`)
	awsAccessKey = lazyregexp.New(`\bAKIA[0-9A-Z]{16}\b`)
	// urlInText finds absolute URLs in free text, up to a quote, bracket
	// or space (Go's transport errors quote the URL).
	urlInText = lazyregexp.New(`\b[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>()\[\]{}` + "`" + `]+`)
	// credentialPair finds key=value and key: value settings whose key
	// names a credential, in connection strings, query strings, logs and
	// JSON ("api_key":"…"). The value runs to a separator, or is quoted.
	credentialPair = lazyregexp.New(`(?i)([A-Za-z0-9_.-]*(?:pass|pwd|secret|token|api[_-]?key|apikey|credential|auth|session|signature|hmac|private[_-]?key)[A-Za-z0-9_.-]*"?\s*)([=:])(\s*)("[^"]*"|'[^']*'|[^\s;&,"'}\]]+)`)
)

// looksLikeSecret reports whether a bare value (no spaces) has the shape of
// a generated credential: long, mixed letters and digits, not an id we know.
func looksLikeSecret(s string, minLen int) bool {
	return len(s) >= minLen && tokenChars.MatchString(s) && hasLetter.MatchString(s) &&
		hasDigit.MatchString(s) && !isID(s) && !strings.Contains(s, "..")
}

// prefixedID matches ids such as a session's sess_<uuid>.
var prefixedID = lazyregexp.New(`^[a-z]{1,8}_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isID reports a Meshes id: a UUID, bare or behind a short prefix.
func isID(s string) bool { return meshesapi.IsUUID(s) || prefixedID.MatchString(s) }

// looksLikeBasicAuth reports whether s is base64 of "user:password", the
// credential of an HTTP Basic Authorization header.
func looksLikeBasicAuth(s string) bool {
	if len(s) < 8 || len(s)%4 != 0 {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return false
	}
	user, pass, ok := strings.Cut(string(b), ":")
	if !ok || user == "" || pass == "" {
		return false
	}
	for _, c := range b {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return true
}

// text hides credentials inside a value stored under a harmless key.
func (r *redactor) text(s string) string {
	if u, err := url.Parse(s); err == nil && u.Scheme != "" && u.Host != "" && !strings.ContainsAny(s, " \t\n") {
		return r.url(u)
	}
	if looksLikeBasicAuth(s) {
		return r.hide(s)
	}
	if looksLikeSecret(s, 24) {
		// Hidden here by its look alone, it may be an id (a 32-character
		// database or list id) that other results must still show, so it
		// is not remembered as a handled secret.
		return schemas.Redacted
	}
	return r.freeText(s)
}

// credentialParam reports whether a query or fragment parameter carries a
// credential: by name, or by the look of its value.
func credentialParam(k, v string) bool {
	return sensitiveKey(k, v) || looksLikeSecret(v, 20) || looksLikeBasicAuth(v)
}

// url keeps a URL readable (scheme, host, harmless path) while hiding a
// password, a user name standing alone (a token), credential query and
// fragment values and token-like path segments (Slack and Discord webhook
// URLs carry their secret in the path).
func (r *redactor) url(u *url.URL) string {
	if u.User != nil {
		if pw, hasPassword := u.User.Password(); hasPassword {
			r.found = append(r.found, pw)
			u.User = url.UserPassword(u.User.Username(), "redacted")
		} else if name := u.User.Username(); name != "" {
			// A user without a password is a token (https://ghp_…@github.com).
			r.found = append(r.found, name)
			u.User = url.User("redacted")
		}
	}
	if u.RawQuery != "" {
		u.RawQuery = r.params(u.Query())
	}
	if u.Fragment != "" {
		if strings.Contains(u.Fragment, "=") {
			if q, err := url.ParseQuery(u.Fragment); err == nil {
				u.Fragment, u.RawFragment = r.params(q), ""
			}
		} else if looksLikeSecret(u.Fragment, 20) {
			u.Fragment, u.RawFragment = r.hide(u.Fragment), ""
		}
	}
	segs := strings.Split(u.Path, "/")
	for i, seg := range segs {
		if looksLikeSecret(seg, 20) {
			r.found = append(r.found, seg)
			segs[i] = "redacted"
		}
	}
	u.Path = strings.Join(segs, "/")
	u.RawPath = ""
	return u.String()
}

// params hides credential values of a query (or fragment) and encodes it.
// The bare word "redacted" stands in: brackets would be escaped.
func (r *redactor) params(q url.Values) string {
	for k, vals := range q {
		for i, v := range vals {
			if v != "" && credentialParam(k, v) {
				r.found = append(r.found, v)
				vals[i] = "redacted"
			}
		}
	}
	return q.Encode()
}

// tokenish tells a credential after "name:" from prose: error texts say
// "metadata.api_key: is required", credentials have a digit, a symbol or
// length. After "=" (connection strings, queries) any value counts.
func tokenish(v string) bool {
	return hasDigit.MatchString(v) || len(v) >= 12 || strings.ContainsAny(v, "_+/=~")
}

// pathOfIDs reports an API path such as /connections/<uuid>/fields, which
// the word check would otherwise take for a long token.
func pathOfIDs(w string) bool {
	if !strings.HasPrefix(w, "/") {
		return false
	}
	for _, seg := range strings.Split(w, "/") {
		if looksLikeSecret(seg, 20) {
			return false
		}
	}
	return true
}

// authSchemes name how a credential is sent, not the credential: the value
// after "Authorization:" is the scheme, and the token after it is matched by
// schemeToken.
var authSchemes = map[string]bool{"bearer": true, "basic": true, "token": true, "digest": true}

// redactText hides credentials inside free text such as a delivery's
// last_error, which may quote a destination's response or a transport
// error: every credential value this process has handled (see
// rememberSecrets), URL credentials, key=value credentials, tokens and
// anything shaped like a generated key.
func redactText(s string) string {
	var r redactor
	return r.freeText(s)
}

func (r *redactor) freeText(s string) string {
	if s == "" {
		return s
	}
	s = handledSecrets.scrub(s)
	s = urlInText.ReplaceAllStringFunc(s, func(raw string) string {
		trimmed := strings.TrimRight(raw, ".,;:!?")
		u, err := url.Parse(trimmed)
		if err != nil || u.Host == "" {
			return raw
		}
		return r.url(u) + raw[len(trimmed):]
	})
	s = schemeToken.ReplaceAllString(s, "$1 "+schemas.Redacted)
	s = credentialPair.ReplaceAllStringFunc(s, func(m string) string {
		sub := credentialPair.FindStringSubmatch(m)
		sep, value := sub[2], sub[4]
		v := strings.Trim(value, `"'`)
		quote := ""
		if value[0] == '"' || value[0] == '\'' {
			quote = value[:1]
		}
		if v == "" || strings.Contains(value, schemas.Redacted) || v == "redacted" || authSchemes[strings.ToLower(v)] ||
			sep == ":" && quote == "" && !tokenish(v) {
			return m
		}
		return sub[1] + sep + sub[3] + quote + r.hide(v) + quote
	})
	s = jwtLike.ReplaceAllString(s, schemas.Redacted)
	s = prefixedKey.ReplaceAllString(s, schemas.Redacted)
	s = awsAccessKey.ReplaceAllString(s, schemas.Redacted)
	words := strings.Fields(s)
	changed := false
	for i, w := range words {
		trimmed := strings.Trim(w, `"',;:()[]{}<>.!?`)
		if (looksLikeSecret(trimmed, 32) && !pathOfIDs(trimmed) || looksLikeBasicAuth(trimmed)) && !strings.Contains(trimmed, "://") {
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
		if isPlaceholder(x) {
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

// isPlaceholder reports whether s holds what a redacted read shows in place
// of a secret; URL redaction writes a bare "redacted" inside URLs, where
// brackets would be escaped.
func isPlaceholder(s string) bool {
	return strings.Contains(s, schemas.Redacted) || strings.Contains(s, "/redacted") ||
		strings.Contains(s, "=redacted") || strings.Contains(s, ":redacted@") || strings.Contains(s, "//redacted@")
}

package sandbox

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// TestAuthRejections is the docs/meshes-api.md §3.1 matrix: every malformed or mis-scoped
// credential is a 401 in the API's error shape (docs/meshes-api.md §4) that never echoes the
// token.
func TestAuthRejections(t *testing.T) {
	e := newEnv(t, Options{})
	ws := e.workspace("Auth Tests")
	pub, _ := e.srv.PublishableKey(ws)
	now := time.Now().Unix()
	with := func(mutate func(c jwt.MapClaims)) string {
		c := e.claims()
		mutate(c)
		return mint(t, c, e.creds.AccessKey, e.creds.SecretKey)
	}
	withHeader := func(method jwt.SigningMethod, key any, mutate func(h map[string]any)) string {
		tok := jwt.NewWithClaims(method, e.claims())
		tok.Header["kid"] = e.creds.AccessKey
		mutate(tok.Header)
		s, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

	cases := []struct {
		name    string
		method  string
		path    string
		headers map[string]string
		want    string // the check that must have failed
	}{
		{"missing header", "GET", "/workspaces", map[string]string{}, "missing credentials"},
		{"non-Bearer scheme", "GET", "/workspaces", map[string]string{"Authorization": "Basic " + e.token()}, "must be \"Bearer"},
		{"empty bearer", "GET", "/workspaces", map[string]string{"Authorization": "Bearer "}, "must be \"Bearer"},
		{"garbage token", "GET", "/workspaces", bearer("not.a.jwt"), "malformed"},
		{"two segments", "GET", "/workspaces", bearer("eyJhbGciOiJIUzI1NiJ9.eyJ9"), "malformed"},
		{"expired", "GET", "/workspaces", bearer(with(func(c jwt.MapClaims) { c["iat"], c["exp"] = now-100, now-50 })), "expired"},
		{"lifetime over 60s", "GET", "/workspaces", bearer(with(func(c jwt.MapClaims) { c["exp"] = now + 61 })), "lifetime"},
		{"iat in the future", "GET", "/workspaces", bearer(with(func(c jwt.MapClaims) { c["iat"], c["exp"] = now+30, now+60 })), "used before issued"},
		{"missing iat", "GET", "/workspaces", bearer(with(func(c jwt.MapClaims) { delete(c, "iat") })), "iat claim is required"},
		{"missing exp", "GET", "/workspaces", bearer(with(func(c jwt.MapClaims) { delete(c, "exp") })), "exp claim is required"},
		{"wrong aud", "GET", "/workspaces", bearer(with(func(c jwt.MapClaims) { c["aud"] = "meshes" })), "invalid audience"},
		{"missing aud", "GET", "/workspaces", bearer(with(func(c jwt.MapClaims) { delete(c, "aud") })), "aud claim is required"},
		{"wrong iss", "GET", "/workspaces", bearer(with(func(c jwt.MapClaims) { c["iss"] = "urn:meshes:m2m:mk_someoneelse000000000000" })), "iss must be"},
		{"wrong org", "GET", "/workspaces", bearer(with(func(c jwt.MapClaims) { c["org"] = newUUID() })), "not authorized for this organization"},
		{"non-uuid org", "GET", "/workspaces", bearer(with(func(c jwt.MapClaims) { c["org"] = "acme" })), "org claim"},
		{"missing org", "GET", "/workspaces", bearer(with(func(c jwt.MapClaims) { delete(c, "org") })), "org claim"},
		{"unknown kid", "GET", "/workspaces", bearer(mint(t, e.claims(), "mk_unknownunknownunknown00", e.creds.SecretKey)), "kid is not"},
		{"missing kid", "GET", "/workspaces", bearer(withHeader(jwt.SigningMethodHS256, []byte(e.creds.SecretKey), func(h map[string]any) { delete(h, "kid") })), "kid is not"},
		{"bad signature", "GET", "/workspaces", bearer(mint(t, e.claims(), e.creds.AccessKey, "wrong-secret-wrong-secret-wrong-secret-wrong")), "signature is invalid"},
		{"alg none", "GET", "/workspaces", bearer(withHeader(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, func(map[string]any) {})), "signing method none"},
		{"HS512", "GET", "/workspaces", bearer(withHeader(jwt.SigningMethodHS512, []byte(e.creds.SecretKey), func(map[string]any) {})), "signing method HS512"},
		{"RS256", "GET", "/workspaces", bearer(rs256Token(t, e)), "signing method RS256"},
		{"typ not JWT", "GET", "/workspaces", bearer(withHeader(jwt.SigningMethodHS256, []byte(e.creds.SecretKey), func(h map[string]any) { h["typ"] = "at+jwt" })), "typ header"},
		{"typ missing", "GET", "/workspaces", bearer(withHeader(jwt.SigningMethodHS256, []byte(e.creds.SecretKey), func(h map[string]any) { delete(h, "typ") })), "typ header"},
		{"publishable key on a management route", "GET", "/workspaces", map[string]string{publishableHeader: pub}, "only by POST"},
		{"publishable key on GET /events", "GET", "/events", map[string]string{publishableHeader: pub}, "only by POST"},
		{"bad publishable key format", "POST", "/events", map[string]string{publishableHeader: "pk_live_123"}, "invalid publishable key format"},
		{"unknown publishable key", "POST", "/events", map[string]string{publishableHeader: "mesh_pub_abc.def_ghi-jkl_asdf123"}, "unknown publishable key"},
		{"no credentials on ingest", "POST", "/events", map[string]string{}, "missing credentials"},
		{"bad token wins over a good publishable key", "POST", "/events", map[string]string{"Authorization": "Bearer x.y.z", publishableHeader: pub}, "malformed"},
	}
	body := map[string]any{"event": "user.signup", "payload": map[string]any{"email": "a@b.co"}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var b any
			if tc.method == "POST" {
				b = body
			}
			r := e.request(tc.method, tc.path, b, tc.headers)
			m := assertError(t, r, http.StatusUnauthorized)
			if msg, _ := m["message"].(string); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not name the failed check %q", msg, tc.want)
			}
			if r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			if auth := tc.headers["Authorization"]; len(auth) > 20 && strings.Contains(string(r.body), strings.TrimPrefix(auth, "Bearer ")) {
				t.Errorf("error echoes the token: %v", m)
			}
		})
	}
}

func rs256Token(t *testing.T, e *testEnv) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, e.claims())
	tok.Header["kid"] = e.creds.AccessKey
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAuthAccepts(t *testing.T) {
	e := newEnv(t, Options{})
	ws := e.workspace("Auth Accepts")
	pub, _ := e.srv.PublishableKey(ws)
	if !publishableKeyRe.MatchString(pub) {
		t.Fatalf("publishable key %q does not match the Node client's pattern", pub)
	}
	now := time.Now().Unix()
	cases := []struct {
		name   string
		mutate func(c jwt.MapClaims)
	}{
		{"official 30s token", func(jwt.MapClaims) {}},
		{"exactly 60s lifetime", func(c jwt.MapClaims) { c["exp"] = now + 60 }},
		{"aud as array", func(c jwt.MapClaims) { c["aud"] = []string{"meshes-api"} }},
		{"iat within clock skew", func(c jwt.MapClaims) { c["iat"], c["exp"] = now+3, now+33 }},
		{"upper-case org", func(c jwt.MapClaims) { c["org"] = strings.ToUpper(e.creds.OrgID) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := e.claims()
			tc.mutate(c)
			r := e.request("GET", "/workspaces", nil, map[string]string{"Authorization": "Bearer " + mint(t, c, e.creds.AccessKey, e.creds.SecretKey)})
			e.must(http.StatusOK, r)
		})
	}

	t.Run("publishable key ingests into its workspace", func(t *testing.T) {
		r := e.request("POST", "/events", map[string]any{"event": "user.signup", "payload": map[string]any{"email": "a@b.co"}},
			map[string]string{publishableHeader: pub})
		ev := e.must(http.StatusCreated, r)["event"].(map[string]any)
		if ev["workspace"] != ws || ev["created_by"] != "pub_key" {
			t.Fatalf("event %v", ev)
		}
		r = e.request("POST", "/events/bulk", []any{map[string]any{"event": "user.signup", "payload": map[string]any{"id": "1"}}},
			map[string]string{publishableHeader: pub})
		e.must(http.StatusCreated, r)
	})
	t.Run("publishable key naming another workspace is 403", func(t *testing.T) {
		other := e.workspace("Other Workspace")
		r := e.request("POST", "/events", map[string]any{"workspace": other, "event": "user.signup", "payload": map[string]any{"id": "1"}},
			map[string]string{publishableHeader: pub})
		assertError(t, r, http.StatusForbidden)
	})
}

func TestUpperCaseConfiguredOrg(t *testing.T) {
	creds := GenerateCredentials()
	creds.OrgID = strings.ToUpper(creds.OrgID)
	e := newEnv(t, Options{Credentials: creds, Seed: true})
	var page listPage[map[string]any]
	e.must(http.StatusOK, e.do("GET", "/workspaces", nil))
	e.do("GET", "/workspaces", nil).decode(t, &page)
	if page.Count != 2 {
		t.Fatalf("seeded workspaces invisible to a token for the same org: %d", page.Count)
	}
	if k := newPublishableKey("org", "ws"); !publishableKeyRe.MatchString(k) {
		t.Fatalf("short ids give a malformed key %q", k)
	}
}

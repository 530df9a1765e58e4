package httpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"

	"github.com/meshes-mcp/meshes-mcp/tools"
)

// OAuth makes the server an OAuth 2.1 resource server as the MCP
// authorization spec describes: it publishes Protected Resource Metadata
// (RFC 9728) naming its authorization server, answers unauthenticated
// requests with a challenge pointing at that metadata, and accepts only
// JWT access tokens the issuer signed for this server (audience = the
// public URL, RFC 8707). The client's token is checked and dropped here;
// Meshes only ever sees the server's own machine credentials.
type OAuth struct {
	// Issuer is the authorization server's issuer URL; its OpenID discovery
	// document gives the JWKS the tokens are checked against.
	Issuer string
	// PublicURL is the MCP endpoint as clients are given it (the connector
	// URL, e.g. https://mcp.example.com/mcp). It is the metadata's
	// resource and the audience every token must carry.
	PublicURL string
	// ReadScope lets a caller use the read-only tools; WriteScope every tool.
	// A token with neither is refused.
	ReadScope, WriteScope string
	// WorkspacesClaim names a token claim (a list of workspace ids, or one
	// comma- or space-separated string) that confines the caller to those
	// workspaces.
	WorkspacesClaim string

	// Leeway tolerates clock skew on exp, nbf and iat.
	Leeway time.Duration
	// KeyRefreshInterval is the shortest time between two JWKS fetches
	// caused by a token signed with a key not yet seen: a rotated key is
	// picked up at once, while tokens with made-up key ids cannot make the
	// server hammer the issuer.
	KeyRefreshInterval time.Duration
	// HTTPClient fetches discovery and JWKS; nil means a client with a 10 s
	// timeout.
	HTTPClient *http.Client
}

// OAuth defaults.
const (
	DefaultReadScope          = "meshes:read"
	DefaultWriteScope         = "meshes:write"
	DefaultWorkspacesClaim    = "meshes_workspaces"
	DefaultLeeway             = 30 * time.Second
	DefaultKeyRefreshInterval = 5 * time.Second
	// prmPath is RFC 9728's well-known location.
	prmPath = "/.well-known/oauth-protected-resource"
)

func (o *OAuth) withDefaults() (*OAuth, error) {
	c := *o
	if c.ReadScope == "" {
		c.ReadScope = DefaultReadScope
	}
	if c.WriteScope == "" {
		c.WriteScope = DefaultWriteScope
	}
	if c.WorkspacesClaim == "" {
		c.WorkspacesClaim = DefaultWorkspacesClaim
	}
	if c.Leeway <= 0 {
		c.Leeway = DefaultLeeway
	}
	if c.KeyRefreshInterval <= 0 {
		c.KeyRefreshInterval = DefaultKeyRefreshInterval
	}
	if err := checkOAuthURL("OAuth issuer (--oauth-issuer)", c.Issuer); err != nil {
		return nil, err
	}
	if err := checkOAuthURL("public URL (--public-url)", c.PublicURL); err != nil {
		return nil, err
	}
	if u, _ := url.Parse(c.PublicURL); u.Path == "" || u.Path == "/" {
		return nil, fmt.Errorf("public URL (--public-url) %q must be the MCP endpoint clients connect to, path included, e.g. %s/mcp", c.PublicURL, strings.TrimSuffix(c.PublicURL, "/"))
	}
	if c.ReadScope == c.WriteScope {
		return nil, errors.New("the OAuth read and write scopes must differ")
	}
	return &c, nil
}

// checkOAuthURL requires an absolute https URL (http only on loopback, for
// local testing) without query or fragment, as RFC 9728 and OAuth 2.1 ask.
func checkOAuthURL(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("%s %q must be an absolute URL without query or fragment", what, raw)
	}
	if u.Scheme == "https" {
		return nil
	}
	if u.Scheme == "http" && isLoopbackHost(u.Hostname()) {
		return nil
	}
	return fmt.Errorf("%s %q must use https (http is accepted only for loopback addresses)", what, raw)
}

func isLoopbackHost(host string) bool {
	ok, _ := isLoopbackBind(net.JoinHostPort(host, "0"))
	return ok
}

// tokenVerifier checks access tokens against the issuer's keys.
type tokenVerifier struct {
	cfg    *OAuth
	keys   keyfunc.Keyfunc
	parser *jwt.Parser
	// metadataURL is where this server's Protected Resource Metadata is,
	// derived from the public URL (never from a request's Host).
	metadataURL string
	metadata    []byte
}

// newTokenVerifier discovers the issuer's JWKS (OpenID Connect Discovery)
// and starts keeping its keys. ctx bounds the keys' background refresh.
func newTokenVerifier(ctx context.Context, o *OAuth) (*tokenVerifier, error) {
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	jwksURI, err := discoverJWKS(ctx, hc, o.Issuer)
	if err != nil {
		return nil, err
	}
	noErrorOnFirstFetch := false
	keys, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{jwksURI}, keyfunc.Override{
		Client:                    hc,
		HTTPTimeout:               10 * time.Second,
		NoErrorReturnFirstHTTPReq: &noErrorOnFirstFetch,
		RefreshInterval:           time.Hour,
		RefreshUnknownKID:         rate.NewLimiter(rate.Every(o.KeyRefreshInterval), 1),
		RateLimitWaitMax:          o.KeyRefreshInterval,
	})
	if err != nil {
		return nil, fmt.Errorf("fetching the OAuth issuer's signing keys from %s: %w", jwksURI, err)
	}
	pub, _ := url.Parse(o.PublicURL)
	v := &tokenVerifier{
		cfg:  o,
		keys: keys,
		parser: jwt.NewParser(
			jwt.WithIssuer(o.Issuer),
			jwt.WithAudience(o.PublicURL),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithLeeway(o.Leeway),
			// Asymmetric algorithms only: an HMAC token would be signed with
			// a secret this server does not share with the issuer.
			jwt.WithValidMethods([]string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}),
		),
		metadataURL: pub.Scheme + "://" + pub.Host + prmPath + strings.TrimSuffix(pub.Path, "/"),
	}
	v.metadata, err = json.Marshal(map[string]any{
		"resource":                 o.PublicURL,
		"authorization_servers":    []string{o.Issuer},
		"scopes_supported":         []string{o.ReadScope, o.WriteScope},
		"bearer_methods_supported": []string{"header"},
		"resource_name":            "Meshes MCP server",
	})
	return v, err
}

// discoverJWKS reads the issuer's OpenID discovery document and returns its
// jwks_uri, after checking that the document speaks for that very issuer
// (OpenID Connect Discovery §4.3).
func discoverJWKS(ctx context.Context, hc *http.Client, issuer string) (string, error) {
	where := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return "", fmt.Errorf("OAuth issuer discovery at %s failed: %w", where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("OAuth issuer discovery at %s answered %s; check --oauth-issuer", where, resp.Status)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil {
		return "", fmt.Errorf("OAuth issuer discovery at %s: the document is not JSON: %w", where, err)
	}
	if doc.Issuer != issuer {
		return "", fmt.Errorf("OAuth issuer discovery at %s names issuer %q, not %q; set --oauth-issuer to exactly the issuer its tokens carry", where, doc.Issuer, issuer)
	}
	if err := checkOAuthURL("jwks_uri of the issuer", doc.JWKSURI); err != nil {
		return "", err
	}
	return doc.JWKSURI, nil
}

// tokenError is why a token was refused: an OAuth error code and a
// description safe to send back (it never quotes the token).
type tokenError struct {
	code, description string
	status            int
}

func (e *tokenError) Error() string { return e.code + ": " + e.description }

// verify checks a token and returns the caller it speaks for.
func (v *tokenVerifier) verify(ctx context.Context, raw string) (caller, *tokenError) {
	claims := jwt.MapClaims{}
	_, err := v.parser.ParseWithClaims(raw, claims, v.keys.KeyfuncCtx(ctx))
	if err != nil {
		return caller{}, &tokenError{code: "invalid_token", description: tokenProblem(err, v.cfg), status: http.StatusUnauthorized}
	}
	scopes := scopesOf(claims)
	c := caller{subject: "oauth:" + stringClaim(claims, "sub"), oauth: true}
	if stringClaim(claims, "sub") == "" {
		c.subject = "oauth-client:" + stringClaim(claims, "client_id")
	}
	switch {
	case slices.Contains(scopes, v.cfg.WriteScope):
		c.canWrite = true
	case slices.Contains(scopes, v.cfg.ReadScope):
		c.policy.ReadOnly = true
	default:
		return caller{}, &tokenError{code: "insufficient_scope", status: http.StatusForbidden,
			description: "the token grants neither " + v.cfg.ReadScope + " nor " + v.cfg.WriteScope + "; ask the authorization server for one of them"}
	}
	if rawWS, present := claims[v.cfg.WorkspacesClaim]; present {
		ws, err := workspacesClaim(rawWS)
		if err != nil || len(ws) == 0 {
			return caller{}, &tokenError{code: "invalid_token", status: http.StatusUnauthorized,
				description: "the " + v.cfg.WorkspacesClaim + " claim must list workspace UUIDs"}
		}
		c.policy.Workspaces = ws
	}
	return c, nil
}

// tokenProblem describes a validation failure in words a client can act
// on, without echoing anything from the token.
func tokenProblem(err error, o *OAuth) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the access token has expired; obtain a new one"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "the access token is not valid yet; check the clocks"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "the access token was not issued for this server: its audience must be " + o.PublicURL + " (request it with resource=" + o.PublicURL + ")"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "the access token was not issued by " + o.Issuer
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "the access token lacks a required claim (exp)"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "the access token is not a JWT"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable), errors.Is(err, keyfunc.ErrKeyfunc):
		return "the access token's signature could not be verified with the issuer's current keys"
	}
	return "the access token is invalid"
}

func stringClaim(c jwt.MapClaims, name string) string {
	s, _ := c[name].(string)
	return s
}

// scopesOf reads "scope" (RFC 9068: space-separated) and "scp" (a list or
// a string, as some providers send it).
func scopesOf(c jwt.MapClaims) []string {
	out := strings.Fields(stringClaim(c, "scope"))
	switch scp := c["scp"].(type) {
	case string:
		out = append(out, strings.Fields(scp)...)
	case []any:
		for _, s := range scp {
			if str, ok := s.(string); ok {
				out = append(out, str)
			}
		}
	}
	return out
}

// workspacesClaim accepts a list of ids or one string separated by commas
// or spaces.
func workspacesClaim(v any) ([]string, error) {
	var joined string
	switch w := v.(type) {
	case string:
		joined = strings.Join(strings.Fields(strings.ReplaceAll(w, ",", " ")), ",")
	case []any:
		parts := make([]string, 0, len(w))
		for _, p := range w {
			s, ok := p.(string)
			if !ok {
				return nil, errors.New("not a string")
			}
			parts = append(parts, s)
		}
		joined = strings.Join(parts, ",")
	default:
		return nil, errors.New("not a list")
	}
	return tools.ParseWorkspaces(joined)
}

// serveMetadata answers the Protected Resource Metadata document. It is
// public by design (clients read it before they have a token), including to
// browser-based clients on any origin.
func (v *tokenVerifier) serveMetadata(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Access-Control-Allow-Origin", "*")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodOptions:
		w.Header().Set("Access-Control-Allow-Methods", "GET")
		w.WriteHeader(http.StatusNoContent)
		return
	default:
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(v.metadata)
}

// challenge is the WWW-Authenticate value of a refusal: it always points at
// the metadata, so a client can start (or restart) the OAuth flow.
func (v *tokenVerifier) challenge(e *tokenError) string {
	c := `Bearer resource_metadata="` + v.metadataURL + `", scope="` + v.cfg.ReadScope + " " + v.cfg.WriteScope + `"`
	if e != nil {
		c += `, error="` + e.code + `", error_description="` + strings.ReplaceAll(e.description, `"`, `'`) + `"`
	}
	return c
}

// publicOrigin is scheme://host of a URL already checked by checkOAuthURL.
func publicOrigin(raw string) string {
	u, _ := url.Parse(raw)
	return u.Scheme + "://" + u.Host
}

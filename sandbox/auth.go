package sandbox

import (
	"errors"
	"net/http"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
)

// authMode says which credentials a route accepts.
type authMode int

const (
	machineOnly authMode = iota // machine JWT only
	ingestion                   // machine JWT or publishable key (POST /events[/bulk])
)

// caller is who a request acts for, once authenticated.
type caller struct {
	orgID string
	// createdBy is recorded on created records: the access key for machine
	// callers, "pub_key" (as in the fixtures) for publishable-key callers.
	createdBy string
	// keyWorkspace is set for publishable-key callers: the only workspace
	// the key may write to.
	keyWorkspace string
}

const (
	audience          = "meshes-api"
	issuerPrefix      = "urn:meshes:m2m:"
	maxTokenLifetime  = 60 // seconds, docs/meshes-api.md §3.1
	publishableHeader = "X-Meshes-Publishable-Key"
)

var publishableKeyRe = lazyregexp.New(`^mesh_pub_([A-Za-z0-9\-.]+)_([A-Za-z0-9\-.]+)_([^_]+)$`)

var (
	errTyp        = errors.New("typ header must be JWT")
	errUnknownKid = errors.New("kid is not a known access key")
)

// machineClaims are the claims Meshes machine tokens carry (docs/meshes-api.md §3.1).
type machineClaims struct {
	Org string `json:"org"`
	jwt.RegisteredClaims
}

// authenticate resolves the caller. When both an Authorization header and a
// publishable key are sent, the Authorization header decides (docs/meshes-api.md §17 q11):
// a server-side caller's stronger credential should not be overridden by a
// browser key it happened to forward.
func (s *Server) authenticate(r *http.Request, mode authMode) (caller, *apiError) {
	if authz := r.Header.Get("Authorization"); authz != "" {
		scheme, token, ok := strings.Cut(authz, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			return caller{}, unauthorized("Authorization header must be \"Bearer <jwt>\"")
		}
		return s.verifyMachineToken(strings.TrimSpace(token))
	}
	if key := r.Header.Get(publishableHeader); key != "" {
		if mode != ingestion {
			return caller{}, unauthorized("publishable keys are accepted only by POST /api/v1/events and /api/v1/events/bulk; use a machine key (Bearer JWT)")
		}
		return s.verifyPublishableKey(key)
	}
	if mode == ingestion {
		return caller{}, unauthorized("missing credentials: send Authorization: Bearer <jwt> or " + publishableHeader)
	}
	return caller{}, unauthorized("missing credentials: send Authorization: Bearer <jwt>")
}

func unauthorized(msg string) *apiError {
	return errorf(http.StatusUnauthorized, "%s", msg)
}

// verifyMachineToken checks a machine JWT exactly as docs/meshes-api.md §3.1 lists. Messages
// name the failed check but never echo the token or the secret.
func (s *Server) verifyMachineToken(raw string) (caller, *apiError) {
	var claims machineClaims
	var kid string
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		// aud may be a string or an array containing meshes-api: RFC 7519
		// allows both and standard verifiers accept both (docs/meshes-api.md §17 q13); the
		// official clients send a string.
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(clockSkew),
		jwt.WithTimeFunc(s.now),
	)
	_, err := parser.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != "JWT" {
			return nil, errTyp
		}
		kid, _ = t.Header["kid"].(string)
		if kid == "" || kid != s.opts.AccessKey {
			return nil, errUnknownKid
		}
		return []byte(s.opts.SecretKey), nil
	})
	switch {
	case errors.Is(err, errTyp):
		return caller{}, unauthorized("invalid token: " + errTyp.Error())
	case errors.Is(err, errUnknownKid):
		return caller{}, unauthorized("invalid token: " + errUnknownKid.Error())
	case err != nil:
		// golang-jwt's messages name the failed check and never include
		// the token text.
		return caller{}, unauthorized("invalid token: " + err.Error())
	}
	switch {
	case claims.Issuer != issuerPrefix+kid:
		return caller{}, unauthorized("invalid token: iss must be " + issuerPrefix + "<access key>")
	case claims.IssuedAt == nil:
		return caller{}, unauthorized("invalid token: iat claim is required")
	case claims.ExpiresAt.Unix()-claims.IssuedAt.Unix() > maxTokenLifetime:
		return caller{}, unauthorized("invalid token: lifetime (exp - iat) may not exceed 60 seconds")
	case !isUUID(claims.Org):
		return caller{}, unauthorized("invalid token: org claim must be an organization UUID")
	case !strings.EqualFold(claims.Org, s.opts.OrgID):
		// The key is not scoped to this organisation. docs/meshes-api.md §3.1 item 8 allows 403,
		// but the key can reach nothing at all here, so it is a 401.
		return caller{}, unauthorized("invalid token: the access key is not authorized for this organization")
	}
	return caller{orgID: strings.ToLower(claims.Org), createdBy: kid}, nil
}

// verifyPublishableKey validates the docs/meshes-api.md §3.2 format, then looks the key up.
func (s *Server) verifyPublishableKey(key string) (caller, *apiError) {
	if !publishableKeyRe.MatchString(key) {
		return caller{}, unauthorized("invalid publishable key format (expected mesh_pub_<a>_<b>_<c>)")
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	wsID, ok := s.db.pubKeys[key]
	if !ok {
		return caller{}, unauthorized("unknown publishable key")
	}
	return caller{orgID: s.db.workspaces[wsID].orgID, createdBy: "pub_key", keyWorkspace: wsID}, nil
}

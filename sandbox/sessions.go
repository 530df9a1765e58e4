package sandbox

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/golang-jwt/jwt/v5"
)

// Embedded workspace sessions (docs/meshes-api.md §12).
//
// Choices where docs/meshes-api.md §17 q20 is open: refreshing a revoked or an expired session
// is 409 (the iframe must mint a new session, as meshes:token-expired
// implies); revoking twice is 200 {"revoked": true} again (revocation is
// idempotent; clients retrying a lost response must not see an error);
// the legacy launch_path "/workspace/<page>" is still accepted when
// launch_page is absent. launch_url points at the reserved host
// embed.meshes.invalid: the sandbox does not serve the embed UI, and a URL
// on the real embed host would fail confusingly.

type session struct {
	id             string
	workspaceID    string
	role           string
	sessionType    string
	externalUserID string
	resource       string
	resourceID     string
	launchPage     string
	revoked        bool
	ttl            time.Duration
	createdAt      time.Time
	expiresAt      time.Time
	seq            int64
}

var (
	sessionRoles = []string{"owner", "admin", "member"}
	sessionTypes = []string{"workspace", "resource", "dashboard"}
	launchPages  = []string{"dashboard", "connections", "rules", "events"}
)

const (
	payloadReadScope = "events.payload:read"
	embedHost        = "https://embed.meshes.invalid"
	maxOrigins       = 10
	maxScopes        = 20
)

type sessionInput struct {
	WorkspaceID      *string  `json:"workspace_id"`
	Role             *string  `json:"role"`
	SessionType      *string  `json:"session_type"`
	ExternalUserID   *string  `json:"external_user_id"`
	TTLSeconds       *int     `json:"ttl_seconds"`
	LaunchTTLSeconds *int     `json:"launch_ttl_seconds"`
	LaunchPage       *string  `json:"launch_page"`
	LaunchPath       *string  `json:"launch_path"`
	Resource         *string  `json:"resource"`
	ResourceID       *string  `json:"resource_id"`
	AllowedOrigins   []string `json:"allowed_origins"`
	Scopes           []string `json:"scopes"`
}

// choice validates an optional enum, returning def when absent.
func choice(p *problems, param string, v *string, allowed []string, def string) string {
	if v == nil {
		return def
	}
	if !slices.Contains(allowed, *v) {
		p.add(param, "invalid %s: must be one of %s", param, strings.Join(allowed, ", "))
		return def
	}
	return *v
}

func intRange(p *problems, param string, v *int, lo, hi, def int) int {
	if v == nil {
		return def
	}
	if *v < lo || *v > hi {
		p.add(param, "must be between %d and %d", lo, hi)
		return def
	}
	return *v
}

// validate applies docs/meshes-api.md §12.2 ranges and the cross-field rules.
func (in sessionInput) validate() (*session, int, *apiError) {
	var p problems
	ss := &session{workspaceID: checkUUIDField(&p, "workspace_id", in.WorkspaceID)}
	ss.role = choice(&p, "role", in.Role, sessionRoles, "member")
	ss.sessionType = choice(&p, "session_type", in.SessionType, sessionTypes, "workspace")
	if in.ExternalUserID != nil {
		if n := utf8.RuneCountInString(*in.ExternalUserID); n < 1 || n > 255 {
			p.add("external_user_id", "must be 1-255 characters")
		}
		ss.externalUserID = *in.ExternalUserID
	}
	ss.ttl = time.Duration(intRange(&p, "ttl_seconds", in.TTLSeconds, 300, 3600, 1800)) * time.Second
	launchTTL := intRange(&p, "launch_ttl_seconds", in.LaunchTTLSeconds, 15, 60, 30)
	ss.launchPage = "dashboard"
	switch {
	case in.LaunchPage != nil:
		ss.launchPage = choice(&p, "launch_page", in.LaunchPage, launchPages, "dashboard")
	case in.LaunchPath != nil:
		page, ok := strings.CutPrefix(*in.LaunchPath, "/workspace/")
		if !ok || !slices.Contains(launchPages, page) {
			p.add("launch_path", "must be /workspace/ followed by one of %s (prefer launch_page)", strings.Join(launchPages, ", "))
		} else {
			ss.launchPage = page
		}
	}
	ss.resource = checkNonBlank(&p, "resource", in.Resource, 255)
	ss.resourceID = checkNonBlank(&p, "resource_id", in.ResourceID, 255)
	switch ss.sessionType {
	case "resource":
		if in.Resource == nil {
			p.add("resource", "is required for resource sessions")
		}
		if in.ResourceID == nil {
			p.add("resource_id", "is required for resource sessions")
		}
		if ss.launchPage == "connections" {
			p.add("launch_page", "resource sessions cannot launch on connections (use dashboard, rules or events)")
		}
	case "dashboard":
		if ss.launchPage != "dashboard" {
			p.add("launch_page", "dashboard sessions are read-only and must launch on dashboard")
		}
		fallthrough
	default:
		if in.Resource != nil || in.ResourceID != nil {
			p.add("session_type", "resource and resource_id are only valid with session_type resource")
		}
	}
	if len(in.AllowedOrigins) > maxOrigins {
		p.add("allowed_origins", "may list at most %d origins", maxOrigins)
	}
	for i, o := range in.AllowedOrigins {
		if !isOrigin(o) {
			p.add("allowed_origins["+strconv.Itoa(i)+"]", "must be an origin such as https://app.example.com (scheme, host and optional port only)")
		}
	}
	if len(in.Scopes) > maxScopes {
		p.add("scopes", "may list at most %d scopes", maxScopes)
	}
	for i, sc := range in.Scopes {
		if sc != payloadReadScope {
			p.add("scopes["+strconv.Itoa(i)+"]", "must be %s (the only scope)", payloadReadScope)
		}
	}
	return ss, launchTTL, p.err(http.StatusBadRequest)
}

func isOrigin(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil &&
		(u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.Fragment == "" && !u.ForceQuery
}

type sessionResponse struct {
	SessionID       string     `json:"session_id"`
	AccessToken     string     `json:"access_token"`
	ExpiresIn       int        `json:"expires_in"`
	ExpiresAt       timestamp  `json:"expires_at"`
	LaunchToken     string     `json:"launch_token,omitempty"`
	LaunchExpiresAt *timestamp `json:"launch_expires_at,omitempty"`
	LaunchURL       string     `json:"launch_url,omitempty"`
	WorkspaceID     string     `json:"workspace_id"`
	Role            string     `json:"role"`
	SessionType     string     `json:"session_type"`
	Resource        string     `json:"resource,omitempty"`
	ResourceID      string     `json:"resource_id,omitempty"`
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	var in sessionInput
	if aerr := decodeBody(w, r, &in); aerr != nil {
		return 0, nil, aerr
	}
	resp, aerr := s.mintSession(c, in, s.now())
	if aerr != nil {
		return 0, nil, aerr
	}
	return http.StatusOK, resp, nil
}

func (s *Server) mintSession(c caller, in sessionInput, now time.Time) (sessionResponse, *apiError) {
	ss, launchTTL, aerr := in.validate()
	if aerr != nil {
		return sessionResponse{}, aerr
	}
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if _, aerr := s.db.workspaceIn(c.orgID, ss.workspaceID); aerr != nil {
		return sessionResponse{}, aerr
	}
	ss.id = "sess_" + newUUID()
	ss.createdAt, ss.expiresAt = now, now.Add(ss.ttl)
	ss.seq = s.db.nextSeq()
	s.db.sessions[ss.id] = ss
	resp := s.tokenResponse(ss, now)
	launchToken := "lt_" + randomURLSafe(24)
	resp.LaunchToken = launchToken
	resp.LaunchExpiresAt = stamp(now.Add(time.Duration(launchTTL) * time.Second))
	resp.LaunchURL = embedHost + "/workspace/" + ss.launchPage + "?launch=" + launchToken
	return resp, nil
}

// tokenResponse issues a fresh access token for the session. The token is
// a JWT like Meshes' (eyJ…), signed with a per-process secret; clients
// must treat it as opaque.
func (s *Server) tokenResponse(ss *session, now time.Time) sessionResponse {
	claims := jwt.MapClaims{"iss": "urn:meshes:embed", "aud": "meshes-embed", "sub": ss.id, "ws": ss.workspaceID,
		"role": ss.role, "session_type": ss.sessionType, "iat": now.Unix(), "exp": ss.expiresAt.Unix(), "jti": newUUID()}
	token, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(s.embedSecret) // HMAC signing cannot fail
	return sessionResponse{SessionID: ss.id, AccessToken: token, ExpiresIn: int(ss.ttl.Seconds()), ExpiresAt: timestamp(ss.expiresAt),
		WorkspaceID: ss.workspaceID, Role: ss.role, SessionType: ss.sessionType, Resource: ss.resource, ResourceID: ss.resourceID}
}

type sessionRecord struct {
	SessionID      string    `json:"session_id"`
	WorkspaceID    string    `json:"workspace_id"`
	Role           string    `json:"role"`
	SessionType    string    `json:"session_type"`
	Status         string    `json:"status"`
	IsExpired      bool      `json:"is_expired"`
	CreatedAt      timestamp `json:"created_at"`
	ExpiresAt      timestamp `json:"expires_at"`
	ExternalUserID string    `json:"external_user_id,omitempty"`
	Resource       string    `json:"resource,omitempty"`
	ResourceID     string    `json:"resource_id,omitempty"`
}

func (ss *session) status() string {
	if ss.revoked {
		return "revoked"
	}
	return "active"
}

// listSessions requires workspace_id; status filters on active/revoked
// (an expired session is still "active" with is_expired true, docs/meshes-api.md §12.4).
func (s *Server) listSessions(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	q := r.URL.Query()
	var p problems
	wsParam := q.Get("workspace_id")
	wsID := checkUUIDField(&p, "workspace_id", &wsParam)
	if q.Has("status") && !slices.Contains([]string{"active", "revoked"}, q.Get("status")) {
		p.add("status", "must be active or revoked")
	}
	for _, key := range []string{"resource", "resource_id"} {
		if q.Has(key) && q.Get(key) == "" {
			p.add(key, "must not be empty")
		}
	}
	page, aerr := parsePage(q, defaultEventPage)
	if aerr != nil {
		p = append(p, aerr.Data...)
	}
	if aerr := p.err(http.StatusBadRequest); aerr != nil {
		return 0, nil, aerr
	}
	now := s.now()
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if _, aerr := s.db.workspaceIn(c.orgID, wsID); aerr != nil {
		return 0, nil, aerr
	}
	list := values(s.db.sessions, func(ss *session) bool {
		return ss.workspaceID == wsID && matches(q.Get("status"), ss.status()) &&
			matches(q.Get("resource"), ss.resource) && matches(q.Get("resource_id"), ss.resourceID)
	})
	return http.StatusOK, paginate(list, func(ss *session) int64 { return ss.seq }, page, func(ss *session) sessionRecord {
		return sessionRecord{SessionID: ss.id, WorkspaceID: ss.workspaceID, Role: ss.role, SessionType: ss.sessionType,
			Status: ss.status(), IsExpired: !now.Before(ss.expiresAt), CreatedAt: timestamp(ss.createdAt),
			ExpiresAt: timestamp(ss.expiresAt), ExternalUserID: ss.externalUserID, Resource: ss.resource, ResourceID: ss.resourceID}
	}), nil
}

// withSession finds a session of the caller's organisation. Session ids are
// opaque strings, so any unknown value is simply not found.
func (s *Server) withSession(r *http.Request, c caller, fn func(ss *session) (int, any, *apiError)) (int, any, *apiError) {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	ss := s.db.sessions[r.PathValue("session_id")]
	if ss == nil || s.db.workspaces[ss.workspaceID].orgID != c.orgID {
		return 0, nil, notFound("Session")
	}
	return fn(ss)
}

func (s *Server) refreshSession(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	now := s.now()
	return s.withSession(r, c, func(ss *session) (int, any, *apiError) {
		switch {
		case ss.revoked:
			return 0, nil, errorf(http.StatusConflict, "session has been revoked; mint a new session")
		case !now.Before(ss.expiresAt):
			return 0, nil, errorf(http.StatusConflict, "session has expired; mint a new session")
		}
		ss.expiresAt = now.Add(ss.ttl)
		return http.StatusOK, s.tokenResponse(ss, now), nil
	})
}

func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request, c caller) (int, any, *apiError) {
	return s.withSession(r, c, func(ss *session) (int, any, *apiError) {
		ss.revoked = true
		return http.StatusOK, map[string]bool{"revoked": true}, nil
	})
}

package httpserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

	"github.com/meshes-mcp/meshes-mcp/tools"
)

// caller is who sent a request, as far as authentication tells.
type caller struct {
	// subject identifies the caller for rate limiting and logs: the OAuth
	// subject, "static-token", or the peer address when no auth is
	// configured (loopback only). It is never a metrics label.
	subject string
	oauth   bool
	// canWrite is false for an OAuth caller granted only the read scope.
	canWrite bool
	// policy narrows the server's for this caller (scopes, workspaces).
	policy tools.Policy
}

// authenticator decides who a request is from, with the static token, an
// OAuth access token, or (no auth configured) the peer address.
type authenticator struct {
	staticHash *[sha256.Size]byte
	oauth      *tokenVerifier
}

// authenticate admits a request with acceptable credentials, attaches its
// caller and the caller's policy to the context, and removes the
// Authorization header so no tool, hook or log downstream can echo it (the
// token is never passed on to Meshes). CORS preflights carry no
// credentials by design; they go on to mcp-go's CORS handling, which
// answers them without running any method.
func (s *Server) authenticate(next http.Handler) http.Handler {
	a := s.auth
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			next.ServeHTTP(w, r)
			return
		}
		c, ok := a.identify(exposeRefusal(w, r), r)
		if !ok {
			return
		}
		r.Header.Del("Authorization")
		ctx := withCaller(r.Context(), c)
		if c.oauth {
			ctx = tools.WithPolicy(ctx, c.policy)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// identify returns the request's caller, or answers the refusal itself.
func (a *authenticator) identify(w http.ResponseWriter, r *http.Request) (caller, bool) {
	if a.staticHash == nil && a.oauth == nil {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		return caller{subject: "peer:" + host, canWrite: true}, true
	}
	presented, ok := bearerToken(r.Header.Get("Authorization"))
	if ok && a.staticHash != nil {
		got := sha256.Sum256([]byte(presented))
		if subtle.ConstantTimeCompare(got[:], a.staticHash[:]) == 1 {
			return caller{subject: "static-token", canWrite: true}, true
		}
	}
	if a.oauth == nil {
		// Static token only: no resource_metadata, so OAuth-capable clients
		// do not go looking for an authorization server that is not there.
		challenge := `Bearer realm="meshes-mcp"`
		if ok {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
		http.Error(w, "Unauthorized: this server uses a static bearer token, not OAuth. Configure the MCP client to send the header \"Authorization: Bearer <token>\" with the token the server was started with (MESHES_MCP_TOKEN).", http.StatusUnauthorized)
		return caller{}, false
	}
	if !ok {
		w.Header().Set("WWW-Authenticate", a.oauth.challenge(nil))
		http.Error(w, "Unauthorized: send an OAuth access token as \"Authorization: Bearer <token>\"; the authorization server is named at "+a.oauth.metadataURL, http.StatusUnauthorized)
		return caller{}, false
	}
	c, terr := a.oauth.verify(r.Context(), presented)
	if terr != nil {
		w.Header().Set("WWW-Authenticate", a.oauth.challenge(terr))
		http.Error(w, http.StatusText(terr.status)+": "+terr.description, terr.status)
		return caller{}, false
	}
	return c, true
}

// bearerToken extracts the credentials of a Bearer Authorization header; the
// scheme is case-insensitive (RFC 9110 §11.1).
func bearerToken(header string) (string, bool) {
	scheme, token, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// exposeRefusal lets a browser-based client read a refusal: the guards
// answer before mcp-go's CORS handling would, so without these headers a
// cross-origin client could not see the status, the WWW-Authenticate
// challenge that starts its OAuth flow, or Retry-After. The Origin was
// already admitted by requireOrigin. Success responses keep mcp-go's own
// CORS headers.
func exposeRefusal(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return w
	}
	return &refusalHeaders{ResponseWriter: w, origin: origin}
}

// refusalHeaders adds the CORS headers when an error status is written.
type refusalHeaders struct {
	http.ResponseWriter
	origin string
}

func (w *refusalHeaders) WriteHeader(code int) {
	if code >= 400 {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", w.origin)
		h.Set("Access-Control-Expose-Headers", "WWW-Authenticate, Retry-After, "+HeaderRequestID)
		h.Add("Vary", "Origin")
	}
	w.ResponseWriter.WriteHeader(code)
}

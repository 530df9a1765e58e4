package meshesapi

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Machine JWTs follow docs/meshes-api.md §3.1. Official clients mint one per request;
// reusing a token while it has more than tokenReuseMargin left makes a burst
// of calls sign once, and the margin leaves room for slow networks and a
// little clock skew before Meshes sees the token expire.
const (
	tokenLifetime    = 30 * time.Second // Meshes rejects lifetimes over 60 s
	tokenReuseMargin = 10 * time.Second
	tokenAudience    = "meshes-api"
	tokenIssuerURN   = "urn:meshes:m2m:"
)

// tokenSource mints and caches machine JWTs; safe for concurrent use.
type tokenSource struct {
	accessKey string
	secret    []byte
	orgID     string
	now       func() time.Time

	cur    atomic.Pointer[signedToken] // lock-free fast path
	mu     sync.Mutex                  // held while signing, so a burst signs once
	minted atomic.Uint64               // tokens signed, for tests
	// recent are the last tokens signed, newest last, still live or just
	// expired: the values an upstream can echo back (see scrubber).
	recent atomic.Pointer[[]string]
}

// recentTokens bounds how many signed tokens the scrubber knows: more than
// can be live at once (one at a time, 30 s each) plus those just expired.
const recentTokens = 4

type signedToken struct {
	value    string
	issuedAt time.Time
	expires  time.Time
}

func newTokenSource(cfg Config, now func() time.Time) *tokenSource {
	return &tokenSource{accessKey: cfg.AccessKey, secret: []byte(cfg.SecretKey), orgID: cfg.OrgID, now: now}
}

// token returns a JWT with more than tokenReuseMargin to live.
func (s *tokenSource) token() (string, error) {
	if t := s.usable(s.now()); t != nil {
		return t.value, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if t := s.usable(now); t != nil {
		return t.value, nil
	}
	t, err := s.sign(now)
	if err != nil {
		return "", err
	}
	var kept []string
	if old := s.recent.Load(); old != nil {
		kept = (*old)[max(0, len(*old)-recentTokens+1):]
	}
	kept = append(append([]string(nil), kept...), t.value)
	s.recent.Store(&kept)
	s.cur.Store(t)
	return t.value, nil
}

// signed returns the tokens recently signed, for scrubbing.
func (s *tokenSource) signed() []string {
	if r := s.recent.Load(); r != nil {
		return *r
	}
	return nil
}

// usable returns the cached token if it is neither close to expiry nor,
// should the clock have stepped back, issued in the future.
func (s *tokenSource) usable(now time.Time) *signedToken {
	t := s.cur.Load()
	if t == nil || now.Before(t.issuedAt) || t.expires.Sub(now) <= tokenReuseMargin {
		return nil
	}
	return t
}

// sign mints a token issued at now (whole seconds, as iat/exp are integers).
func (s *tokenSource) sign(now time.Time) (*signedToken, error) {
	iat := now.Truncate(time.Second)
	exp := iat.Add(tokenLifetime)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": tokenIssuerURN + s.accessKey,
		"aud": tokenAudience, // a single string, as every official client sends
		"org": s.orgID,
		"iat": iat.Unix(),
		"exp": exp.Unix(),
	})
	tok.Header["kid"] = s.accessKey
	v, err := tok.SignedString(s.secret)
	if err != nil {
		return nil, err
	}
	s.minted.Add(1)
	return &signedToken{value: v, issuedAt: iat, expires: exp}, nil
}

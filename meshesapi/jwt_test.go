package meshesapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// verifyMachineJWT parses tok with golang-jwt the way a strict Meshes would
// (docs/meshes-api.md §3.1) and checks the parts the parser leaves to callers.
func verifyMachineJWT(t *testing.T, tok string, now time.Time) {
	t.Helper()
	parsed, err := jwt.Parse(tok,
		func(*jwt.Token) (any, error) { return []byte(testSecretKey), nil },
		jwt.WithValidMethods([]string{"HS256"}),
		jwt.WithAudience("meshes-api"),
		jwt.WithIssuer("urn:meshes:m2m:"+testAccessKey),
		jwt.WithIssuedAt(),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(func() time.Time { return now }),
		jwt.WithStrictDecoding(),
	)
	if err != nil {
		t.Fatalf("token does not verify: %v", err)
	}
	if parsed.Header["typ"] != "JWT" || parsed.Header["kid"] != testAccessKey || parsed.Header["alg"] != "HS256" {
		t.Errorf("header %v", parsed.Header)
	}
	claims := parsed.Claims.(jwt.MapClaims)
	if claims["org"] != testOrgID {
		t.Errorf("org claim %v", claims["org"])
	}
	iat, _ := claims.GetIssuedAt()
	exp, _ := claims.GetExpirationTime()
	if life := exp.Sub(iat.Time); life != 30*time.Second {
		t.Errorf("lifetime %v, want 30s (Meshes rejects over 60s)", life)
	}

	// aud must be one string, and iat/exp integers, as official clients send.
	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(payload, &raw); err != nil {
		t.Fatal(err)
	}
	if string(raw["aud"]) != `"meshes-api"` {
		t.Errorf("aud is %s, want the single string \"meshes-api\"", raw["aud"])
	}
	for _, k := range []string{"iat", "exp"} {
		if strings.ContainsAny(string(raw[k]), ".eE") {
			t.Errorf("%s is %s, want integer seconds", k, raw[k])
		}
	}
	if len(raw) != 5 {
		t.Errorf("claims %s, want exactly iss, aud, org, iat, exp", payload)
	}
}

// fakeClock is a settable clock for token tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func testTokenSource(clock *fakeClock) *tokenSource {
	return newTokenSource(Config{AccessKey: testAccessKey, SecretKey: testSecretKey, OrgID: testOrgID}, clock.now)
}

func TestTokenMatchesContract(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := &fakeClock{t: t0.Add(400 * time.Millisecond)}
	tok, err := testTokenSource(clock).token()
	if err != nil {
		t.Fatal(err)
	}
	verifyMachineJWT(t, tok, clock.now())
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(tok, claims); err != nil {
		t.Fatal(err)
	}
	if iat, _ := claims.GetIssuedAt(); !iat.Equal(t0) {
		t.Errorf("iat %v, want %v (whole seconds)", iat, t0)
	}
}

func TestTokenReuse(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		later   time.Time
		reissue bool
	}{
		{"same instant", t0, false},
		{"11 s left", t0.Add(19 * time.Second), false},
		{"exactly 10 s left", t0.Add(20 * time.Second), true},
		{"expired", t0.Add(31 * time.Second), true},
		{"clock stepped back before iat", t0.Add(-2 * time.Second), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := &fakeClock{t: t0}
			s := testTokenSource(clock)
			first, err := s.token()
			if err != nil {
				t.Fatal(err)
			}
			clock.set(tc.later)
			second, err := s.token()
			if err != nil {
				t.Fatal(err)
			}
			if reissued := s.minted.Load() == 2; reissued != tc.reissue {
				t.Errorf("reissued=%v, want %v", reissued, tc.reissue)
			}
			if tc.reissue {
				verifyMachineJWT(t, second, tc.later)
			} else if second != first {
				t.Error("reused token differs")
			}
		})
	}
}

func TestTokenBurstSignsOnce(t *testing.T) {
	s := testTokenSource(&fakeClock{t: time.Now()})
	const n = 64
	var wg sync.WaitGroup
	start := make(chan struct{})
	toks := make([]string, n)
	for i := range n {
		wg.Go(func() {
			<-start
			tok, err := s.token()
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		})
	}
	close(start)
	wg.Wait()
	if got := s.minted.Load(); got != 1 {
		t.Errorf("a burst of %d calls signed %d tokens, want 1", n, got)
	}
	for _, tok := range toks {
		if tok != toks[0] {
			t.Fatal("callers got different tokens")
		}
	}
}

// TestConcurrentRequestsShareOneToken drives the real client: concurrent
// calls all carry the same JWT.
func TestConcurrentRequestsShareOneToken(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) { reply(w, 200, wsJSON) })
	c, _ := newTestClient(t, testConfig(f.srv.URL))
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := c.GetWorkspace(context.Background(), wsID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	reqs := f.requests()
	for _, r := range reqs {
		if r.Header.Get("Authorization") != reqs[0].Header.Get("Authorization") {
			t.Fatal("concurrent requests carried different tokens")
		}
	}
	if got := c.tokens.minted.Load(); got != 1 {
		t.Errorf("signed %d tokens for 20 concurrent calls, want 1", got)
	}
}

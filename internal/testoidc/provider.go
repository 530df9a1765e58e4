// Package testoidc starts a real OpenID provider for tests: zitadel/oidc's
// certified OP package on a loopback listener, with its example in-memory
// storage, serving discovery, a JWKS and the token endpoint. Tests obtain
// real JWT access tokens from it with the client-credentials grant, and can
// rotate its signing key, so that token validation is exercised exactly as
// against a production identity provider.
package testoidc

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Client is a confidential client registered with the provider.
type Client struct {
	ID, Secret string
	// Audience is the aud of the tokens it gets (the resource it may call).
	Audience string
	// Lifetime of its tokens; negative issues tokens already expired.
	Lifetime time.Duration
	// Claims are added to its tokens (e.g. a workspace confinement).
	Claims map[string]any
}

// Provider is a running OpenID provider.
type Provider struct {
	Issuer string
	srv    *httptest.Server
	store  *store
}

// Start runs a provider on 127.0.0.1 until the test ends. keys may be shared
// with another provider (to mint validly signed tokens under another
// issuer); nil makes a fresh key ring.
func Start(tb testing.TB, keys *KeyRing, clients ...Client) *Provider {
	tb.Helper()
	if keys == nil {
		keys = NewKeyRing(tb)
	}
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	st := &store{
		Storage: storage.NewStorage(storage.NewUserStore(issuer)),
		keys:    keys,
		clients: map[string]Client{},
	}
	for _, c := range clients {
		st.clients[c.ID] = c
	}
	cfg := &op.Config{CryptoKey: sha256.Sum256([]byte(issuer)), CodeMethodS256: true}
	prov, err := op.NewProvider(cfg, st, op.StaticIssuer(issuer), op.WithAllowInsecure(), op.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		tb.Fatalf("testoidc: %v", err)
	}
	srv.Config.Handler = prov
	srv.Start()
	tb.Cleanup(srv.Close)
	return &Provider{Issuer: issuer, srv: srv, store: st}
}

// Token obtains an access token for the client with the given scopes
// through the token endpoint (client_credentials grant).
func (p *Provider) Token(tb testing.TB, clientID string, scopes ...string) string {
	tb.Helper()
	c, ok := p.store.client(clientID)
	if !ok {
		tb.Fatalf("testoidc: no client %q", clientID)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Join(scopes, " ")}}
	req, _ := http.NewRequest(http.MethodPost, p.Issuer+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(c.ID), url.QueryEscape(c.Secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("testoidc: token request: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("testoidc: token endpoint answered %s: %s", resp.Status, body)
	}
	var tok oidc.AccessTokenResponse
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		tb.Fatalf("testoidc: token response %s: %v", body, err)
	}
	return tok.AccessToken
}

// store is the example storage with the parts a resource-server test
// needs made controllable: JWT access tokens, per-client audience,
// lifetime and claims, and a rotatable signing key.
type store struct {
	*storage.Storage
	keys *KeyRing

	mu      sync.Mutex
	clients map[string]Client
}

func (s *store) client(id string) (Client, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	return c, ok
}

type jwtClient struct{ op.Client }

func (jwtClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

func (jwtClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeClientCredentials}
}

func (s *store) ClientCredentials(_ context.Context, clientID, clientSecret string) (op.Client, error) {
	c, ok := s.client(clientID)
	if !ok || c.Secret != clientSecret {
		return nil, fmt.Errorf("wrong client id or secret")
	}
	return jwtClient{storage.WebClient(c.ID, c.Secret, "http://127.0.0.1/unused")}, nil
}

func (s *store) ClientCredentialsTokenRequest(_ context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	c, ok := s.client(clientID)
	if !ok {
		return nil, fmt.Errorf("unknown client %q", clientID)
	}
	return &oidc.JWTTokenRequest{Subject: "svc-" + c.ID, Audience: []string{c.Audience}, Scopes: scopes}, nil
}

// CreateAccessToken keeps the example's bookkeeping but applies the
// client's lifetime.
func (s *store) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	id, exp, err := s.Storage.CreateAccessToken(ctx, req)
	if c, ok := s.clientBySubject(req.GetSubject()); ok && c.Lifetime != 0 {
		exp = time.Now().Add(c.Lifetime)
	}
	return id, exp, err
}

// GetPrivateClaimsFromScopes puts the granted scopes into the access token
// as RFC 9068's space-separated "scope" claim (zitadel's OP leaves that to
// the storage), plus the client's extra claims.
func (s *store) GetPrivateClaimsFromScopes(_ context.Context, userID, _ string, scopes []string) (map[string]any, error) {
	c, _ := s.clientBySubject(userID)
	claims := map[string]any{"scope": strings.Join(scopes, " ")}
	for k, v := range c.Claims {
		claims[k] = v
	}
	return claims, nil
}

func (s *store) clientBySubject(sub string) (Client, bool) {
	return s.client(strings.TrimPrefix(sub, "svc-"))
}

func (s *store) SigningKey(context.Context) (op.SigningKey, error) { return s.keys.current(), nil }

func (s *store) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}

func (s *store) KeySet(context.Context) ([]op.Key, error) { return s.keys.published(), nil }

// KeyRing holds the provider's signing key; Rotate replaces it and stops
// publishing the old one, as an emergency rotation does.
type KeyRing struct {
	tb  testing.TB
	mu  sync.Mutex
	key *rsaKey
	n   int
}

type rsaKey struct {
	id  string
	key *rsa.PrivateKey
}

func (k *rsaKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *rsaKey) Key() any                                    { return k.key }
func (k *rsaKey) ID() string                                  { return k.id }

type publicKey struct{ *rsaKey }

func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return &k.key.PublicKey }

// NewKeyRing makes a ring with one fresh RSA key.
func NewKeyRing(tb testing.TB) *KeyRing {
	r := &KeyRing{tb: tb}
	r.Rotate()
	return r
}

// Rotate makes a new signing key and withdraws the old one from the JWKS.
func (r *KeyRing) Rotate() {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		r.tb.Fatalf("testoidc: %v", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	r.key = &rsaKey{id: fmt.Sprintf("key-%d", r.n), key: k}
}

func (r *KeyRing) current() *rsaKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.key
}

func (r *KeyRing) published() []op.Key { return []op.Key{publicKey{r.current()}} }

package meshesapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkTokenSign measures minting one machine JWT (the uncached path).
func BenchmarkTokenSign(b *testing.B) {
	s := testTokenSource(&fakeClock{t: time.Now()})
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.sign(now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenCached measures what almost every request pays: a reused token.
func BenchmarkTokenCached(b *testing.B) {
	s := newTokenSource(Config{AccessKey: testAccessKey, SecretKey: testSecretKey, OrgID: testOrgID}, time.Now)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.token(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGetRoundTrip measures one GetWorkspace against a loopback server:
// path validation, token, request, response and decode. The server side's
// allocations are included, as both run in this process.
func BenchmarkGetRoundTrip(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reply(w, 200, wsJSON) }))
	b.Cleanup(srv.Close)
	c, _ := newTestClient(b, testConfig(srv.URL))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetWorkspace(ctx, wsID); err != nil {
			b.Fatal(err)
		}
	}
}

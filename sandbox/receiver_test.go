package sandbox

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
)

// receiver is a webhook destination for tests: it records every request
// and answers with a switchable status, or holds requests until released.
type receiver struct {
	*httptest.Server
	status  atomic.Int32
	mu      sync.Mutex
	reqs    []received
	hold    chan struct{} // while open, requests wait (or until the client gives up)
	holding atomic.Bool
}

type received struct {
	method string
	path   string
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{hold: make(chan struct{})}
	rc.status.Store(int32(status))
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.reqs = append(rc.reqs, received{method: r.Method, path: r.URL.Path, header: r.Header.Clone(), body: body})
		rc.mu.Unlock()
		if rc.holding.Load() {
			select {
			case <-rc.hold:
			case <-r.Context().Done():
				return
			}
		}
		code := int(rc.status.Load())
		w.WriteHeader(code)
		if code >= 400 {
			_, _ = io.WriteString(w, "receiver down")
		}
	}))
	t.Cleanup(func() {
		rc.release()
		rc.Close()
	})
	return rc
}

// release lets held requests (and all later ones) through.
func (rc *receiver) release() {
	if rc.holding.CompareAndSwap(true, false) {
		close(rc.hold)
	}
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.reqs...)
}

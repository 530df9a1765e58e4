package cli

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// receiver is the demo's stand-in for a customer's webhook endpoint: it
// checks the HMAC signature Meshes puts on every webhook body and reports
// each delivery it gets.
type receiver struct {
	url    string
	secret []byte
	got    chan receipt
	srv    *http.Server
}

// hostPort is where the receiver listens, as --sandbox-deliver-to lists it.
func (r *receiver) hostPort() string {
	u, _ := url.Parse(r.url)
	return u.Host
}

// receipt is what the receiver learned from one request.
type receipt struct {
	event, eventID, attempt string
	signed                  bool
}

// startReceiver listens on a loopback port chosen by the kernel.
func startReceiver(secret string) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{url: "http://" + ln.Addr().String() + "/meshes/orders", secret: []byte(secret), got: make(chan receipt, 8)}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// serve answers 204 to a correctly signed body and 401 otherwise, as a
// real endpoint verifying X-Meshes-Signature would.
func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		http.Error(w, "unreadable body", http.StatusBadRequest)
		return
	}
	mac := hmac.New(sha256.New, r.secret)
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	got := receipt{
		event:   req.Header.Get("X-Meshes-Event"),
		eventID: req.Header.Get("X-Meshes-Event-Id"),
		attempt: req.Header.Get("X-Meshes-Attempt"),
		signed:  hmac.Equal([]byte(req.Header.Get("X-Meshes-Signature")), []byte(want)),
	}
	select {
	case r.got <- got:
	default: // the demo reads one receipt; later ones need no reader
	}
	if !got.signed {
		http.Error(w, "signature does not verify", http.StatusUnauthorized)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = r.srv.Shutdown(ctx)
}

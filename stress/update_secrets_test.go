package stress

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
)

// destination records the credentials each webhook delivery carried.
type destination struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []http.Header
}

func newDestination(t *testing.T) *destination {
	d := &destination{}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.mu.Lock()
		d.got = append(d.got, r.Header.Clone())
		d.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(d.srv.Close)
	return d
}

func (d *destination) last(t *testing.T) http.Header {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.got) == 0 {
		t.Fatal("no delivery reached the destination")
	}
	return d.got[len(d.got)-1]
}

// update_connection never drops a stored secret the call did not name:
// leaving one out is refused with its name and nothing is sent; the
// placeholder a read shows keeps the stored value (proved by the next
// delivery still carrying it); remove_secrets deletes exactly what it
// names; the result says which secrets were kept and removed.
func TestUpdateConnectionNeverDropsASecretSilently(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	sess := newSession(t, s)
	dest := newDestination(t)
	bearer, signing := token("tok_", 32), token("whsec_", 32)
	var created struct{ ID string }
	sess.mustSucceed("create_connection", map[string]any{"workspace_id": s.IDs.Workspace, "type": "webhook", "name": unique("Kept"),
		"metadata": map[string]any{"url": dest.srv.URL + "/a", "auth_scheme": "bearer", "auth_token": bearer, "signing_secret": signing}}, &created)
	sess.mustSucceed("create_rule", map[string]any{"workspace_id": s.IDs.Workspace, "connection_id": created.ID, "event": "kept.test", "action": "send_webhook"}, nil)
	deliver := func() http.Header {
		t.Helper()
		sess.mustSucceed("send_event", map[string]any{"workspace_id": s.IDs.Workspace, "event": "kept.test", "payload": map[string]any{"email": "k@example.com"}}, nil)
		waitIdle(t, s)
		return dest.last(t)
	}
	puts := func() int { return len(since(s, 0, http.MethodPut, "/connections/*")) }

	// Left out: refused, naming both secrets, and nothing is sent.
	res := sess.call("update_connection", map[string]any{"connection_id": created.ID, "name": unique("Kept"),
		"metadata": map[string]any{"url": dest.srv.URL + "/b", "auth_scheme": "bearer"}})
	if !res.IsError || !strings.Contains(text(res), "auth_token") || !strings.Contains(text(res), "signing_secret") || !strings.Contains(text(res), "remove_secrets") {
		t.Fatalf("leaving stored secrets out was not refused by name: %s", text(res))
	}
	if puts() != 0 {
		t.Fatalf("a refused update still sent %d PUTs", puts())
	}

	// The read's placeholder keeps the stored value.
	var read struct {
		Metadata map[string]any
	}
	sess.mustSucceed("get_connection", map[string]any{"connection_id": created.ID}, &read)
	read.Metadata["url"] = dest.srv.URL + "/c"
	var kept struct {
		KeptSecrets    []string `json:"kept_secrets"`
		RemovedSecrets []string `json:"removed_secrets"`
	}
	sess.mustSucceed("update_connection", map[string]any{"connection_id": created.ID, "name": unique("Kept"), "metadata": read.Metadata}, &kept)
	if strings.Join(kept.KeptSecrets, ",") != "auth_token,signing_secret" || len(kept.RemovedSecrets) != 0 {
		t.Errorf("result says kept %v removed %v, want kept [auth_token signing_secret]", kept.KeptSecrets, kept.RemovedSecrets)
	}
	h := deliver()
	if h.Get("Authorization") != "Bearer "+bearer || h.Get("X-Meshes-Signature") == "" {
		t.Errorf("the kept secrets were not kept: Authorization %q, signature %q", h.Get("Authorization"), h.Get("X-Meshes-Signature"))
	}

	// Removing one secret, explicitly.
	var removed struct {
		KeptSecrets    []string `json:"kept_secrets"`
		RemovedSecrets []string `json:"removed_secrets"`
	}
	sess.mustSucceed("update_connection", map[string]any{"connection_id": created.ID, "name": unique("Kept"), "remove_secrets": []string{"signing_secret"},
		"metadata": map[string]any{"url": dest.srv.URL + "/d", "auth_scheme": "bearer", "auth_token": "[redacted]"}}, &removed)
	if strings.Join(removed.KeptSecrets, ",") != "auth_token" || strings.Join(removed.RemovedSecrets, ",") != "signing_secret" {
		t.Errorf("result says kept %v removed %v", removed.KeptSecrets, removed.RemovedSecrets)
	}
	h = deliver()
	if h.Get("Authorization") != "Bearer "+bearer || h.Get("X-Meshes-Signature") != "" {
		t.Errorf("after removing signing_secret: Authorization %q, signature %q", h.Get("Authorization"), h.Get("X-Meshes-Signature"))
	}

	// Naming a secret that is not stored is a mistake worth reporting.
	before := puts()
	res = sess.call("update_connection", map[string]any{"connection_id": created.ID, "name": unique("Kept"), "remove_secrets": []string{"api_key"},
		"metadata": map[string]any{"url": dest.srv.URL + "/e", "auth_scheme": "bearer", "auth_token": "[redacted]"}})
	if !res.IsError || !strings.Contains(text(res), "api_key") {
		t.Errorf("remove_secrets naming no stored secret was accepted: %s", text(res))
	}
	if puts() != before {
		t.Error("a refused update was sent")
	}
}

package tools

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// A create or send that Meshes answers 2xx without the new id reaches the
// model as an unknown outcome with the advice to check before resending,
// never as a success with an empty id.
func TestMalformedSuccessReachesTheModelAsUnknown(t *testing.T) {
	const ws = "3f2b6c1e-8d4a-4e5b-9c7d-1a2b3c4d5e6f"
	calls := map[string]string{
		"send_event":       `{"workspace_id":"` + ws + `","event":"user.signup","payload":{"email":"a@b.co"}}`,
		"send_events":      `{"events":[{"workspace_id":"` + ws + `","event":"user.signup","payload":{"email":"a@b.co"}}]}`,
		"create_workspace": `{"name":"Acme"}`,
	}
	for _, body := range []string{`{}`, `null`, `{"event":{"workspace":"` + ws + `"}}`} {
		var posts int
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				posts++
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(body))
		}))
		client, err := meshesapi.New(meshesapi.Config{AccessKey: "mk_TestAccessKey0123456789ab", SecretKey: strings.Repeat("s", 43),
			OrgID: "7c9e6679-7425-40de-944b-e07fc1f90ae7", APIURL: srv.URL, EventsURL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		c, err := New(client, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for tool, args := range calls {
			posts = 0
			res, err := c.Call(context.Background(), tool, json.RawMessage(args))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(res)
			text := string(b)
			if strings.Contains(text, `"event_id":""`) || strings.Contains(text, `"id":""`) {
				t.Errorf("%s on %s: an empty id is reported: %s", tool, body, text)
			}
			if !strings.Contains(text, "unknown") || !strings.Contains(text, "before") {
				t.Errorf("%s on %s: not reported as an unknown outcome to check before resending: %s", tool, body, text)
			}
			if posts != 1 {
				t.Errorf("%s on %s: sent %d times, want once", tool, body, posts)
			}
		}
		srv.Close()
	}
}

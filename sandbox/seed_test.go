package sandbox

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/internal/poll"
)

// TestSeed checks the demo organisation's shape and that its failures are
// diagnosable from the API alone: last_error plus the connection state.
func TestSeed(t *testing.T) {
	e := newEnv(t, Options{Seed: true, Backoff: defaultBackoff})
	wss := e.srv.Workspaces()
	if len(wss) != 2 || wss[0].Name != "Acme Production" || wss[1].Name != "Acme Staging" {
		t.Fatalf("workspaces %+v", wss)
	}
	if st := e.srv.Stats(); st.Connections != 5 || st.Rules != 6 || st.Events != 6 || st.InFlight != 0 {
		t.Fatalf("seed stats %+v", st)
	}

	var events listPage[eventJSON]
	e.do("GET", "/workspaces/"+wss[0].ID+"/events?status=failed", nil).decode(t, &events)
	if events.Count != 3 {
		t.Fatalf("%d failed seeded events, want 3", events.Count)
	}
	var sawInactive, sawRefused bool
	for _, ev := range events.Records {
		for _, re := range ev.RuleEvents {
			if re.Status != "failed" {
				continue
			}
			conn := e.must(http.StatusOK, e.do("GET", "/connections/"+re.Connection, nil))
			switch re.IntegrationType {
			case "mailchimp":
				sawInactive = conn["active"] == false && conn["inactive_reason"] == "authentication_invalid" &&
					strings.Contains(re.LastError, "authentication_invalid") && re.AttemptCount == 1
			case "webhook":
				sawRefused = strings.Contains(re.LastError, "connection refused") && re.AttemptCount == len(defaultBackoff)+1 &&
					strings.Contains(conn["metadata"].(map[string]any)["url"].(string), "127.0.0.1:9")
			}
		}
	}
	if !sawInactive || !sawRefused {
		t.Fatalf("seeded failures: inactive mailchimp %v, refused webhook %v", sawInactive, sawRefused)
	}
	var sessions listPage[map[string]any]
	e.do("GET", "/sessions?workspace_id="+wss[0].ID, nil).decode(t, &sessions)
	if sessions.Count != 1 {
		t.Fatalf("seeded sessions %d", sessions.Count)
	}
}

func TestStartAndStandalone(t *testing.T) {
	run, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(run.URL) {
		t.Fatalf("URL %q", run.URL)
	}
	resp, err := http.Get(run.URL + "/api/v1/workspaces")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unauthenticated request: %d", resp.StatusCode)
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}

	creds := GenerateCredentials()
	if !regexp.MustCompile(`^mk_[A-Za-z0-9_-]{22,}$`).MatchString(creds.AccessKey) ||
		!regexp.MustCompile(`^[A-Za-z0-9_-]{43,}$`).MatchString(creds.SecretKey) ||
		!regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(creds.OrgID) {
		t.Fatalf("credential formats %+v", creds)
	}

	cases := []struct {
		name string
		env  map[string]string
		want []string
		not  []string
	}{
		{"generated", map[string]string{}, []string{"export MESHES_ACCESS_KEY=mk_", "export MESHES_SECRET_KEY=", "export MESHES_ORG_ID=", "Acme Production"}, nil},
		{"from env with alias", map[string]string{"MESHES_ACCESS_KEY": creds.AccessKey, "MESHES_SECRET_KEY": creds.SecretKey, "MESHES_ORGANIZATION_ID": creds.OrgID},
			[]string{"Accepting the machine key"}, []string{creds.SecretKey}},
		{"partial env", map[string]string{"MESHES_ACCESS_KEY": creds.AccessKey}, []string{"not all set", "export MESHES_SECRET_KEY="}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			out := &syncBuffer{}
			done := make(chan error, 1)
			go func() {
				done <- RunStandalone(ctx, Standalone{Addr: "127.0.0.1:0", Seed: true}, func(k string) string { return tc.env[k] }, out)
			}()
			poll.Until(t, "banner", func() bool { return strings.Contains(out.String(), "Serving until interrupted") })
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("RunStandalone did not stop")
			}
			text := out.String()
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(text, n) {
					t.Errorf("output must not contain %q", n)
				}
			}
		})
	}
	if err := RunStandalone(context.Background(), Standalone{Addr: "nonsense"}, func(string) string { return "" }, &syncBuffer{}); err == nil {
		t.Fatal("invalid address accepted")
	}
}

// startStandalone runs RunStandalone with st and a machine key from the
// environment, and returns a client of it and its output.
func startStandalone(t *testing.T, st Standalone) (*testEnv, *syncBuffer) {
	t.Helper()
	creds := GenerateCredentials()
	env := map[string]string{"MESHES_ACCESS_KEY": creds.AccessKey, "MESHES_SECRET_KEY": creds.SecretKey, "MESHES_ORG_ID": creds.OrgID}
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = RunStandalone(ctx, st, func(k string) string { return env[k] }, out)
	}()
	t.Cleanup(func() { cancel(); <-done })
	var url string
	poll.Until(t, "URL", func() bool {
		m := regexp.MustCompile(`export MESHES_API_URL=(\S+)`).FindStringSubmatch(out.String())
		if m != nil {
			url = m[1]
		}
		return m != nil && strings.Contains(out.String(), "Serving until interrupted")
	})
	return &testEnv{t: t, url: url, creds: creds, now: time.Now}, out
}

// TestStandaloneAcceptsEnvCredentials proves the env key is the one served.
func TestStandaloneAcceptsEnvCredentials(t *testing.T) {
	e, _ := startStandalone(t, Standalone{Addr: "127.0.0.1:0"})
	e.must(http.StatusOK, e.do("GET", "/workspaces", nil))
}

// The standalone sandbox, like the embedded one, sends real webhook
// requests only to the targets it was given, and says so when it starts.
func TestStandaloneDeliversOnlyToListedTargets(t *testing.T) {
	allowed := newReceiver(t, http.StatusNoContent)
	other := newReceiver(t, http.StatusNoContent)
	e, out := startStandalone(t, Standalone{Addr: "127.0.0.1:0", DeliverTo: []string{strings.TrimPrefix(allowed.URL, "http://")}})
	if !strings.Contains(out.String(), "real requests only at "+strings.TrimPrefix(allowed.URL, "http://")) {
		t.Errorf("the banner does not name the allowed target:\n%s", out.String())
	}
	checkDeliversOnlyTo(t, e, allowed, other)

	_, out = startStandalone(t, Standalone{Addr: "127.0.0.1:0"})
	if !strings.Contains(out.String(), "Webhooks are simulated") {
		t.Errorf("without targets the banner does not say webhooks are simulated:\n%s", out.String())
	}
}

// syncBuffer is an io.Writer safe for the server's log goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

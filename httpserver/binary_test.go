package httpserver

import (
	"github.com/meshes-mcp/meshes-mcp/internal/hermetic"

	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/testbin"

	"github.com/meshes-mcp/meshes-mcp/internal/poll"
	"github.com/meshes-mcp/meshes-mcp/sandbox"
)

// The end-to-end tests below run the real meshes-mcp binary, built once per
// test run, as separate processes serving real sockets.

func TestMain(m *testing.M) {
	code := hermetic.Run(m)
	testbin.Cleanup()
	os.Exit(code)
}

// backend is a Meshes stand-in the server processes are pointed at.
type backend struct {
	url   string
	creds sandbox.Credentials
}

// startBackend serves a seeded sandbox on loopback, behind wrap if given.
func startBackend(tb testing.TB, wrap func(http.Handler) http.Handler) backend {
	tb.Helper()
	sb := sandbox.New(sandbox.Options{Seed: true})
	var h http.Handler = sb
	if wrap != nil {
		h = wrap(sb)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(func() {
		_ = srv.Close()
		sb.Close()
	})
	return backend{url: "http://" + ln.Addr().String(), creds: sb.Credentials()}
}

// startProcess runs the binary with args against be, with nothing from the
// developer's environment (no real credentials file can leak in), and waits
// until it listens. At cleanup it checks the token never reached stderr.
func startProcess(tb testing.TB, be backend, token string, args ...string) *testbin.HTTPServer {
	tb.Helper()
	env := testbin.ChildEnv(tb.TempDir(), be.creds, be.url, "MESHES_MCP_TOKEN="+token, "MESHES_LOG_LEVEL=info")
	p := testbin.StartHTTP(tb, testbin.Binary(tb, false), env, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	tb.Cleanup(func() {
		p.Stop()
		if token != "" && strings.Contains(p.Stderr.String(), token) {
			tb.Errorf("the auth token appears on the server's stderr:\n%s", p.Stderr)
		}
	})
	return p
}

// The binary serves the real catalog over each transport, behind its token.
func TestBinaryServesEachTransport(t *testing.T) {
	be := startBackend(t, nil)
	for _, tc := range clientKinds {
		t.Run(string(tc.kind), func(t *testing.T) {
			p := startProcess(t, be, "binary-token-1234", "--transport", string(tc.transport))
			if _, err := connect(t, tc.kind, p.Base, map[string]string{"Authorization": "Bearer wrong"}, nil); err == nil {
				t.Fatal("connected with a wrong token")
			}
			c := mustConnect(t, tc.kind, p.Base, map[string]string{"Authorization": "Bearer binary-token-1234"})
			if n, want := len(testbin.ToolNames(t, c)), catalogSize(t); n != want {
				t.Fatalf("tools/list has %d tools, want %d", n, want)
			}
			prod := workspaceIDs(t, c)["Acme Production"]
			if got := callText(t, c, "get_workspace", map[string]any{"workspace_id": prod}); !strings.Contains(got, "Acme Production") {
				t.Fatalf("get_workspace returned %q", got)
			}
		})
	}
}

// alternating sends each request to the next of several replicas in turn,
// as a round-robin load balancer without stickiness would.
type alternating struct {
	next   atomic.Uint64
	hosts  []string
	served []atomic.Int64
}

func (a *alternating) RoundTrip(r *http.Request) (*http.Response, error) {
	i := int(a.next.Add(1)-1) % len(a.hosts)
	a.served[i].Add(1)
	out := r.Clone(r.Context())
	out.URL.Host, out.Host = a.hosts[i], a.hosts[i]
	return http.DefaultTransport.RoundTrip(out)
}

// Stateless streamable HTTP: one client whose consecutive requests land on
// two different server processes works as if there were one, with the
// initialize handshake and with the sessionless protocol alike.
func TestCrossReplica(t *testing.T) {
	be := startBackend(t, nil)
	a := startProcess(t, be, "replica-token-99", "--transport", "http")
	b := startProcess(t, be, "replica-token-99", "--transport", "http")
	for _, kind := range []clientKind{streamableLegacy, streamableModern} {
		t.Run(string(kind), func(t *testing.T) {
			lb := &alternating{hosts: []string{hostOf(a.Base), hostOf(b.Base)}, served: make([]atomic.Int64, 2)}
			c, err := connect(t, kind, a.Base, map[string]string{"Authorization": "Bearer replica-token-99"}, &http.Client{Transport: lb})
			if err != nil {
				t.Fatalf("initialize across replicas: %v", err)
			}
			if n, want := len(testbin.ToolNames(t, c)), catalogSize(t); n != want {
				t.Fatalf("tools/list across replicas has %d tools, want %d", n, want)
			}
			ids := workspaceIDs(t, c)
			created := fmt.Sprintf("Replicated_%d", time.Now().UnixNano()%1_000_000)
			callText(t, c, "create_workspace", map[string]any{"name": created})
			for i := range 10 {
				if got := callText(t, c, "get_workspace", map[string]any{"workspace_id": ids["Acme Production"]}); !strings.Contains(got, "Acme Production") {
					t.Fatalf("call %d returned %q", i, got)
				}
			}
			if _, ok := workspaceIDs(t, c)[created]; !ok {
				t.Fatal("a workspace created through one replica is not listed through the other")
			}
			sa, sb := lb.served[0].Load(), lb.served[1].Load()
			if sa < 7 || sb < 7 || sa-sb > 1 || sb-sa > 1 {
				t.Fatalf("requests per replica %d and %d: the client did not alternate", sa, sb)
			}
		})
	}
}

func hostOf(base string) string { return base[strings.Index(base, "://")+3:] }

// gate holds requests to one path at the backend until released, to keep a
// tool call in flight for as long as a test needs.
type gate struct {
	path    string
	arrived chan struct{}
	release chan struct{}
}

func newGate(path string) *gate {
	return &gate{path: path, arrived: make(chan struct{}, 8), release: make(chan struct{})}
}

func (g *gate) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, g.path) {
			g.arrived <- struct{}{}
			select {
			case <-g.release:
			case <-r.Context().Done():
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// SIGTERM to the real binary: it stops accepting, lets the call in flight
// finish and answer, and exits 0; past --shutdown-timeout it cuts the call
// off and exits non-zero.
func TestBinaryGracefulShutdownOnSIGTERM(t *testing.T) {
	for _, tc := range clientKinds {
		if tc.kind == streamableLegacy {
			continue // same server path as the modern client
		}
		for _, bounded := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/bound-exceeded=%v", tc.kind, bounded), func(t *testing.T) {
				g := newGate("/rules")
				be := startBackend(t, g.wrap)
				timeout := "20s"
				if bounded {
					timeout = "300ms"
				}
				p := startProcess(t, be, "", "--transport", string(tc.transport), "--shutdown-timeout", timeout)
				c := mustConnect(t, tc.kind, p.Base, nil)
				out := make(chan callOutcome, 1)
				go func() {
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					defer cancel()
					res, err := callTool(ctx, c, "list_rules", map[string]any{})
					out <- callOutcome{res, err}
				}()
				select {
				case <-g.arrived:
				case <-time.After(10 * time.Second):
					t.Fatal("the call never reached the backend")
				}

				if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
				if bounded {
					if code := p.ExitCode(t, 10*time.Second); code == 0 {
						t.Fatal("exit status 0 although an in-flight call was cut off")
					}
					// The client must not see success; mcp-go's SSE client
					// never fails a call whose stream died, so silence counts.
					select {
					case o := <-out:
						if o.err == nil && !o.res.IsError {
							t.Fatal("the cut-off call reported success")
						}
					case <-time.After(2 * time.Second):
					}
					return
				}
				poll.Until(t, "the listener to close", func() bool { return dialRefused(p.Base) })
				select {
				case <-p.Exited:
					t.Fatalf("exited while a call was in flight:\n%s", p.Stderr)
				default:
				}
				close(g.release)
				o := <-out
				if o.err != nil || o.res.IsError {
					t.Fatalf("in-flight call during shutdown: %v %s", o.err, resultText(o.res))
				}
				if !strings.Contains(resultText(o.res), "rule") {
					t.Fatalf("in-flight call returned %q", resultText(o.res))
				}
				if code := p.ExitCode(t, 10*time.Second); code != 0 {
					t.Fatalf("exit status %d after a clean drain:\n%s", code, p.Stderr)
				}
			})
		}
	}
}

// A prompts/get with a missing or invalid argument is the client's error:
// over every transport the real binary answers -32602 naming the argument
// and the rule, and renders nothing; valid arguments render the prompt.
func TestBinaryRefusesInvalidPromptArguments(t *testing.T) {
	be := startBackend(t, nil)
	for _, tc := range clientKinds {
		t.Run(string(tc.kind), func(t *testing.T) {
			p := startProcess(t, be, "prompt-token-1234", "--transport", string(tc.transport))
			c := mustConnect(t, tc.kind, p.Base, map[string]string{"Authorization": "Bearer prompt-token-1234"})
			get := func(name string, args map[string]string) (*mcp.GetPromptResult, error) {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				req := mcp.GetPromptRequest{}
				req.Params.Name, req.Params.Arguments = name, args
				return c.GetPrompt(ctx, req)
			}
			for _, bad := range []struct {
				prompt string
				args   map[string]string
				want   string
			}{
				{"debug_failed_deliveries", nil, "workspace_id is required"},
				{"debug_failed_deliveries", map[string]string{"workspace_id": "acme"}, `workspace_id must be a UUID`},
				{"provision_tenant", map[string]string{"name": "Acme!"}, "name must match"},
				{"provision_tenant", map[string]string{"name": "Acme", "workspace": "Acme"}, "workspace is not an argument of provision_tenant"},
			} {
				res, err := get(bad.prompt, bad.args)
				if !errors.Is(err, mcp.ErrInvalidParams) || !strings.Contains(err.Error(), bad.want) {
					t.Errorf("%s %v: want -32602 saying %q, got %v (result %v)", bad.prompt, bad.args, bad.want, err, res)
				}
			}
			res, err := get("provision_tenant", map[string]string{"name": "Acme Corp", "integration": "hubspot"})
			if err != nil {
				t.Fatalf("valid arguments: %v", err)
			}
			text := res.Messages[0].Content.(mcp.TextContent).Text
			if !strings.Contains(text, `"Acme Corp"`) || !strings.Contains(text, `connect: "oauth"`) {
				t.Errorf("provisioning prompt = %q", text)
			}
		})
	}
}

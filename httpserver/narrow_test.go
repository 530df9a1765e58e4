package httpserver

import (
	"net/http"
	"slices"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// headerTripper adds header lines to the requests a client sends: every
// request, or only the GET that opens an SSE stream.
type headerTripper struct {
	lines      [][2]string
	onlyStream bool
}

func (h headerTripper) RoundTrip(r *http.Request) (*http.Response, error) {
	if !h.onlyStream || r.Method == http.MethodGet {
		r = r.Clone(r.Context())
		for _, l := range h.lines {
			r.Header.Add(l[0], l[1])
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// Two lines of one narrowing header each restrict: the agent gets what both
// allow, never what either allows.
func TestRepeatedNarrowingHeaderLinesIntersect(t *testing.T) {
	for _, tc := range clientKinds {
		t.Run(string(tc.kind), func(t *testing.T) {
			r := serve(t, catalogServer(t, tools.Policy{}), Config{Transport: tc.transport})
			ref := serve(t, catalogServer(t, tools.Policy{Toolsets: []string{"rules"}}), Config{Transport: tc.transport})
			want := testbin.ToolNames(t, mustConnect(t, tc.kind, ref.base, nil))
			c, err := connect(t, tc.kind, r.base, nil, &http.Client{Transport: headerTripper{lines: [][2]string{
				{HeaderToolsets, "rules"}, {HeaderToolsets, "rules, events"}}}})
			if err != nil {
				t.Fatal(err)
			}
			if got := testbin.ToolNames(t, c); !slices.Equal(got, want) {
				t.Fatalf("toolsets rules + rules,events listed %v, want only the rules tools %v", got, want)
			}

			ids := workspaceIDs(t, mustConnect(t, tc.kind, r.base, nil))
			c, err = connect(t, tc.kind, r.base, nil, &http.Client{Transport: headerTripper{lines: [][2]string{
				{HeaderWorkspaces, ids["Acme Production"]}, {HeaderWorkspaces, ids["Acme Staging"]}}}})
			if err != nil {
				t.Fatal(err)
			}
			if got := workspaceIDs(t, c); len(got) != 0 {
				t.Fatalf("two disjoint workspace lines allowed %v, want nothing", got)
			}
		})
	}
}

// On SSE, the narrowing headers of the stream bind every message posted to
// it, whatever headers (none here) the posts carry.
func TestSSEStreamHeadersBindItsMessages(t *testing.T) {
	r := serve(t, catalogServer(t, tools.Policy{}), Config{Transport: TransportSSE})
	ids := workspaceIDs(t, mustConnect(t, legacySSE, r.base, nil))
	c, err := connect(t, legacySSE, r.base, nil, &http.Client{Transport: headerTripper{onlyStream: true, lines: [][2]string{
		{HeaderReadOnly, "true"}, {HeaderWorkspaces, ids["Acme Staging"]}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := workspaceIDs(t, c); len(got) != 1 || got["Acme Staging"] == "" {
		t.Fatalf("stream confined to Acme Staging listed %v", got)
	}
	assertRefused(t, c, "create_workspace", map[string]any{"name": "nope"})
}

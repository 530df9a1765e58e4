package httpserver

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/tools"
)

var exactIDCases = []struct{ name, id, method, params string }{
	{"integer beyond 2^53", "9007199254740993", "ping", `{}`},
	{"integer beyond int64", "123456789012345678901234", "tools/call", `{"name":"list_workspaces","arguments":{}}`},
	{"too deep, id after params", "77", "tools/call", `{"name":"list_workspaces","arguments":{"x":` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `}}`},
}

// postHeaders are what a 2025-11-25 client sends to the stateless endpoint.
var postHeaders = map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-11-25"}

// Over streamable HTTP the response carries the id exactly as sent, even
// where mcp-go's float64 decoding or its nesting limit would lose it.
func TestStreamableHTTPEchoesIDsExactly(t *testing.T) {
	r := serve(t, catalogServer(t, tools.Policy{}), Config{Transport: TransportHTTP})
	for _, tc := range exactIDCases {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"jsonrpc":"2.0","method":"` + tc.method + `","params":` + tc.params + `,"id":` + tc.id + `}`
			_, _, got := rawRequest(t, http.MethodPost, r.base+"/mcp", postHeaders, strings.NewReader(body))
			if !strings.Contains(got, `"id":`+tc.id+`,`) && !strings.Contains(got, `"id":`+tc.id+`}`) {
				t.Fatalf("response %.300s does not carry id %s", got, tc.id)
			}
		})
	}
}

// Over SSE the response arrives on the stream with the id exactly as sent;
// a too-deep message is answered on its POST with its id.
func TestSSEEchoesIDsExactly(t *testing.T) {
	r := serve(t, catalogServer(t, tools.Policy{}), Config{Transport: TransportSSE})
	resp, err := http.Get(r.base + "/sse")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				events <- data
			}
		}
		close(events)
	}()
	endpoint := <-events
	post := func(body string) (int, string) {
		code, _, text := rawRequest(t, http.MethodPost, r.base+endpoint, map[string]string{"Content-Type": "application/json"}, strings.NewReader(body))
		return code, text
	}
	post(`{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"0"}}}`)
	for _, tc := range exactIDCases {
		t.Run(tc.name, func(t *testing.T) {
			code, text := post(`{"jsonrpc":"2.0","method":"` + tc.method + `","params":` + tc.params + `,"id":` + tc.id + `}`)
			if code == http.StatusBadRequest {
				if !strings.Contains(text, `"id":`+tc.id+`,`) {
					t.Fatalf("refused post %.300s does not carry id %s", text, tc.id)
				}
				return
			}
			timeout := time.After(10 * time.Second)
			for {
				select {
				case ev := <-events:
					if strings.Contains(ev, `"id":`+tc.id+`,`) || strings.Contains(ev, `"id":`+tc.id+`}`) {
						return
					}
				case <-timeout:
					t.Fatalf("no event carries id %s", tc.id)
				}
			}
		})
	}
}

package httpserver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/meshes-mcp/meshes-mcp/tools"
)

// bodyServer serves limitBody with lim in front of next on loopback.
func bodyServer(t *testing.T, lim bodyLimits, next http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(limitBody(lim, next))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String()
}

// A body that trickles in is cut off at the body deadline with 408 instead
// of holding its connection and buffer for as long as the client likes.
func TestSlowBodyTimesOut(t *testing.T) {
	addr := bodyServer(t, bodyLimits{max: 1 << 20, timeout: 300 * time.Millisecond, budget: newByteBudget(8 << 20)},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("a handler ran for an unfinished body") }))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"jsonrpc\"")
	_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("stalled body answered %d, want 408", resp.StatusCode)
	}
}

// Large bodies in flight share one byte budget: past it a request is
// refused with 503 before its body is read, while small ones still pass.
func TestBodyBytesInFlightAreBounded(t *testing.T) {
	entered, release := make(chan struct{}, 4), make(chan struct{})
	addr := bodyServer(t, bodyLimits{max: 1 << 20, timeout: 10 * time.Second, budget: newByteBudget(1 << 20)},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > smallBody {
				entered <- struct{}{}
				<-release
			}
		}))
	url := "http://" + addr + "/mcp"
	big := strings.Repeat("x", 700<<10)
	first := make(chan int, 1)
	go func() {
		resp, err := http.Post(url, "application/json", strings.NewReader(big))
		if err != nil {
			first <- 0
			return
		}
		resp.Body.Close()
		first <- resp.StatusCode
	}()
	<-entered
	resp, err := http.Post(url, "application/json", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(msg), "retry") {
		t.Fatalf("second large body: %d %q, want 503 with Retry-After", resp.StatusCode, msg)
	}
	resp, err = http.Post(url, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"ping"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("a small body was refused while the budget was spent: %v %v", resp, err)
	}
	resp.Body.Close()
	close(release)
	if code := <-first; code != http.StatusOK {
		t.Fatalf("first large body: %d", code)
	}
	// The budget is given back: the same large body passes now.
	go func() { <-entered }()
	resp, err = http.Post(url, "application/json", strings.NewReader(big))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("budget not returned: %v %v", resp, err)
	}
	resp.Body.Close()
}

// A send_events call over the event cap is refused from the raw body, before
// anything decodes its events; one at the cap goes on to the tool.
func TestOversizedBatchRefusedBeforeDecoding(t *testing.T) {
	reached := 0
	addr := bodyServer(t, bodyLimits{max: 4 << 20, timeout: 10 * time.Second, budget: newByteBudget(16 << 20)},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached++ }))
	// mcp-go reads member names in any letter case and strings with escapes,
	// so each spelling below is the same call to it, and must be to the check.
	for _, call := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_events","arguments":{"events":[%s]}}}`,
		`{"jsonrpc":"2.0","id":1,"Method":"tools/call","PARAMS":{"Name":"send_events","Arguments":{"EVENTS":[%s]}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools\/call","params":{"name":"send\u005fevents","arguments":{"events":[%s]}}}`,
	} {
		reached = 0
		for n, want := range map[int]int{tools.DefaultMaxEvents + 1: http.StatusRequestEntityTooLarge, tools.DefaultMaxEvents: http.StatusOK} {
			body := fmt.Sprintf(call, strings.TrimSuffix(strings.Repeat(`{"event":"e"},`, n), ","))
			resp, err := http.Post("http://"+addr+"/mcp", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			msg, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want || want != http.StatusOK && !strings.Contains(string(msg), fmt.Sprintf("got %d events", n)) {
				t.Errorf("%.60s… with %d events: %d %q, want %d", call, n, resp.StatusCode, msg, want)
			}
		}
		if reached != 1 {
			t.Errorf("%.60s…: the handler saw %d requests, want only the one at the cap", call, reached)
		}
	}
}

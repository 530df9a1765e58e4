package testbin

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// HTTPServer is a meshes-mcp process serving an HTTP transport.
type HTTPServer struct {
	Cmd *exec.Cmd
	// Base is where it listens, such as http://127.0.0.1:41234, without
	// the transport's path.
	Base   string
	Stderr *SyncBuffer
	// Exited is closed once the process has exited and its stderr is all
	// in Stderr; Err then holds Wait's result.
	Exited chan struct{}
	Err    error
}

// listeningURL finds the address in the server's start-up log line, which
// is the only way to learn the port of --addr 127.0.0.1:0.
var listeningURL = regexp.MustCompile(`msg="serving MCP over HTTP".* url=(\S+)`)

// StartHTTP runs bin with args and env (the child's whole environment) and
// waits until it logs where it listens. Cleanup stops it if the test did
// not; args must choose an HTTP transport and an address.
func StartHTTP(tb testing.TB, bin string, env []string, args ...string) *HTTPServer {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.SysProcAttr = ChildAttrs()
	pipe, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	s := &HTTPServer{Cmd: cmd, Stderr: &SyncBuffer{}, Exited: make(chan struct{})}
	found := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(s.Stderr, line)
			if m := listeningURL.FindStringSubmatch(line); m != nil {
				found <- strings.TrimSuffix(strings.TrimSuffix(m[1], "/mcp"), "/sse")
			}
		}
		_, _ = io.Copy(io.Discard, pipe)
	}()
	go func() {
		<-copied
		s.Err = cmd.Wait()
		close(s.Exited)
	}()
	tb.Cleanup(s.Stop)
	select {
	case s.Base = <-found:
	case <-s.Exited:
		tb.Fatalf("meshes-mcp exited before listening (%v):\n%s", s.Err, s.Stderr)
	case <-time.After(60 * time.Second):
		tb.Fatalf("meshes-mcp did not start listening:\n%s", s.Stderr)
	}
	return s
}

// Stop kills the process unless it has exited, and waits until it has.
func (s *HTTPServer) Stop() {
	select {
	case <-s.Exited:
	default:
		_ = s.Cmd.Process.Kill()
		<-s.Exited
	}
}

// ExitCode returns the process's exit status, failing the test if it has
// not exited within d.
func (s *HTTPServer) ExitCode(tb testing.TB, d time.Duration) int {
	tb.Helper()
	select {
	case <-s.Exited:
	case <-time.After(d):
		tb.Fatalf("meshes-mcp did not exit within %v:\n%s", d, s.Stderr)
	}
	if s.Err == nil {
		return 0
	}
	if ee, ok := s.Err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	tb.Fatalf("waiting for meshes-mcp: %v", s.Err)
	return -1
}

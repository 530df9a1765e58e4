package stress

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/testbin"
)

// bench/sendref does send_events' work without MCP or JSON-RPC: the
// reference BenchmarkSendEvents10k measures the server against.

// sendrefBinary builds bench/sendref once per test process, as the server
// binary is built, and returns its path.
func sendrefBinary(tb testing.TB) string {
	tb.Helper()
	bin, err := testbin.BuildPackage("github.com/meshes-mcp/meshes-mcp/bench/sendref", false)
	if err != nil {
		tb.Fatal(err)
	}
	return bin
}

// refProc is a running sendref: one arguments object per line in, one
// counts line out.
type refProc struct {
	t      testing.TB
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr *testbin.SyncBuffer
}

// startRef runs sendref with env and waits until it has answered a call
// without events, so that its memory can be read at rest.
func startRef(t testing.TB, bin string, env []string) *refProc {
	t.Helper()
	cmd := exec.Command(bin)
	cmd.Env = env
	cmd.SysProcAttr = testbin.ChildAttrs()
	r := &refProc{t: t, cmd: cmd, stderr: &testbin.SyncBuffer{}}
	cmd.Stderr = r.stderr
	var err error
	if r.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r.stdout = bufio.NewReader(stdout)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	if total, _ := r.call([]byte(`{"events":[]}` + "\n")); total != 0 {
		t.Fatalf("sendref counted %d events in a call without any", total)
	}
	return r
}

// call writes one arguments line and reads the counts it answers.
func (r *refProc) call(line []byte) (total, accepted int) {
	r.t.Helper()
	if _, err := r.stdin.Write(line); err != nil {
		r.t.Fatalf("writing to sendref: %v (stderr: %s)", err, tail(r.stderr.String()))
	}
	answer, err := r.stdout.ReadBytes('\n')
	var out struct{ Total, Accepted int }
	if err != nil || json.Unmarshal(answer, &out) != nil {
		r.t.Fatalf("sendref answered %q (%v); stderr:\n%s", answer, err, tail(r.stderr.String()))
	}
	return out.Total, out.Accepted
}

// memory reads VmRSS and VmHWM (peak RSS) of the process in KiB.
func (r *refProc) memory() (rss, hwm int) {
	r.t.Helper()
	return memoryOf(r.t, r.cmd.Process.Pid)
}

// close ends sendref by closing its input, and fails unless it exits 0.
func (r *refProc) close() {
	r.t.Helper()
	_ = r.stdin.Close()
	if err := r.cmd.Wait(); err != nil {
		r.t.Fatal(fmt.Errorf("sendref: %w; stderr:\n%s", err, tail(r.stderr.String())))
	}
}

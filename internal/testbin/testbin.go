// Package testbin serves the end-to-end test packages (e2e, httpserver,
// stress) that drive the real meshes-mcp binary: one place builds it,
// starts it serving HTTP, and collects a process's output safely.
package testbin

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// mainPackage is built by import path, so the build works from whichever
// package directory `go test` runs in.
const mainPackage = "github.com/meshes-mcp/meshes-mcp"

var builds struct {
	sync.Mutex
	dir  string
	bins map[build]string
}

type build struct {
	pkg  string
	race bool
}

// Build compiles the server once per flavour (plain or race-enabled) per
// test process and returns the binary's path. A race-enabled binary makes
// data races in tool handlers fail the test that provoked them.
func Build(race bool) (string, error) { return BuildPackage(mainPackage, race) }

// BuildPackage compiles the main package pkg (an import path) once per
// flavour per test process, as Build does the server: reference programs
// a benchmark measures the server against are built the same way.
func BuildPackage(pkg string, race bool) (string, error) {
	builds.Lock()
	defer builds.Unlock()
	key := build{pkg, race}
	if bin, ok := builds.bins[key]; ok {
		return bin, nil
	}
	if builds.dir == "" {
		dir, err := os.MkdirTemp("", "meshes-mcp-bin-")
		if err != nil {
			return "", err
		}
		builds.dir, builds.bins = dir, map[build]string{}
	}
	bin := filepath.Join(builds.dir, strings.ReplaceAll(pkg, "/", "_"))
	args := []string{"build", "-o"}
	if race {
		bin += "-race"
		args = []string{"build", "-race", "-o"}
	}
	out, err := exec.Command("go", append(args, bin, pkg)...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	builds.bins[key] = bin
	return bin, nil
}

// Binary is Build for a test or benchmark, which it fails if the build does.
//
// Under -short (the fast inner loop) the test is skipped instead: building
// and driving the real binary is what makes a run slow, and CI runs it.
func Binary(tb testing.TB, race bool) string {
	tb.Helper()
	if testing.Short() {
		tb.Skip("builds and drives the real meshes-mcp binary; skipped under -short")
	}
	bin, err := Build(race)
	if err != nil {
		tb.Fatal(err)
	}
	return bin
}

// Cleanup removes every binary Build made; call it from TestMain after m.Run.
func Cleanup() {
	builds.Lock()
	defer builds.Unlock()
	if builds.dir != "" {
		_ = os.RemoveAll(builds.dir)
		builds.dir, builds.bins = "", nil
	}
}

// SyncBuffer is an io.Writer safe for concurrent writers, such as the
// goroutines copying a child process's stderr while a test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

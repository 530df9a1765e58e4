package main

import (
	"os/exec"
	"strings"
	"testing"
)

// assertNotLinked fails for every package the server binary links whose
// import path contains one of banned.
func assertNotLinked(t *testing.T, banned ...string) {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, b := range banned {
			if strings.Contains(pkg, b) {
				t.Errorf("the binary links %s", pkg)
			}
		}
	}
}

// The server serves schemas generated ahead of time; reflecting them is the
// generator's job (schemas/reflectschema). Linking reflection into the
// binary would cost every start its package initialisation and the binary
// its size, for code the server never runs.
func TestBinaryLinksNoSchemaReflection(t *testing.T) {
	assertNotLinked(t, "github.com/invopop/jsonschema", "go.yaml.in/yaml", "/schemas/reflectschema")
}

// Package metrics writes the Prometheus text format itself: client_golang's
// package initialisation, with the protobuf, runtime/metrics and procfs it
// pulls in, cost every start (stdio included) about 2 million instructions
// and 6 ms of CPU for /metrics, which only the HTTP transport serves. The
// official parser stays a test-only import of the metrics tests.
func TestBinaryLinksNoPrometheusClient(t *testing.T) {
	assertNotLinked(t, "github.com/prometheus/", "google.golang.org/protobuf/", "runtime/metrics")
}

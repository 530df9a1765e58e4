// Package hostcost measures what our tools/list costs a host built on the
// MCP TypeScript SDK: one compiled AJV validator per output schema. It needs
// node and `npm ci` in this directory; without node_modules it skips, so CI
// does not depend on it.
package hostcost

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

// catalog is the tools/list the server sends, kept current by the snapshot
// test of package tools.
const catalog = "../../tools/testdata/tools.snapshot.json"

// BenchmarkHostValidatorBuild reports the median CPU ms of a host's
// validator build for our tools/list (catalog), each in a fresh node
// process, next to references measured in the same run: each output
// schema cut to {"type": "object"} and its top-level required names, no
// field types (required: what a schema costs once it gives up its fields'
// types), every output schema replaced by {"type":"object"} (trivial, the
// least a schema can cost) and no output schemas at all (none, the AJV
// instance alone). HOSTCOST_COMPARE=file adds another tools array, e.g. an
// older snapshot, and the ratio to it (x-compare). Each iteration builds
// every variant once, in turn, so that the machine's load drifts over all
// of them alike and the ratios hold.
//
//	go test -run '^$' -bench HostValidatorBuild -benchtime 11x ./bench/hostcost/
func BenchmarkHostValidatorBuild(b *testing.B) {
	if _, err := os.Stat("node_modules/@modelcontextprotocol/sdk"); err != nil {
		b.Skip("run `npm ci` in bench/hostcost first")
	}
	tools := readTools(b, catalog)
	variants := []struct{ name, file string }{
		{"catalog", catalog},
		{"required", writeTools(b, "required.json", withOutput(tools, requiredOnly))},
		{"trivial", writeTools(b, "trivial.json", withOutput(tools, func(map[string]any) map[string]any {
			return map[string]any{"type": "object"}
		}))},
		{"none", writeTools(b, "none.json", withOutput(tools, func(map[string]any) map[string]any { return nil }))},
	}
	if f := os.Getenv("HOSTCOST_COMPARE"); f != "" {
		variants = append(variants, struct{ name, file string }{"compare", f})
	}
	cpu := make([][]float64, len(variants))
	bytes := make([]int, len(variants))
	for range b.N {
		for i, v := range variants {
			ms, n := measure(b, v.file)
			cpu[i], bytes[i] = append(cpu[i], ms), n
		}
	}
	medians := map[string]float64{}
	for i, v := range variants {
		slices.Sort(cpu[i])
		medians[v.name] = cpu[i][len(cpu[i])/2]
		b.ReportMetric(medians[v.name], v.name+"-cpu-ms")
		b.ReportMetric(float64(bytes[i]), v.name+"-bytes")
	}
	if c, ok := medians["compare"]; ok {
		b.ReportMetric(medians["catalog"]/c, "x-compare")
	}
}

// measure runs one fresh validator build of the tools in file and returns
// its CPU ms and the bytes of the output schemas it compiled.
func measure(b *testing.B, file string) (cpuMs float64, schemaBytes int) {
	out, err := exec.Command("node", "measure.mjs", file).Output()
	if err != nil {
		b.Fatalf("node measure.mjs %s: %v", file, err)
	}
	var r struct {
		OutputSchemaBytes int
		CPUMs             float64
	}
	if err := json.Unmarshal(out, &r); err != nil {
		b.Fatalf("node measure.mjs: %v: %s", err, out)
	}
	return r.CPUMs, r.OutputSchemaBytes
}

func readTools(b *testing.B, file string) []map[string]any {
	raw, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	var tools []map[string]any
	if err := json.Unmarshal(raw, &tools); err != nil {
		b.Fatal(err)
	}
	return tools
}

// withOutput returns the tools with every output schema replaced by what
// replace makes of it (nil drops it).
func withOutput(tools []map[string]any, replace func(schema map[string]any) map[string]any) []map[string]any {
	out := make([]map[string]any, len(tools))
	for i, t := range tools {
		c := map[string]any{"name": t["name"]}
		schema, _ := t["outputSchema"].(map[string]any)
		if r := replace(schema); r != nil {
			c["outputSchema"] = r
		}
		out[i] = c
	}
	return out
}

// requiredOnly keeps of an output schema its top-level required names.
func requiredOnly(schema map[string]any) map[string]any {
	r := map[string]any{"type": "object"}
	if req, ok := schema["required"]; ok {
		r["required"] = req
	}
	return r
}

func writeTools(b *testing.B, name string, tools []map[string]any) string {
	raw, err := json.Marshal(tools)
	if err != nil {
		b.Fatal(err)
	}
	file := filepath.Join(b.TempDir(), name)
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		b.Fatal(err)
	}
	return file
}

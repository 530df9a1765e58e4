package stress

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// sizeBaseline is the checked-in, reviewed size of each tool's
// model-facing part (name, title, description and input schema), which
// tools' TestToolListSize ratchets; UPDATE_SNAPSHOTS=1 go test ./tools/
// rewrites it.
const sizeBaseline = "../tools/testdata/size_baseline.json"

// TestToolsListSize measures tools/list as the binary sends it: the whole
// result, the model-facing part, and both per toolset, and holds each
// tool's model-facing part to its baseline, so that what the binary serves
// is what was reviewed. The figures are logged (-v) for BENCHMARKS.md.
func TestToolsListSize(t *testing.T) {
	s := teststack.Start(t, teststack.Options{})
	p := start(t, binary(t), childEnv(t, s))
	p.initialize()
	m := p.request("tools/list", map[string]any{})
	p.close()
	if m.Error != nil {
		t.Fatal(m.Error)
	}
	var list struct {
		Tools []map[string]json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(m.Result, &list); err != nil {
		t.Fatal(err)
	}
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(sizeBaseline)
	if err != nil {
		t.Fatal(err)
	}
	var baseline struct {
		Tools map[string]struct {
			Bytes int `json:"bytes"`
		} `json:"tools"`
	}
	if err := json.Unmarshal(raw, &baseline); err != nil {
		t.Fatalf("%s: %v", sizeBaseline, err)
	}
	toolset := map[string]string{}
	for _, tool := range cat.All() {
		toolset[tool.Name] = tool.Toolset
	}
	type size struct{ tools, whole, model int }
	sets := map[string]*size{}
	var total size
	for _, tool := range list.Tools {
		var name string
		_ = json.Unmarshal(tool["name"], &name)
		whole, _ := json.Marshal(tool)
		model, _ := json.Marshal(map[string]json.RawMessage{
			"name": tool["name"], "title": tool["title"], "description": tool["description"], "inputSchema": tool["inputSchema"]})
		if limit, ok := baseline.Tools[name]; !ok || len(model) > limit.Bytes {
			t.Errorf("the binary serves %s with %d model-facing bytes, over its baseline in %s (%d); run UPDATE_SNAPSHOTS=1 go test ./tools/ and review", name, len(model), sizeBaseline, limit.Bytes)
		}
		set := toolset[name]
		if set == "" {
			t.Errorf("tools/list has %s, which the catalog does not know", name)
		}
		if sets[set] == nil {
			sets[set] = &size{}
		}
		sets[set].tools++
		sets[set].whole += len(whole)
		sets[set].model += len(model)
		total.tools++
		total.whole += len(whole)
		total.model += len(model)
	}
	if total.tools != len(cat.All()) {
		t.Errorf("tools/list has %d tools, the catalog %d", total.tools, len(cat.All()))
	}
	t.Logf("tools/list result: %d bytes on the wire (%d tools)", len(m.Result), total.tools)
	t.Logf("%-12s %5s %12s %12s", "toolset", "tools", "whole B", "model B")
	for _, name := range tools.Toolsets() {
		if sz := sets[name]; sz != nil {
			t.Logf("%-12s %5d %12d %12d", name, sz.tools, sz.whole, sz.model)
		}
	}
	t.Logf("%-12s %5d %12d %12d", "all", total.tools, total.whole, total.model)
}

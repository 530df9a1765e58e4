package stress

import (
	"encoding/json"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/teststack"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// modelFacingBudget is the most the full catalog may cost a model's context
// per session: name, title, description and input schema of every tool. The
// official Meshes MCP server spends 21.5 KB.
const modelFacingBudget = 15_000

// TestToolsListSize measures tools/list as the binary sends it: the whole
// result, the model-facing part, and both per toolset, and holds the full
// catalog's model-facing part to its budget. The figures are logged (-v)
// for BENCHMARKS.md.
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
	if total.model > modelFacingBudget {
		t.Errorf("model-facing tools/list is %d bytes, over the %d-byte budget", total.model, modelFacingBudget)
	}
}

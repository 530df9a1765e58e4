package tools

import (
	"encoding/json"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// modelFacingBudget is the most the model-facing part of tools/list (name,
// title, description, input schema of every tool) may weigh. The official
// TypeScript server's is 21.5 KB; every byte is in every conversation.
const modelFacingBudget = 15_000

// modelFacingBytes is the compact JSON size of the parts of a tool a model
// reads on every turn.
func modelFacingBytes(tools []Tool) int {
	n := 0
	for _, tool := range tools {
		b, _ := json.Marshal(struct {
			Name        string          `json:"name"`
			Title       string          `json:"title"`
			Description string          `json:"description"`
			InputSchema json.RawMessage `json:"inputSchema"`
		}{tool.Name, tool.Title, tool.Description, tool.Definition.RawInputSchema})
		n += len(b)
	}
	return n
}

func TestToolListSize(t *testing.T) {
	c := newTestCatalog(t, Options{})
	all := c.All()
	defs := make([]mcp.Tool, 0, len(all))
	for _, tool := range all {
		defs = append(defs, tool.Definition)
	}
	whole, err := json.Marshal(mcp.ListToolsResult{Tools: defs})
	if err != nil {
		t.Fatal(err)
	}
	model := modelFacingBytes(all)
	t.Logf("%d tools: tools/list %d bytes, model-facing %d bytes", len(all), len(whole), model)
	for _, ts := range Toolsets() {
		var in []Tool
		for _, tool := range all {
			if tool.Toolset == ts {
				in = append(in, tool)
			}
		}
		t.Logf("  %-12s %2d tools, model-facing %5d bytes", ts, len(in), modelFacingBytes(in))
	}
	if model > modelFacingBudget {
		t.Errorf("model-facing tools/list is %d bytes, over the %d budget: shorten descriptions or drop redundant schema keywords", model, modelFacingBudget)
	}
}

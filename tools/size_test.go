package tools

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
)

// Every byte of the model-facing part of tools/list (name, title,
// description and input schema of every tool) is in every conversation.
// Its size is ratcheted rather than walled: testdata/size_baseline.json
// holds each tool's bytes and estimated tokens, a tool may not grow beyond
// its entry, and growing one is a reviewed diff of that file. The official
// TypeScript server spends 21.5 KB.
const sizeBaselinePath = "testdata/size_baseline.json"

// toolSize is what one tool, or the whole list, costs a model.
type toolSize struct {
	Bytes  int `json:"bytes"`
	Tokens int `json:"tokens"`
}

// sizeBaseline is the checked-in file.
type sizeBaseline struct {
	Note  string              `json:"note"`
	Total toolSize            `json:"total"`
	Tools map[string]toolSize `json:"tools"`
}

// modelFacing is the compact JSON of the parts of a tool a model reads on
// every turn.
func modelFacing(tool Tool) []byte {
	b, _ := json.Marshal(struct {
		Name        string          `json:"name"`
		Title       string          `json:"title"`
		Description string          `json:"description"`
		InputSchema json.RawMessage `json:"inputSchema"`
	}{tool.Name, tool.Title, tool.Description, tool.Definition.RawInputSchema})
	return b
}

// o200kPieces approximates the pre-tokenisation of OpenAI's o200k_base
// encoding (tiktoken's regex, which splits text into pieces before BPE
// merges them): words with at most one leading non-letter, digit runs of up
// to three, punctuation runs, whitespace. RE2 has no lookahead, so
// tiktoken's `\s+(?!\S)` alternative is left out; compact JSON has little
// whitespace for it to matter.
var o200kPieces = regexp.MustCompile(`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?` +
	`|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?` +
	`|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+`)

// estimateTokens approximates the o200k token count of s without its
// 200k-entry vocabulary (which would have to be downloaded): each
// pre-tokenised piece is one token (common words and JSON punctuation are
// single entries), and a long piece, which BPE would not find whole in the
// vocabulary, one more per further 12 bytes. It is an estimate for
// comparing sizes and spotting growth, not an exact count.
func estimateTokens(s string) int {
	n := 0
	for _, piece := range o200kPieces.FindAllString(s, -1) {
		n += 1 + max(len(piece)-1, 0)/12
	}
	return n
}

func measure(tool Tool) toolSize {
	b := modelFacing(tool)
	return toolSize{Bytes: len(b), Tokens: estimateTokens(string(b))}
}

func TestEstimateTokens(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{"", 0},
		{"hello", 1},
		{"Hello world", 2},               // "Hello", " world"
		{"workspace_id", 2},              // "workspace", "_id"
		{`{"type":"string"}`, 5},         // `{"`, "type", `":"`, "string", `"}`
		{"12345", 2},                     // "123", "45"
		{"List workspaces.", 3},          // "List", " workspaces", "."
		{"abcdefghijklmnopqrstuvwxy", 3}, // one long piece: 1 + 24/12
	}
	for _, tt := range tests {
		if got := estimateTokens(tt.text); got != tt.want {
			t.Errorf("estimateTokens(%q) = %d, want %d (pieces %q)", tt.text, got, tt.want, o200kPieces.FindAllString(tt.text, -1))
		}
	}
}

// TestToolListSize holds every tool to its baseline entry; with
// UPDATE_SNAPSHOTS=1 it rewrites the baseline instead. The schemas are
// reflected, as in TestToolSnapshot, so that one run regenerates both.
func TestToolListSize(t *testing.T) {
	c := newTestCatalog(t, Options{schemaSource: reflected})
	now := sizeBaseline{
		Note:  "model-facing size of tools/list per tool; regenerate with UPDATE_SNAPSHOTS=1 go test ./tools/ (see size_test.go)",
		Tools: map[string]toolSize{},
	}
	for _, tool := range c.All() {
		s := measure(tool)
		now.Tools[tool.Name] = s
		now.Total.Bytes += s.Bytes
		now.Total.Tokens += s.Tokens
	}
	for _, ts := range Toolsets() {
		var sum toolSize
		for _, tool := range c.All() {
			if tool.Toolset == ts {
				sum.Bytes += now.Tools[tool.Name].Bytes
				sum.Tokens += now.Tools[tool.Name].Tokens
			}
		}
		t.Logf("  %-12s model-facing %5d bytes, ~%4d tokens", ts, sum.Bytes, sum.Tokens)
	}
	t.Logf("%d tools: model-facing %d bytes, ~%d tokens", len(now.Tools), now.Total.Bytes, now.Total.Tokens)

	if os.Getenv("UPDATE_SNAPSHOTS") != "" {
		b, err := json.MarshalIndent(now, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(sizeBaselinePath), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(sizeBaselinePath, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	raw, err := os.ReadFile(sizeBaselinePath)
	if err != nil {
		t.Fatalf("%v (run UPDATE_SNAPSHOTS=1 go test ./tools/ to create it)", err)
	}
	var base sizeBaseline
	if err := json.Unmarshal(raw, &base); err != nil {
		t.Fatalf("%s: %v", sizeBaselinePath, err)
	}
	const fix = "; if the growth is worth it, run UPDATE_SNAPSHOTS=1 go test ./tools/ and commit the baseline for review"
	var names []string
	for name := range now.Tools {
		names = append(names, name)
	}
	for name := range base.Tools {
		if _, ok := now.Tools[name]; !ok {
			t.Errorf("%s is in %s but not in the catalog%s", name, sizeBaselinePath, fix)
		}
	}
	slices.Sort(names)
	for _, name := range names {
		got, want := now.Tools[name], base.Tools[name]
		switch {
		case want == toolSize{}:
			t.Errorf("%s (%d bytes, ~%d tokens) has no entry in %s%s", name, got.Bytes, got.Tokens, sizeBaselinePath, fix)
		case got.Bytes > want.Bytes || got.Tokens > want.Tokens:
			t.Errorf("%s grew to %d bytes, ~%d tokens, over its baseline of %d bytes, ~%d tokens: every tool's description and schema is in every conversation%s",
				name, got.Bytes, got.Tokens, want.Bytes, want.Tokens, fix)
		case got != want:
			t.Logf("%s shrank to %d bytes, ~%d tokens (baseline %d, ~%d); UPDATE_SNAPSHOTS=1 go test ./tools/ locks the gain in", name, got.Bytes, got.Tokens, want.Bytes, want.Tokens)
		}
	}
	if t.Failed() {
		t.Logf("whole list now %d bytes, ~%d tokens; baseline %d bytes, ~%d tokens", now.Total.Bytes, now.Total.Tokens, base.Total.Bytes, base.Total.Tokens)
	}
}

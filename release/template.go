package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

// readTemplate decodes a committed JSON file (rel, under the module root)
// that a release fills in: the bundle's manifest, the registry entry.
func readTemplate(o Options, rel string) (map[string]any, error) {
	raw, err := os.ReadFile(filepath.Join(o.Root, rel))
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", rel, err)
	}
	return doc, nil
}

// indentedJSON renders a filled-in template as the release writes it:
// indented like the committed file, with URLs' & and descriptions' < and >
// left unescaped.
func indentedJSON(doc map[string]any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

package main

import (
	"fmt"
	"os"
	"path/filepath"
)

const (
	serverJSONTemplate = "packaging/registry/server.json"
	// downloadBase is where a GitHub release publishes its files; the
	// registry accepts MCPB packages only from GitHub or GitLab releases.
	downloadBase = "https://github.com/meshes-mcp/meshes-mcp/releases/download/"
)

// bundleURL is where the release's bundle will be downloaded from.
func bundleURL(o Options) string {
	return downloadBase + o.Version + "/" + bundleName
}

// writeServerJSON fills the registry template with this release's version
// and its bundle's URL and SHA-256 (which clients check before running it).
func writeServerJSON(o Options, bundleSHA256 string) (string, error) {
	doc, err := readTemplate(o, serverJSONTemplate)
	if err != nil {
		return "", err
	}
	packages, _ := doc["packages"].([]any)
	var bundle map[string]any
	for _, p := range packages {
		if pkg, ok := p.(map[string]any); ok && pkg["registryType"] == "mcpb" {
			bundle = pkg
		}
	}
	if bundle == nil {
		return "", fmt.Errorf("%s has no package with registryType mcpb", serverJSONTemplate)
	}
	doc["version"] = o.plainVersion()
	bundle["version"] = o.plainVersion()
	bundle["identifier"] = bundleURL(o)
	bundle["fileSha256"] = bundleSHA256
	data, err := indentedJSON(doc)
	if err != nil {
		return "", err
	}
	out := filepath.Join(o.Out, "server.json")
	return out, os.WriteFile(out, data, 0o644)
}

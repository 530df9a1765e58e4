package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/meshes-mcp/meshes-mcp/tools"
)

// The bundle's sources, relative to the module root.
const (
	manifestTemplate = "packaging/mcpb/manifest.json"
	linuxLauncher    = "packaging/mcpb/launch.sh"
)

// mcpbPlatform is the MCPB (Node.js process.platform) name of a GOOS.
func mcpbPlatform(goos string) string {
	if goos == "windows" {
		return "win32"
	}
	return goos
}

// bundleDir is where a target's binary sits inside the bundle, matching the
// commands in packaging/mcpb/manifest.json.
func bundleDir(t Target) string {
	arch := map[string]string{"amd64": "x64", "arm64": "arm64"}[t.GOARCH]
	return "server/" + mcpbPlatform(t.GOOS) + "-" + arch
}

// bundleName carries no version, so that the README can link the latest
// release's bundle at a fixed URL; the version is in its manifest.
const bundleName = "meshes-mcp.mcpb"

// writeBundle lays the Claude Desktop bundle out in Out/mcpb and zips it to
// Out/meshes-mcp.mcpb. A platform whose binaries were not built
// (a -host build) is left out, and the manifest's compatibility says so.
func writeBundle(o Options, bins map[Target]string) (bundle, dir string, err error) {
	dir = filepath.Join(o.Out, "mcpb")
	var entries []entry
	add := func(name string, mode fs.FileMode, src string) {
		entries = append(entries, entry{name: name, mode: mode, src: src})
	}
	var platforms []string
	entryPoint := ""
	darwinAMD, okAMD := bins[Target{"darwin", "amd64"}]
	darwinARM, okARM := bins[Target{"darwin", "arm64"}]
	if okAMD && okARM {
		const name = "server/darwin/meshes-mcp"
		universal := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(universal), 0o755); err != nil {
			return "", "", err
		}
		if err := writeUniversal(universal, darwinAMD, darwinARM); err != nil {
			return "", "", err
		}
		add(name, 0o755, universal)
		platforms, entryPoint = append(platforms, "darwin"), name
	}
	// Every other platform's binary goes in as it is.
	for _, t := range AllTargets {
		bin, ok := bins[t]
		if !ok || t.GOOS == "darwin" {
			continue
		}
		name := bundleDir(t) + "/" + t.exe()
		if err := stageCopy(filepath.Join(dir, name), bin); err != nil {
			return "", "", err
		}
		add(name, 0o755, filepath.Join(dir, name))
		if p := mcpbPlatform(t.GOOS); !slices.Contains(platforms, p) {
			platforms = append(platforms, p)
			// Linux runs its launcher, which picks the binary.
			if t.GOOS == "linux" {
				name = "server/linux/launch.sh"
				if err := stageCopy(filepath.Join(dir, name), filepath.Join(o.Root, linuxLauncher)); err != nil {
					return "", "", err
				}
				add(name, 0o755, filepath.Join(dir, name))
			}
			if entryPoint == "" {
				entryPoint = name
			}
		}
	}
	if len(platforms) == 0 {
		return "", "", fmt.Errorf("no bundle platform among the targets %v", o.Targets)
	}
	manifest, err := renderManifest(o, platforms, entryPoint)
	if err != nil {
		return "", "", err
	}
	manifestPath := filepath.Join(dir, "manifest.json")
	if err := os.WriteFile(manifestPath, manifest, 0o644); err != nil {
		return "", "", err
	}
	add("manifest.json", 0o644, manifestPath)
	for _, e := range entries {
		if err := os.Chmod(e.src, e.mode); err != nil {
			return "", "", err
		}
		if err := os.Chtimes(e.src, o.Date, o.Date); err != nil {
			return "", "", err
		}
	}
	bundle = filepath.Join(o.Out, bundleName)
	return bundle, dir, writeZip(bundle, entries, o.Date)
}

func stageCopy(dst, src string) error {
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, data, 0o755)
}

// renderManifest fills the template's version, the platforms this bundle
// carries binaries for, and the tool list, taken from the catalog so that
// Claude Desktop shows exactly the tools the server has.
func renderManifest(o Options, platforms []string, entryPoint string) ([]byte, error) {
	m, err := readTemplate(o, manifestTemplate)
	if err != nil {
		return nil, err
	}
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		return nil, err
	}
	type tool struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	var list []tool
	for _, t := range cat.All() {
		list = append(list, tool{t.Name, t.Description})
	}
	server, ok := m["server"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s has no server object", manifestTemplate)
	}
	server["entry_point"] = entryPoint
	m["version"] = o.plainVersion()
	m["tools"] = list
	m["compatibility"] = map[string]any{"platforms": platforms}
	return indentedJSON(m)
}

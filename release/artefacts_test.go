package main

import (
	"bufio"
	"bytes"
	"debug/macho"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// serverVariables are the environment variables the server reads, from the
// packages that define them.
func serverVariables() []string {
	return []string{meshesapi.EnvAccessKey, meshesapi.EnvSecretKey, meshesapi.EnvOrgID, meshesapi.EnvAPIURL,
		meshesapi.EnvEventsURL, meshesapi.EnvPublishableKey, meshesapi.EnvCredentialsFile,
		"MESHES_READ_ONLY", "MESHES_WORKSPACES", "MESHES_TOOLSETS", "MESHES_LOG_LEVEL"}
}

// The committed manifest passes the official validator, maps every
// user_config key to a variable the server reads, and marks exactly the
// secret key sensitive; the built one lists the catalog's tools.
func TestManifest(t *testing.T) {
	root := checkoutRoot(t)
	template := filepath.Join(root, manifestTemplate)
	m := readManifest(t, template)
	if m.ManifestVersion != "0.3" || m.Server.Type != "binary" {
		t.Errorf("manifest_version %q, server.type %q: want 0.3 and binary", m.ManifestVersion, m.Server.Type)
	}
	mapped := map[string]string{} // user_config key -> variable
	for variable, value := range m.Server.MCPConfig.Env {
		if !slices.Contains(serverVariables(), variable) {
			t.Errorf("mcp_config.env sets %s, which the server does not read", variable)
		}
		for _, p := range placeholder.FindAllStringSubmatch(value, -1) {
			key, ok := strings.CutPrefix(p[1], "user_config.")
			if _, known := m.UserConfig[key]; !ok || !known {
				t.Errorf("%s = %s names no user_config key", variable, value)
			}
			mapped[key] = variable
		}
	}
	for key, uc := range m.UserConfig {
		if _, ok := mapped[key]; !ok {
			t.Errorf("user_config.%s is asked for but passed to the server nowhere", key)
		}
		if uc.Sensitive != (mapped[key] == meshesapi.EnvSecretKey) {
			t.Errorf("user_config.%s: sensitive=%v; only the secret key is sensitive", key, uc.Sensitive)
		}
		if uc.Required != slices.Contains([]string{meshesapi.EnvAccessKey, meshesapi.EnvSecretKey, meshesapi.EnvOrgID}, mapped[key]) {
			t.Errorf("user_config.%s: required=%v; the three machine-key parts are required, nothing else", key, uc.Required)
		}
		if !uc.Required && uc.Default == nil {
			t.Errorf("user_config.%s is optional without a default, so a host may pass its placeholder through", key)
		}
	}
	for key, variable := range mapped {
		// A default that differs from the server's own would silently
		// change what an unconfigured bundle talks to.
		if variable == meshesapi.EnvAPIURL && m.UserConfig[key].Default != meshesapi.DefaultAPIURL {
			t.Errorf("user_config.%s defaults to %v, the server to %s", key, m.UserConfig[key].Default, meshesapi.DefaultAPIURL)
		}
	}
	for _, want := range []string{"read_only", "workspaces"} {
		if _, ok := m.UserConfig[want]; !ok {
			t.Errorf("user_config has no %s", want)
		}
	}

	res, _ := buildHost(t)
	built := readManifest(t, filepath.Join(res.BundleDir, "manifest.json"))
	cat, err := tools.New(nil, tools.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, tool := range cat.All() {
		want = append(want, tool.Name+": "+tool.Description)
	}
	for _, tool := range built.Tools {
		got = append(got, tool.Name+": "+tool.Description)
	}
	if !slices.Equal(got, want) {
		t.Errorf("built manifest's tools:\n%v\nwant the catalog's:\n%v", got, want)
	}
	if built.Version != "1.2.3-test" {
		t.Errorf("built manifest version %q, want 1.2.3-test", built.Version)
	}
	if _, err := os.Stat(filepath.Join(res.BundleDir, built.Server.EntryPoint)); err != nil {
		t.Errorf("entry_point %s is not in the bundle: %v", built.Server.EntryPoint, err)
	}
	runMCPB(t, "validate", template)
}

// The registry entry, committed and as a release writes it, is valid
// against the registry's published schema, declares the variables the
// bundle maps with the secret marked, and points at the release's bundle
// by URL and SHA-256.
func TestServerJSON(t *testing.T) {
	root := checkoutRoot(t)
	schemaPath := filepath.Join(root, "packaging/registry/server.schema.json")
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	schema, err := c.Compile(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	res, opts := buildHost(t)
	bundleSum, err := fileSHA256(res.Bundle)
	if err != nil {
		t.Fatal(err)
	}
	var schemaDoc struct {
		ID string `json:"$id"`
	}
	raw, _ := os.ReadFile(schemaPath)
	_ = json.Unmarshal(raw, &schemaDoc)
	var mapped []string // the variables the bundle's manifest passes on
	for name := range readManifest(t, filepath.Join(root, manifestTemplate)).Server.MCPConfig.Env {
		mapped = append(mapped, name)
	}
	for _, path := range []string{filepath.Join(root, serverJSONTemplate), res.ServerJSON} {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("%s does not match the registry schema: %v", path, err)
		}
		var doc struct {
			Schema   string `json:"$schema"`
			Version  string `json:"version"`
			Packages []struct {
				RegistryType, Identifier, Version, FileSha256 string
				EnvironmentVariables                          []struct {
					Name     string `json:"name"`
					IsSecret bool   `json:"isSecret"`
				} `json:"environmentVariables"`
			} `json:"packages"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Schema != schemaDoc.ID {
			t.Errorf("%s: $schema %s, but the vendored schema is %s", path, doc.Schema, schemaDoc.ID)
		}
		if len(doc.Packages) != 1 || doc.Packages[0].RegistryType != "mcpb" {
			t.Fatalf("%s: want one mcpb package, got %+v", path, doc.Packages)
		}
		pkg := doc.Packages[0]
		var names []string
		for _, v := range pkg.EnvironmentVariables {
			names = append(names, v.Name)
			if v.IsSecret != (v.Name == meshesapi.EnvSecretKey) {
				t.Errorf("%s: %s isSecret=%v; exactly the secret key is secret", path, v.Name, v.IsSecret)
			}
		}
		if !sameSet(names, mapped) {
			t.Errorf("%s declares %v; the bundle's manifest maps %v", path, names, mapped)
		}
		if path == res.ServerJSON {
			if doc.Version != "1.2.3-test" || pkg.Version != "1.2.3-test" {
				t.Errorf("server.json versions %q/%q, want 1.2.3-test", doc.Version, pkg.Version)
			}
			if pkg.Identifier != bundleURL(opts) || !strings.HasSuffix(pkg.Identifier, "/"+filepath.Base(res.Bundle)) {
				t.Errorf("identifier %s does not name the bundle %s", pkg.Identifier, filepath.Base(res.Bundle))
			}
			if pkg.FileSha256 != bundleSum {
				t.Errorf("fileSha256 %s, but the bundle's is %s", pkg.FileSha256, bundleSum)
			}
		}
	}
}

// A release binary reports the version and commit it was built from.
func TestReleaseBinaryVersion(t *testing.T) {
	res, opts := buildHost(t)
	for target, bin := range res.Binaries {
		if target.GOOS != runtime.GOOS || target.GOARCH != runtime.GOARCH {
			continue
		}
		out, err := exec.Command(bin, "--version").CombinedOutput()
		if err != nil {
			t.Fatalf("%s --version: %v\n%s", bin, err, out)
		}
		if !strings.Contains(string(out), "meshes-mcp "+opts.Version+" (commit "+opts.Commit) {
			t.Errorf("--version printed %q; want version %s and commit %s", out, opts.Version, opts.Commit)
		}
		return
	}
	t.Fatal("the host build has no binary for this platform")
}

// Two builds of the same commit are byte-identical, and SHA256SUMS lists
// every published file with its real checksum.
func TestBuildIsReproducible(t *testing.T) {
	res, opts := buildHost(t)
	again := opts
	again.Out = filepath.Join(t.TempDir(), "dist")
	res2, err := Build(again)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Artefacts) != len(res2.Artefacts) {
		t.Fatalf("%d artefacts, then %d", len(res.Artefacts), len(res2.Artefacts))
	}
	for i, a := range res.Artefacts {
		if a.SHA256 != res2.Artefacts[i].SHA256 {
			t.Errorf("%s differs between two builds of the same commit", filepath.Base(a.Path))
		}
	}
	sums, err := os.Open(filepath.Join(opts.Out, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer sums.Close()
	listed := map[string]string{}
	sc := bufio.NewScanner(sums)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q is not in sha256sum's format", sc.Text())
		}
		listed[name] = sum
	}
	for _, a := range res.Artefacts {
		if listed[filepath.Base(a.Path)] != a.SHA256 {
			t.Errorf("SHA256SUMS has %q for %s, want %s", listed[filepath.Base(a.Path)], filepath.Base(a.Path), a.SHA256)
		}
	}
	if len(listed) != len(res.Artefacts) {
		t.Errorf("SHA256SUMS lists %d files, the build published %d", len(listed), len(res.Artefacts))
	}
}

// writeUniversal's output is a fat Mach-O file that Go's own reader (and so
// the macOS loader, whose format it follows) sees as both architectures,
// each image intact at an aligned offset.
func TestUniversalBinary(t *testing.T) {
	dir := t.TempDir()
	thin := func(name string, cpu macho.Cpu, sub uint32, body string) (string, []byte) {
		var b bytes.Buffer
		le := binary.LittleEndian
		// mach_header_64: magic, cputype, cpusubtype, filetype, ncmds,
		// sizeofcmds, flags, reserved; no load commands.
		for _, v := range []uint32{macho.Magic64, uint32(cpu), sub, uint32(macho.TypeExec), 0, 0, 0, 0} {
			b.Write(le.AppendUint32(nil, v))
		}
		b.WriteString(body)
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b.Bytes(), 0o755); err != nil {
			t.Fatal(err)
		}
		return path, b.Bytes()
	}
	amd, amdData := thin("amd64", macho.CpuAmd64, 3, "intel image")
	arm, armData := thin("arm64", macho.CpuArm64, 0, "apple silicon image, a little longer")
	out := filepath.Join(dir, "universal")
	if err := writeUniversal(out, amd, arm); err != nil {
		t.Fatal(err)
	}
	fat, err := macho.OpenFat(out)
	if err != nil {
		t.Fatal(err)
	}
	defer fat.Close()
	raw, _ := os.ReadFile(out)
	want := map[macho.Cpu][]byte{macho.CpuAmd64: amdData, macho.CpuArm64: armData}
	if len(fat.Arches) != 2 {
		t.Fatalf("%d architectures, want 2", len(fat.Arches))
	}
	for _, a := range fat.Arches {
		if a.Offset%(1<<fatAlign) != 0 {
			t.Errorf("%v image at offset %d, not aligned to %d", a.Cpu, a.Offset, 1<<fatAlign)
		}
		if got := raw[a.Offset : a.Offset+a.Size]; !bytes.Equal(got, want[a.Cpu]) {
			t.Errorf("%v image is not the thin file it came from", a.Cpu)
		}
	}
	if err := writeUniversal(out, filepath.Join(checkoutRoot(t), "README.md")); err == nil {
		t.Error("a file that is not Mach-O was accepted")
	}
}

// The README's Claude Desktop download is the bundle a release publishes.
func TestREADMELinksTheBundle(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(checkoutRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := "https://github.com/meshes-mcp/meshes-mcp/releases/latest/download/" + bundleName
	if !strings.Contains(string(data), "("+want+")") {
		t.Errorf("README.md does not link the latest bundle %s", want)
	}
}

// The output directory is emptied first, but never when it holds the
// checkout or files a release build did not write.
func TestOutputDirectoryGuard(t *testing.T) {
	r := checkoutRoot(t)
	for _, out := range []string{r, filepath.Dir(r)} {
		if err := clearOutput(Options{Root: r, Out: out}); err == nil || !strings.Contains(err.Error(), "contains the checkout") {
			t.Errorf("-out %s: %v, want a refusal", out, err)
		}
	}
	foreign := t.TempDir()
	if err := os.WriteFile(filepath.Join(foreign, "notes.txt"), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := clearOutput(Options{Root: r, Out: foreign}); err == nil || !strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("directory with notes.txt: %v, want a refusal naming it", err)
	}
	if _, err := os.Stat(filepath.Join(foreign, "notes.txt")); err != nil {
		t.Errorf("the refused directory lost its file: %v", err)
	}
	previous := t.TempDir()
	for _, name := range []string{"SHA256SUMS", "meshes-mcp_1.0.0_linux_amd64.tar.gz", bundleName} {
		if err := os.WriteFile(filepath.Join(previous, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := clearOutput(Options{Root: r, Out: previous}); err != nil {
		t.Errorf("an earlier build's output: %v", err)
	}
	if _, err := os.Stat(previous); !os.IsNotExist(err) {
		t.Errorf("an earlier build's output was not removed: %v", err)
	}
}

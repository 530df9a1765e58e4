package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// modulePath is the main package, and the prefix of the variables the
// linker sets.
const modulePath = "github.com/meshes-mcp/meshes-mcp"

// Target is one platform a release ships.
type Target struct{ GOOS, GOARCH string }

func (t Target) String() string { return t.GOOS + "_" + t.GOARCH }

func (t Target) exe() string {
	if t.GOOS == "windows" {
		return "meshes-mcp.exe"
	}
	return "meshes-mcp"
}

// AllTargets are the platforms a release ships.
var AllTargets = []Target{
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"linux", "amd64"}, {"linux", "arm64"},
	{"windows", "amd64"},
}

// HostTargets is this machine's platform; on macOS both architectures,
// which the bundle's universal binary needs.
func HostTargets() ([]Target, error) {
	if runtime.GOOS == "darwin" {
		return []Target{{"darwin", "amd64"}, {"darwin", "arm64"}}, nil
	}
	host := Target{runtime.GOOS, runtime.GOARCH}
	if !slices.Contains(AllTargets, host) {
		return nil, fmt.Errorf("no release is built for %s; the platforms are %v", host, AllTargets)
	}
	return []Target{host}, nil
}

// Options say what to build and where.
type Options struct {
	Root    string // module root: go.mod, README.md, packaging/
	Out     string // output directory, emptied first
	Version string // v1.2.0
	Commit  string
	// Date stamps every file inside the archives and the bundle.
	Date    time.Time
	Targets []Target
}

// semver is what MCPB manifests and the MCP registry expect, with the "v"
// Go module versions carry.
var semver = regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$`)

// plainVersion is the version without its "v": file names, the manifest
// and server.json use it.
func (o Options) plainVersion() string { return strings.TrimPrefix(o.Version, "v") }

// fillFromGit completes Version, Commit and Date from the checkout and
// SOURCE_DATE_EPOCH, and checks them.
func (o *Options) fillFromGit() error {
	git := func(args ...string) (string, error) {
		cmd := exec.Command("git", args...)
		cmd.Dir = o.Root
		out, err := cmd.Output()
		return strings.TrimSpace(string(out)), err
	}
	if o.Version == "" {
		if tag, err := git("describe", "--tags", "--exact-match", "HEAD"); err == nil && tag != "" {
			o.Version = tag
		} else {
			o.Version = "v0.0.0-dev"
		}
	}
	if !strings.HasPrefix(o.Version, "v") {
		o.Version = "v" + o.Version
	}
	if !semver.MatchString(o.Version) {
		return fmt.Errorf("-version %q is not a semantic version like v1.2.0", o.Version)
	}
	if o.Commit == "" {
		rev, err := git("rev-parse", "--short=12", "HEAD")
		if err != nil {
			return errors.New("not in a git checkout: pass -commit (and SOURCE_DATE_EPOCH for the archive dates)")
		}
		if status, err := git("status", "--porcelain", "--untracked-files=no"); err == nil && status != "" {
			rev += "-dirty"
		}
		o.Commit = rev
	}
	if o.Date.IsZero() {
		epoch := os.Getenv("SOURCE_DATE_EPOCH")
		if epoch == "" {
			var err error
			if epoch, err = git("log", "-1", "--format=%ct"); err != nil {
				return errors.New("cannot read the commit's date: set SOURCE_DATE_EPOCH")
			}
		}
		sec, err := strconv.ParseInt(epoch, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH %q is not a Unix time in seconds", epoch)
		}
		o.Date = time.Unix(sec, 0).UTC()
	}
	return nil
}

// moduleRoot is the directory of the main module's go.mod.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	gomod := strings.TrimSpace(string(out))
	if err != nil || gomod == "" || gomod == os.DevNull {
		return "", errors.New("run from inside the meshes-mcp checkout (go env GOMOD names no go.mod)")
	}
	return filepath.Dir(gomod), nil
}

// Artefact is one published file.
type Artefact struct {
	Path   string
	SHA256 string
}

// Result lists what Build wrote.
type Result struct {
	Artefacts []Artefact
	// Bundle is the .mcpb file and BundleDir the same bundle unpacked.
	Bundle, BundleDir string
	// ServerJSON is the registry entry for this release.
	ServerJSON string
	// Binaries maps each target to its binary under Out.
	Binaries map[Target]string
}

// Build compiles every target and writes the artefacts.
func Build(o Options) (*Result, error) {
	if err := clearOutput(o); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	res := &Result{Binaries: map[Target]string{}}
	var published []string
	for _, t := range o.Targets {
		bin := filepath.Join(o.Out, "build", t.String(), t.exe())
		if err := compile(o, t, bin); err != nil {
			return nil, err
		}
		res.Binaries[t] = bin
		archive, err := writeArchive(o, t, bin)
		if err != nil {
			return nil, err
		}
		published = append(published, archive)
	}
	var err error
	if res.Bundle, res.BundleDir, err = writeBundle(o, res.Binaries); err != nil {
		return nil, err
	}
	bundleSum, err := fileSHA256(res.Bundle)
	if err != nil {
		return nil, err
	}
	if res.ServerJSON, err = writeServerJSON(o, bundleSum); err != nil {
		return nil, err
	}
	published = append(published, res.Bundle, res.ServerJSON)
	slices.Sort(published)
	var sums bytes.Buffer
	for _, p := range published {
		sum, err := fileSHA256(p)
		if err != nil {
			return nil, err
		}
		res.Artefacts = append(res.Artefacts, Artefact{Path: p, SHA256: sum})
		fmt.Fprintf(&sums, "%s  %s\n", sum, filepath.Base(p))
	}
	sumsPath := filepath.Join(o.Out, "SHA256SUMS")
	if err := os.WriteFile(sumsPath, sums.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return res, nil
}

// clearOutput empties Out for a fresh build, refusing a directory that
// holds the checkout or anything an earlier build did not write, so that a
// slip like -out . cannot delete the user's work.
func clearOutput(o Options) error {
	out, err := filepath.Abs(o.Out)
	if err != nil {
		return err
	}
	root, err := filepath.Abs(o.Root)
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(out, root); err == nil && !strings.HasPrefix(rel, "..") {
		return fmt.Errorf("-out %s contains the checkout; name a directory of its own, such as dist", o.Out)
	}
	entries, err := os.ReadDir(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		name := e.Name()
		if !slices.Contains([]string{"build", "mcpb", "SHA256SUMS", "server.json", bundleName}, name) && !strings.HasPrefix(name, "meshes-mcp_") {
			return fmt.Errorf("-out %s holds %s, which no release build writes; name another directory", o.Out, name)
		}
	}
	return os.RemoveAll(out)
}

// compile builds one target's binary. Everything that could differ between
// build machines is pinned: no cgo, no local paths, no VCS stamp, baseline
// instruction sets.
func compile(o Options, t Target, out string) error {
	ldflags := fmt.Sprintf("-s -w -X %s/cli.Version=%s -X %s/cli.Commit=%s", modulePath, o.Version, modulePath, o.Commit)
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, ".")
	cmd.Dir = o.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+t.GOOS, "GOARCH="+t.GOARCH, "GOAMD64=v1", "GOARM64=v8.0")
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build for %s: %v\n%s", t, err, output)
	}
	return nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

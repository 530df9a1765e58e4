// Command release builds meshes-mcp's release artefacts from a clean
// checkout, reproducibly: the same commit, version and date give the same
// bytes on any machine with the same Go toolchain.
//
//	go run ./release -version v1.2.0   # the five platforms (what a release publishes)
//	go run ./release -host             # this platform only, version from git (quick local bundle)
//
// Into -out (default dist/) it writes:
//
//   - meshes-mcp_<version>_<os>_<arch>.tar.gz (.zip for Windows): the binary
//     and README.md, for darwin/amd64, darwin/arm64, linux/amd64,
//     linux/arm64 and windows/amd64;
//   - meshes-mcp.mcpb: the Claude Desktop bundle (a zip) holding
//     packaging/mcpb/manifest.json with the version and tool list filled in,
//     a universal macOS binary, both Linux binaries behind launch.sh and the
//     Windows binary; mcpb/ beside it is the same bundle unpacked, which the
//     official mcpb tool can validate and pack;
//   - server.json: the MCP registry entry (packaging/registry/server.json)
//     with the version, the bundle's download URL and its SHA-256;
//   - SHA256SUMS: the SHA-256 of every file above, in sha256sum's format.
//
// Binaries are built with CGO_ENABLED=0, -trimpath and the version and
// commit linked in (cli.Version, cli.Commit), so `meshes-mcp --version`
// names both. Archive entries are sorted, owned by nobody and dated at the
// commit's time (or SOURCE_DATE_EPOCH), so nothing about the build machine
// leaks into them.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

// main hands run this process's stdout: release is a separate program a
// person runs, which the server binary never links (deps_test.go checks),
// so this stdout is never the MCP server's protocol channel.
func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	version := fs.String("version", "", "release version, e.g. v1.2.0 (default: the tag at HEAD, else v0.0.0-dev)")
	commit := fs.String("commit", "", "commit the binaries report (default: git rev-parse HEAD, -dirty when the tree has changes)")
	out := fs.String("out", "dist", "output directory; emptied first")
	host := fs.Bool("host", false, "build for this platform only (macOS: both architectures, for the universal binary)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	opts := Options{Root: root, Out: *out, Version: *version, Commit: *commit, Targets: AllTargets}
	if *host {
		if opts.Targets, err = HostTargets(); err != nil {
			return err
		}
	}
	if err := opts.fillFromGit(); err != nil {
		return err
	}
	start := time.Now()
	res, err := Build(opts)
	if err != nil {
		return err
	}
	for _, a := range res.Artefacts {
		fmt.Fprintf(stdout, "%s  %s\n", a.SHA256, a.Path)
	}
	fmt.Fprintf(stdout, "meshes-mcp %s (commit %s) for %d platforms in %s\n", opts.Version, opts.Commit, len(opts.Targets), time.Since(start).Round(time.Second))
	return nil
}

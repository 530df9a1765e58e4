package cli

import (
	"runtime"
	"runtime/debug"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
)

// Version and Commit are set at link time by release builds (go run
// ./release, see docs/install.md), which is how a binary built with this
// project's GOFLAGS=-buildvcs=false still knows both:
//
//	go build -ldflags "-X github.com/meshes-mcp/meshes-mcp/cli.Version=v1.2.0 -X github.com/meshes-mcp/meshes-mcp/cli.Commit=$(git rev-parse --short=12 HEAD)"
//
// Otherwise they come from the build info Go embeds: `go install
// …@v1.2.0` (or go run …@latest) records the module version, and a
// pseudo-version (…@main) the commit inside it; a build in a checkout with
// VCS stamping on records the revision. Failing all that, "(devel)" and
// "unknown".
var (
	Version = ""
	Commit  = ""
)

// VersionInfo returns the module version and commit of this binary.
func VersionInfo() (version, commit string) {
	bi, _ := debug.ReadBuildInfo()
	return versionFrom(Version, Commit, bi)
}

// pseudoVersion matches the tail of a Go pseudo-version
// (v0.0.0-20260102030405-0123456789ab and its variants), whose last field is
// the commit's 12-character prefix.
var pseudoVersion = lazyregexp.New(`[.-](?:0\.)?\d{14}-([0-9a-f]{12})(?:\+incompatible)?$`)

// versionFrom prefers the linked values, then the build info.
func versionFrom(linkedVersion, linkedCommit string, bi *debug.BuildInfo) (version, commit string) {
	version, commit = linkedVersion, linkedCommit
	if bi != nil {
		if version == "" && bi.Main.Version != "" {
			version = bi.Main.Version
		}
		dirty := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if commit == "" {
					commit = s.Value[:min(len(s.Value), 12)]
				}
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if dirty && commit != "" && linkedCommit == "" {
			commit += "-dirty"
		}
		if m := pseudoVersion.FindStringSubmatch(bi.Main.Version); commit == "" && m != nil {
			commit = m[1]
		}
	}
	if version == "" {
		version = "(devel)"
	}
	if commit == "" {
		commit = "unknown"
	}
	return version, commit
}

// VersionString is the line --version prints.
func VersionString() string {
	v, c := VersionInfo()
	return "meshes-mcp " + v + " (commit " + c + ", " + runtime.Version() + ")"
}

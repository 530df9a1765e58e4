package cli

import (
	"runtime"
	"runtime/debug"
)

// Version and Commit are set at link time by release builds:
//
//	go build -ldflags "-X github.com/meshes-mcp/meshes-mcp/cli.Version=v1.2.0 -X github.com/meshes-mcp/meshes-mcp/cli.Commit=$(git rev-parse --short HEAD)"
//
// Otherwise they come from the build info Go embeds (module version for
// `go install …@v1.2.0`, VCS revision when built with -buildvcs, which this
// project's GOFLAGS turn off), else "(devel)" and "unknown".
var (
	Version = ""
	Commit  = ""
)

// VersionInfo returns the module version and commit of this binary.
func VersionInfo() (version, commit string) {
	version, commit = Version, Commit
	if bi, ok := debug.ReadBuildInfo(); ok {
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
		if dirty && commit != "" && Commit == "" {
			commit += "-dirty"
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

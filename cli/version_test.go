package cli

import (
	"runtime/debug"
	"testing"
)

// --version names a version and a commit however the binary was built:
// linked in by a release build, recorded by `go install module@version`
// (whose pseudo-versions carry the commit) or by VCS stamping.
func TestVersionFrom(t *testing.T) {
	info := func(version string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{Main: debug.Module{Path: "github.com/meshes-mcp/meshes-mcp", Version: version}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	for _, c := range []struct {
		name                  string
		linkedVersion, commit string
		bi                    *debug.BuildInfo
		wantVersion, want     string
	}{
		{"release build", "v1.2.0", "0123456789ab", info("(devel)"), "v1.2.0", "0123456789ab"},
		{"go install of a tag", "", "", info("v1.2.0"), "v1.2.0", "unknown"},
		{"go install of a branch", "", "", info("v0.0.0-20260102030405-0123456789ab"), "v0.0.0-20260102030405-0123456789ab", "0123456789ab"},
		{"go install after a tag", "", "", info("v1.2.1-0.20260102030405-abcdef012345"), "v1.2.1-0.20260102030405-abcdef012345", "abcdef012345"},
		{"go build with VCS stamping", "", "", info("(devel)", "vcs.revision", "fedcba9876543210fedcba9876543210fedcba98", "vcs.modified", "true"), "(devel)", "fedcba987654-dirty"},
		{"release build of a dirty tree", "v1.2.0", "0123456789ab-dirty", info("(devel)", "vcs.modified", "true"), "v1.2.0", "0123456789ab-dirty"},
		{"nothing recorded", "", "", info(""), "(devel)", "unknown"},
		{"no build info", "", "", nil, "(devel)", "unknown"},
	} {
		v, commit := versionFrom(c.linkedVersion, c.commit, c.bi)
		if v != c.wantVersion || commit != c.want {
			t.Errorf("%s: got %s (commit %s), want %s (commit %s)", c.name, v, commit, c.wantVersion, c.want)
		}
	}
}

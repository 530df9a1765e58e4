package hermetic_test

import (
	"os"
	"strings"
	"testing"

	"github.com/meshes-mcp/meshes-mcp/internal/hermetic"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

func TestMain(m *testing.M) { hermetic.Main(m) }

// The poison must be what a careless test would find: the process
// environment's credentials, and without them the default credentials
// file, both naming the recorder.
func TestPoisonIsWhatTheProcessConfigurationFinds(t *testing.T) {
	want := hermetic.RecorderURL() + "/api/v1"
	fromEnv, err := meshesapi.LoadConfig(nil)
	if err != nil || fromEnv.APIURL != want || fromEnv.AccessKey != hermetic.AccessKey {
		t.Fatalf("process environment: %v, %v; want the recorder %s", fromEnv, err, want)
	}
	fileOnly := func(k string) string {
		if strings.HasPrefix(k, "MESHES_") {
			return ""
		}
		return os.Getenv(k)
	}
	fromFile, err := meshesapi.LoadConfig(fileOnly)
	if err != nil || fromFile.APIURL != want || fromFile.SecretKey != hermetic.SecretKey {
		t.Fatalf("default credentials file: %v, %v; want the recorder %s", fromFile, err, want)
	}
}

// A configuration handed in explicitly is all LoadConfig reads.
func TestExplicitEnvironmentIgnoresThePoison(t *testing.T) {
	home := t.TempDir()
	_, err := meshesapi.LoadConfig(func(k string) string {
		return map[string]string{"HOME": home, "XDG_CONFIG_HOME": home}[k]
	})
	if err == nil || !strings.Contains(err.Error(), home) {
		t.Fatalf("LoadConfig with an empty home: %v; want missing credentials pointing into %s", err, home)
	}
}

// Package hermetic keeps a package's tests away from the developer's Meshes
// account. Main runs the tests with the process environment poisoned: HOME
// and the user config directory point at a temporary directory holding a
// credentials file, and every MESHES_* credential variable is set, all of
// them naming a recording server on loopback. A test (or a child process it
// starts) that reads the process's own config directory or environment
// instead of the one it was handed therefore calls that server, and the run
// fails naming the requests, where before it would have reached the real
// account of whoever ran `go test`.
package hermetic

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Poisoned credentials: well-formed, so that configuration loading accepts
// them and the mistake shows up as a request to the recorder.
const (
	AccessKey = "mk_hermeticPoisonedAccessKey01"
	SecretKey = "hermetic-poisoned-secret-key-0123456789abcdefgh"
	OrgID     = "0badc0de-0000-4000-8000-000000000000"
)

var recorded struct {
	sync.Mutex
	requests []string
	url      string
}

// Main runs m in the poisoned environment and exits with Run's code.
func Main(m *testing.M) {
	os.Exit(Run(m))
}

// Run runs m in the poisoned environment and returns its exit code, or 1
// when anything reached the recording server.
func Run(m *testing.M) int {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record(r.Method + " " + r.URL.Path)
		http.Error(w, "hermetic: a test reached the developer's (poisoned) Meshes configuration", http.StatusTeapot)
	}))
	defer srv.Close()
	recorded.Lock()
	recorded.url = srv.URL
	recorded.Unlock()

	home, err := os.MkdirTemp("", "meshes-hermetic-home-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "hermetic:", err)
		return 1
	}
	defer os.RemoveAll(home)
	if err := poison(home, srv.URL); err != nil {
		fmt.Fprintln(os.Stderr, "hermetic:", err)
		return 1
	}

	code := m.Run()
	if hits := Requests(); len(hits) > 0 {
		fmt.Fprintf(os.Stderr, "hermetic: %d request(s) reached the poisoned Meshes configuration in the process environment or default config directory, so a test would have used the developer's real account:\n  %s\n",
			len(hits), strings.Join(hits, "\n  "))
		return 1
	}
	return code
}

func record(req string) {
	recorded.Lock()
	defer recorded.Unlock()
	recorded.requests = append(recorded.requests, req)
}

// Requests lists the requests the recording server has received so far.
func Requests() []string {
	recorded.Lock()
	defer recorded.Unlock()
	return append([]string(nil), recorded.requests...)
}

// RecorderURL is the recording server's base URL ("" outside Main).
func RecorderURL() string {
	recorded.Lock()
	defer recorded.Unlock()
	return recorded.url
}

// poison writes the credentials file where every platform's default lookup
// finds it under home and points the environment at home and at url. The Go
// tool's own caches and settings are pinned first, so that a test building
// the binary keeps using the developer's warm build cache.
func poison(home, url string) error {
	if err := pinGoDirs(); err != nil {
		return err
	}
	creds := fmt.Sprintf(`{"access_key":%q,"secret_key":%q,"org_id":%q,"api_url":%q,"events_url":%q}`,
		AccessKey, SecretKey, OrgID, url, url)
	configDirs := []string{
		filepath.Join(home, ".config"),                        // Linux and other Unix (XDG)
		filepath.Join(home, "Library", "Application Support"), // macOS
		filepath.Join(home, "AppData"),                        // Windows
	}
	for _, dir := range configDirs {
		path := filepath.Join(dir, "meshes", "credentials.json")
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(creds), 0o600); err != nil {
			return err
		}
	}
	env := map[string]string{
		"HOME": home, "USERPROFILE": home, "XDG_CONFIG_HOME": configDirs[0], "AppData": configDirs[2],
		"MESHES_ACCESS_KEY": AccessKey, "MESHES_SECRET_KEY": SecretKey, "MESHES_ORG_ID": OrgID,
		"MESHES_API_URL": url, "MESHES_EVENTS_URL": url,
	}
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return err
		}
	}
	// Settings that would change what a test sees are cleared.
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "MESHES_") {
			if _, keep := env[name]; !keep {
				os.Unsetenv(name)
			}
		}
	}
	return nil
}

// pinGoDirs sets GOCACHE, GOMODCACHE, GOPATH and GOENV to where the Go tool
// finds them for the real home directory, unless already set.
func pinGoDirs() error {
	home, _ := os.UserHomeDir()
	cache, _ := os.UserCacheDir()
	config, _ := os.UserConfigDir()
	gopath := os.Getenv("GOPATH")
	if gopath == "" && home != "" {
		gopath = filepath.Join(home, "go")
	}
	defaults := map[string]string{"GOPATH": gopath}
	if cache != "" {
		defaults["GOCACHE"] = filepath.Join(cache, "go-build")
	}
	if config != "" {
		defaults["GOENV"] = filepath.Join(config, "go", "env")
	}
	if gopath != "" {
		defaults["GOMODCACHE"] = filepath.Join(strings.Split(gopath, string(os.PathListSeparator))[0], "pkg", "mod")
	}
	for k, v := range defaults {
		if os.Getenv(k) == "" && v != "" {
			if err := os.Setenv(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}

package meshesapi

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// isolate points the user config directory at an empty temp dir so that a
// real ~/.config/meshes/credentials.json never leaks into a test.
func isolate(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", dir)
	t.Setenv("HOME", dir)
	return dir
}

// envOf serves m to LoadConfig, with the home directories isolate set,
// since LoadConfig finds the default credentials file through the
// environment it is given.
func envOf(m map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := m[k]; ok || (k != "HOME" && k != "XDG_CONFIG_HOME") {
			return v
		}
		return os.Getenv(k)
	}
}

func goodEnv() map[string]string {
	return map[string]string{EnvAccessKey: testAccessKey, EnvSecretKey: testSecretKey, EnvOrgID: testOrgID}
}

func writeCreds(t *testing.T, path string, mode os.FileMode, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // WriteFile's mode is masked by umask
		t.Fatal(err)
	}
}

func TestLoadConfigFromEnv(t *testing.T) {
	isolate(t)
	env := goodEnv()
	env[EnvPublishableKey] = testPubKey
	cfg, err := LoadConfig(envOf(env))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AccessKey != testAccessKey || cfg.SecretKey != testSecretKey || cfg.OrgID != testOrgID || cfg.PublishableKey != testPubKey {
		t.Errorf("credentials not loaded: %v", cfg)
	}
	if cfg.APIURL != DefaultAPIURL || cfg.EventsURL != DefaultEventsURL {
		t.Errorf("URLs %s %s, want the production defaults", cfg.APIURL, cfg.EventsURL)
	}
	if cfg.Timeout != DefaultTimeout || cfg.Retry.MaxAttempts != DefaultMaxAttempts {
		t.Errorf("defaults not applied: timeout %v, attempts %d", cfg.Timeout, cfg.Retry.MaxAttempts)
	}
}

func TestOrgIDAlias(t *testing.T) {
	isolate(t)
	tests := []struct {
		name, orgID, alias string
		wantErr            string
	}{
		{name: "alias alone", alias: testOrgID},
		{name: "both equal", orgID: testOrgID, alias: testOrgID},
		{name: "both differ", orgID: testOrgID, alias: wsID, wantErr: EnvOrgID + " and " + EnvOrgIDAlias + " are both set and differ"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := goodEnv()
			env[EnvOrgID], env[EnvOrgIDAlias] = tc.orgID, tc.alias
			cfg, err := LoadConfig(envOf(env))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || cfg.OrgID != testOrgID {
				t.Fatalf("org %q, err %v", cfg.OrgID, err)
			}
		})
	}
}

func TestMissingCredentials(t *testing.T) {
	dir := isolate(t)
	tests := []struct {
		name    string
		unset   []string
		wantSet string
	}{
		{"all", []string{EnvAccessKey, EnvSecretKey, EnvOrgID}, EnvAccessKey + ", " + EnvSecretKey + " and " + EnvOrgID},
		{"secret only", []string{EnvSecretKey}, "set " + EnvSecretKey + " in"},
		{"blank counts as unset", nil, "set " + EnvOrgID + " in"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := goodEnv()
			for _, k := range tc.unset {
				delete(env, k)
			}
			if tc.unset == nil {
				env[EnvOrgID] = "   "
			}
			_, err := LoadConfig(envOf(env))
			if !errors.Is(err, ErrMissingCredentials) {
				t.Fatalf("error %v, want ErrMissingCredentials", err)
			}
			var me *MissingCredentialsError
			errors.As(err, &me)
			msg := err.Error()
			if !strings.Contains(msg, tc.wantSet) || strings.Contains(msg, "\n") {
				t.Errorf("error %q should name %q on one line", msg, tc.wantSet)
			}
			if want := filepath.Join(dir, "meshes", "credentials.json"); me.File != want || !strings.Contains(msg, want) {
				t.Errorf("error should point at the default credentials file %s: %q", want, msg)
			}
			assertNoSecrets(t, msg)
		})
	}
}

func TestMalformedCredentialsAreNamedNotEchoed(t *testing.T) {
	isolate(t)
	tests := []struct {
		variable, value string
	}{
		{EnvAccessKey, "ak_wrongprefix0123456789abcdef"},
		{EnvAccessKey, "mk_short"},
		{EnvAccessKey, testSecretKey}, // swapped with the secret
		{EnvSecretKey, "tooShortSecretValue_123"},
		{EnvSecretKey, "has spaces in the middle of a long secret value 0123456789"},
		{EnvSecretKey, `"` + testSecretKey + `"`}, // pasted with quotes
		{EnvOrgID, "not-a-uuid"},
		{EnvOrgID, "017f22e2-79b0-7cc3-98c4-dc0c0c07398f"}, // UUIDv7: outside the documented v1-v5
		{EnvPublishableKey, "mesh pub with spaces"},
	}
	for _, tc := range tests {
		t.Run(tc.variable+"="+tc.value, func(t *testing.T) {
			env := goodEnv()
			env[tc.variable] = tc.value
			_, err := LoadConfig(envOf(env))
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Variable != tc.variable {
				t.Fatalf("error %v, want a ConfigError naming %s", err, tc.variable)
			}
			msg := err.Error()
			if strings.Contains(msg, tc.value) || strings.Contains(msg, strings.Trim(tc.value, `"`)) {
				t.Errorf("error echoes the value: %q", msg)
			}
			if !strings.HasPrefix(msg, tc.variable+" ") || strings.Contains(msg, "\n") {
				t.Errorf("error %q should be one line starting with the variable", msg)
			}
			assertNoSecrets(t, msg)
		})
	}
}

func TestMaxRequestBytesFromEnv(t *testing.T) {
	isolate(t)
	tests := []struct {
		value string
		want  int64 // 0: a ConfigError naming the variable
	}{
		{"", DefaultMaxRequestBytes},
		{"1048576", 1 << 20},
		{" 8388608 ", 8 << 20},
		{"1024", 1024},
		{"1023", 0},
		{"4", 0}, // meant as MiB
		{"4MiB", 0},
		{"0x400000", 0},
		{"-4194304", 0},
		{"0", 0},
		{"99999999999999999999", 0},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			env := goodEnv()
			env[EnvMaxRequestBytes] = tc.value
			cfg, err := LoadConfig(envOf(env))
			if tc.want != 0 {
				if err != nil || cfg.MaxRequestBytes != tc.want {
					t.Fatalf("MaxRequestBytes = %d, %v; want %d", cfg.MaxRequestBytes, err, tc.want)
				}
				return
			}
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Variable != EnvMaxRequestBytes {
				t.Fatalf("error %v, want a ConfigError naming %s", err, EnvMaxRequestBytes)
			}
			if msg := err.Error(); !strings.Contains(msg, "whole number of bytes") || len(tc.value) > 4 && strings.Contains(msg, tc.value) {
				t.Errorf("error %q should state the rule without echoing the value", msg)
			}
		})
	}
}

func TestURLNormalisation(t *testing.T) {
	isolate(t)
	tests := []struct {
		name, api, events   string
		wantAPI, wantEvents string
		wantErrVar          string
	}{
		{name: "defaults", wantAPI: DefaultAPIURL, wantEvents: DefaultEventsURL},
		{name: "production host without path", api: "https://api.meshes.io", wantAPI: DefaultAPIURL, wantEvents: DefaultEventsURL},
		{name: "trailing slashes", api: "https://api.meshes.io///", wantAPI: DefaultAPIURL, wantEvents: DefaultEventsURL},
		{name: "already versioned", api: "https://api.meshes.io/api/v1/", wantAPI: DefaultAPIURL, wantEvents: DefaultEventsURL},
		{name: "sandbox: events follow the API", api: "http://127.0.0.1:8080", wantAPI: "http://127.0.0.1:8080/api/v1", wantEvents: "http://127.0.0.1:8080/api/v1"},
		{name: "staging with a path prefix and another version", api: "https://staging.example.com/meshes/api/v2//",
			wantAPI: "https://staging.example.com/meshes/api/v2", wantEvents: "https://staging.example.com/meshes/api/v2"},
		{name: "explicit events URL", api: "https://staging.example.com", events: "https://events.staging.example.com/",
			wantAPI: "https://staging.example.com/api/v1", wantEvents: "https://events.staging.example.com/api/v1"},
		{name: "explicit events URL with production API", events: "http://localhost:9000", wantAPI: DefaultAPIURL, wantEvents: "http://localhost:9000/api/v1"},
		{name: "not a URL", api: "api.meshes.io", wantErrVar: EnvAPIURL},
		{name: "other scheme", api: "ftp://api.meshes.io", wantErrVar: EnvAPIURL},
		{name: "credentials in URL", api: "https://user:hunter2@api.meshes.io", wantErrVar: EnvAPIURL},
		{name: "query", events: "https://events.meshes.io/?token=abc", wantErrVar: EnvEventsURL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := goodEnv()
			env[EnvAPIURL], env[EnvEventsURL] = tc.api, tc.events
			cfg, err := LoadConfig(envOf(env))
			if tc.wantErrVar != "" {
				var ce *ConfigError
				if !errors.As(err, &ce) || ce.Variable != tc.wantErrVar {
					t.Fatalf("error %v, want a ConfigError naming %s", err, tc.wantErrVar)
				}
				if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "token=abc") {
					t.Errorf("error echoes the URL: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.APIURL != tc.wantAPI || cfg.EventsURL != tc.wantEvents {
				t.Errorf("got %s / %s, want %s / %s", cfg.APIURL, cfg.EventsURL, tc.wantAPI, tc.wantEvents)
			}
			if again, err := cfg.normalized(); err != nil || again.APIURL != cfg.APIURL || again.EventsURL != cfg.EventsURL {
				t.Errorf("normalising twice changed the URLs: %s %s %v", again.APIURL, again.EventsURL, err)
			}
		})
	}
}

func TestCredentialsFile(t *testing.T) {
	fileJSON := fmt.Sprintf(`{"access_key":%q,"secret_key":%q,"org_id":%q,"api_url":"http://127.0.0.1:7777/"}`, testAccessKey, testSecretKey, testOrgID)
	otherKey := "mk_FromTheEnvironment0123456789"
	tests := []struct {
		name     string
		explicit bool // via MESHES_CREDENTIALS_FILE, else the default location
		mode     os.FileMode
		body     string
		env      map[string]string
		wantKey  string
		wantErr  string
		noFile   bool
		tilde    bool // name the explicit path as ~/…
	}{
		{name: "default location", mode: 0o600, body: fileJSON, wantKey: testAccessKey},
		{name: "explicit path", explicit: true, mode: 0o600, body: fileJSON, wantKey: testAccessKey},
		{name: "owner read-only is fine", explicit: true, mode: 0o400, body: fileJSON, wantKey: testAccessKey},
		{name: "environment beats the file", mode: 0o600, body: fileJSON, env: map[string]string{EnvAccessKey: otherKey}, wantKey: otherKey},
		{name: "world-readable is refused", mode: 0o644, body: fileJSON, wantErr: "credentials file " + "{dir}/meshes/credentials.json: is readable by group or others (mode 0644); it holds the secret key, so run: chmod 600"},
		{name: "group-readable is refused", explicit: true, mode: 0o640, body: fileJSON, wantErr: "chmod 600"},
		{name: "explicit path must exist", explicit: true, noFile: true, wantErr: EnvCredentialsFile},
		{name: "explicit path with ~/", explicit: true, tilde: true, mode: 0o600, body: fileJSON, wantKey: testAccessKey},
		{name: "absent default file is fine with env credentials", noFile: true, env: goodEnv(), wantKey: testAccessKey},
		{name: "unknown key is named by position, not quoted", mode: 0o600, body: `{"org_id":"x","secret":"` + testSecretKey + `"}`,
			wantErr: `its 2nd key (6 characters, not shown in case it is a secret) is not one of access_key, secret_key`},
		{name: "a secret pasted as a key is not printed", mode: 0o600, body: `{"` + testSecretKey + `":"x"}`, wantErr: fmt.Sprintf("its 1st key (%d characters", len(testSecretKey))},
		{name: "trailing garbage is refused", mode: 0o600, body: fileJSON + ` {"secret_key":"x"}`, wantErr: "more after the JSON object"},
		{name: "syntax error does not quote the file", mode: 0o600, body: `{"secret_key":"` + testSecretKey + `" "org_id"}`, wantErr: "not valid JSON"},
		{name: "non-string value", mode: 0o600, body: `{"org_id":42}`, wantErr: `"org_id" must be a string`},
		{name: "empty file", mode: 0o600, body: ``, wantErr: "is empty"},
		{name: "malformed secret in the file says where it came from", mode: 0o600,
			body: fmt.Sprintf(`{"access_key":%q,"secret_key":"short","org_id":%q}`, testAccessKey, testOrgID), wantErr: EnvSecretKey + " (from "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := isolate(t)
			path := filepath.Join(dir, "meshes", "credentials.json")
			env := map[string]string{}
			if tc.explicit {
				path = filepath.Join(dir, "elsewhere", "creds.json")
				env[EnvCredentialsFile] = path
				if tc.tilde {
					env[EnvCredentialsFile] = "~/elsewhere/creds.json"
				}
			}
			for k, v := range tc.env {
				env[k] = v
			}
			if !tc.noFile {
				writeCreds(t, path, tc.mode, tc.body)
			}
			cfg, err := LoadConfig(envOf(env))
			if tc.wantErr != "" {
				if want := strings.ReplaceAll(tc.wantErr, "{dir}", dir); err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("error %v, want %q", err, want)
				}
				assertNoSecrets(t, err.Error())
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.AccessKey != tc.wantKey || cfg.SecretKey != testSecretKey {
				t.Errorf("access key %q, want %q", cfg.AccessKey, tc.wantKey)
			}
			if !tc.noFile && cfg.APIURL != "http://127.0.0.1:7777/api/v1" {
				t.Errorf("api_url from the file not applied: %s", cfg.APIURL)
			}
		})
	}
}

func TestConfigNeverPrintsTheSecret(t *testing.T) {
	cfg := Config{AccessKey: testAccessKey, SecretKey: testSecretKey, OrgID: testOrgID}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("config", "cfg", cfg)
	for _, out := range []string{fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg), fmt.Sprintf("%v", &cfg), buf.String()} {
		if strings.Contains(out, testSecretKey) {
			t.Errorf("secret printed: %s", out)
		}
		if !strings.Contains(out, testAccessKey) {
			t.Errorf("redaction hid everything: %s", out)
		}
	}
}

func TestNewValidatesLikeLoadConfig(t *testing.T) {
	if _, err := New(Config{}); !errors.Is(err, ErrMissingCredentials) {
		t.Errorf("New(Config{}) = %v, want ErrMissingCredentials", err)
	}
	if _, err := New(Config{AccessKey: testAccessKey, SecretKey: "short", OrgID: testOrgID}); err == nil || !strings.HasPrefix(err.Error(), EnvSecretKey) {
		t.Errorf("New with a short secret = %v", err)
	}
	c, err := New(Config{AccessKey: testAccessKey, SecretKey: testSecretKey, OrgID: testOrgID, APIURL: "http://localhost:3000/"})
	if err != nil {
		t.Fatal(err)
	}
	if c.cfg.APIURL != "http://localhost:3000/api/v1" || c.cfg.EventsURL != c.cfg.APIURL || c.cfg.OrgID != testOrgID || c.HasPublishableKey() {
		t.Errorf("normalised config: %s %s %s %v", c.cfg.APIURL, c.cfg.EventsURL, c.cfg.OrgID, c.HasPublishableKey())
	}
}

// A credentials file someone else could have written (or can still swap)
// is refused: it decides where the secret key is sent.
func TestCredentialsFileOthersCouldWriteIsRefused(t *testing.T) {
	fileJSON := fmt.Sprintf(`{"access_key":%q,"secret_key":%q,"org_id":%q}`, testAccessKey, testSecretKey, testOrgID)
	t.Run("directory writable by others", func(t *testing.T) {
		dir := isolate(t)
		path := filepath.Join(dir, "meshes", "credentials.json")
		writeCreds(t, path, 0o600, fileJSON)
		if err := os.Chmod(filepath.Dir(path), 0o777); err != nil {
			t.Fatal(err)
		}
		_, err := LoadConfig(envOf(nil))
		if err == nil || !strings.Contains(err.Error(), "directory "+filepath.Dir(path)+" is writable by group or others") ||
			!strings.Contains(err.Error(), "chmod go-w") {
			t.Fatalf("error %v, want a refusal naming the directory and the fix", err)
		}
	})
	t.Run("file owned by another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("only root can give a file to another user")
		}
		dir := isolate(t)
		path := filepath.Join(dir, "meshes", "credentials.json")
		writeCreds(t, path, 0o600, fileJSON)
		if err := os.Chown(path, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		_, err := LoadConfig(envOf(nil))
		if err == nil || !strings.Contains(err.Error(), "is owned by another user (uid 65534,") {
			t.Fatalf("error %v, want a refusal naming the owner", err)
		}
	})
}

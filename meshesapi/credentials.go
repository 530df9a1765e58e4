package meshesapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/meshes-mcp/meshes-mcp/internal/rawjson"
)

// CredentialsFile is the JSON document LoadConfig reads so that an MCP client
// config need not hold the secret. Every key is optional; an environment
// variable with a value beats the file's key. Unknown keys are refused, so a
// misspelt key fails loudly instead of being ignored.
//
//	{"access_key": "mk_…", "secret_key": "…", "org_id": "…",
//	 "api_url": "…", "events_url": "…", "publishable_key": "…"}
type CredentialsFile struct {
	AccessKey      string `json:"access_key,omitempty"`
	SecretKey      string `json:"secret_key,omitempty"`
	OrgID          string `json:"org_id,omitempty"`
	APIURL         string `json:"api_url,omitempty"`
	EventsURL      string `json:"events_url,omitempty"`
	PublishableKey string `json:"publishable_key,omitempty"`
}

// maxCredentialsFileBytes keeps a wrong path (a log, a binary) from being
// read whole.
const maxCredentialsFileBytes = 64 << 10

// ErrMissingCredentials matches (errors.Is) the error LoadConfig and New
// return when access key, secret key or org id is not set anywhere; the
// *MissingCredentialsError says which.
var ErrMissingCredentials = errors.New("meshes credentials are missing")

// MissingCredentialsError names every credential variable left unset, so the
// CLI can tell the user exactly what to set.
type MissingCredentialsError struct {
	Variables []string
	// File is the credentials file that was read, or the default location
	// one could be placed at.
	File string
}

func (e *MissingCredentialsError) Error() string {
	where := "in the environment"
	if e.File != "" {
		where += " or in the credentials file " + e.File + " (keys access_key, secret_key, org_id; chmod 600)"
	}
	return "missing Meshes credentials: set " + joinAnd(e.Variables) + " " + where
}

func (e *MissingCredentialsError) Is(target error) bool { return target == ErrMissingCredentials }

// ConfigError reports one malformed setting by the variable a user sets,
// never by its value: the value may be a secret.
type ConfigError struct {
	Variable string
	// Source is the credentials file the value came from, when not the environment.
	Source  string
	Problem string
}

func (e *ConfigError) Error() string {
	if e.Source != "" {
		return fmt.Sprintf("%s (from %s) %s", e.Variable, e.Source, e.Problem)
	}
	return e.Variable + " " + e.Problem
}

// LoadConfig reads the configuration from getenv (os.Getenv when nil) and the
// credentials file: MESHES_CREDENTIALS_FILE when set (then it must exist),
// else DefaultCredentialsFile when it exists. The result is validated and
// normalised; errors name the variable and never echo a value.
func LoadConfig(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	env := func(name string) string { return strings.TrimSpace(getenv(name)) }

	orgID := env(EnvOrgID)
	if alias := env(EnvOrgIDAlias); alias != "" {
		if orgID != "" && orgID != alias {
			return Config{}, &ConfigError{Variable: EnvOrgID, Problem: "and " + EnvOrgIDAlias + " are both set and differ; set only one"}
		}
		orgID = alias
	}

	maxRequest, err := parseMaxRequestBytes(env(EnvMaxRequestBytes))
	if err != nil {
		return Config{}, err
	}

	path, required := env(EnvCredentialsFile), true
	if path == "" {
		path, required = DefaultCredentialsFile(getenv), false
	}
	path = expandHome(path, getenv)
	file, err := readCredentialsFile(path, required)
	if err != nil {
		return Config{}, err
	}

	// source records which values came from the file, so an error can say
	// where to fix them.
	source := map[string]string{}
	pick := func(name, envValue, fileValue string) string {
		if envValue != "" {
			return envValue
		}
		if fileValue != "" {
			source[name] = path
		}
		return fileValue
	}
	cfg := Config{
		AccessKey:       pick(EnvAccessKey, env(EnvAccessKey), file.AccessKey),
		SecretKey:       pick(EnvSecretKey, env(EnvSecretKey), file.SecretKey),
		OrgID:           pick(EnvOrgID, orgID, file.OrgID),
		APIURL:          pick(EnvAPIURL, env(EnvAPIURL), file.APIURL),
		EventsURL:       pick(EnvEventsURL, env(EnvEventsURL), file.EventsURL),
		PublishableKey:  pick(EnvPublishableKey, env(EnvPublishableKey), file.PublishableKey),
		MaxRequestBytes: maxRequest,
	}
	cfg, err = cfg.normalized()
	var missing *MissingCredentialsError
	var bad *ConfigError
	switch {
	case errors.As(err, &missing):
		missing.File = path
	case errors.As(err, &bad):
		bad.Source = source[bad.Variable]
	}
	return cfg, err
}

// parseMaxRequestBytes reads MESHES_MAX_REQUEST_BYTES: unset means the
// default (0), anything else must be a plain count of bytes, so that a unit
// slip ("4MiB", "4") fails at startup instead of refusing every event later.
func parseMaxRequestBytes(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < minMaxRequestBytes {
		return 0, &ConfigError{Variable: EnvMaxRequestBytes, Problem: fmt.Sprintf(
			"must be a whole number of bytes, at least %d (e.g. %d for 4 MiB)", minMaxRequestBytes, DefaultMaxRequestBytes)}
	}
	return n, nil
}

// DefaultCredentialsFile is <user config dir>/meshes/credentials.json, or ""
// when getenv (os.Getenv when nil) names no user config directory. The
// directory follows os.UserConfigDir's rules but reads getenv, not the
// process environment, so that a caller handing LoadConfig its own
// environment (a test, an embedding program) is never served the files of
// whoever runs the process.
func DefaultCredentialsFile(getenv func(string) string) string {
	dir := userConfigDir(getenv)
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "meshes", "credentials.json")
}

func userConfigDir(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	home := userHomeDir(getenv)
	switch runtime.GOOS {
	case "windows":
		return getenv("AppData")
	case "darwin", "ios":
		if home == "" {
			return ""
		}
		return filepath.Join(home, "Library", "Application Support")
	case "plan9":
		if home == "" {
			return ""
		}
		return filepath.Join(home, "lib")
	}
	if dir := getenv("XDG_CONFIG_HOME"); filepath.IsAbs(dir) {
		return dir
	} else if dir != "" {
		return "" // os.UserConfigDir refuses a relative XDG_CONFIG_HOME too
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".config")
}

func userHomeDir(getenv func(string) string) string {
	switch runtime.GOOS {
	case "windows":
		return getenv("USERPROFILE")
	case "plan9":
		return getenv("home")
	}
	return getenv("HOME")
}

// expandHome resolves a leading "~/", which MCP client configs pass through
// unexpanded because no shell is involved.
func expandHome(path string, getenv func(string) string) string {
	rest, ok := strings.CutPrefix(path, "~/")
	if !ok {
		return path
	}
	home := userHomeDir(getenv)
	if home == "" {
		return path
	}
	return filepath.Join(home, rest)
}

// readCredentialsFile loads path. A missing file is an error only when the
// user named it (required); a file others can read is refused outright,
// since it holds the secret key.
func readCredentialsFile(path string, required bool) (CredentialsFile, error) {
	var out CredentialsFile
	if path == "" {
		return out, nil
	}
	fail := func(problem string) (CredentialsFile, error) {
		name := "credentials file"
		if required {
			name = EnvCredentialsFile
		}
		return out, &ConfigError{Variable: name, Problem: fmt.Sprintf("%s: %s", path, problem)}
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return out, nil
	}
	if err != nil {
		return fail("cannot be opened: " + pathErrorReason(err))
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return fail("cannot be read: " + pathErrorReason(err))
	}
	if info.IsDir() {
		return fail("is a directory, not a JSON file")
	}
	// Windows has no group/other permission bits to check.
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return fail(fmt.Sprintf("is readable by group or others (mode %04o); it holds the secret key, so run: chmod 600 %s", info.Mode().Perm(), path))
	}
	if problem := trustProblem(path, info); problem != "" {
		return fail(problem)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxCredentialsFileBytes+1))
	if err != nil {
		return fail("cannot be read: " + pathErrorReason(err))
	}
	if len(data) > maxCredentialsFileBytes {
		return fail("is larger than 64 KiB; is it the right file?")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		return fail(jsonProblem(err, data))
	}
	if _, err := dec.Token(); err != io.EOF {
		return fail(fmt.Sprintf("has more after the JSON object (from byte %d); it must hold exactly one object", dec.InputOffset()))
	}
	return out, nil
}

// credentialsFileKeys are the keys CredentialsFile accepts, in its order.
var credentialsFileKeys = []string{"access_key", "secret_key", "org_id", "api_url", "events_url", "publishable_key"}

// jsonProblem describes a decoding failure without quoting the file: a
// syntax error message would otherwise show a character of the secret.
func jsonProblem(err error, data []byte) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("is not valid JSON (syntax error at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("key %q must be a string", typ.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return unknownKeyProblem(data)
	case errors.Is(err, io.EOF):
		return "is empty; it must hold a JSON object"
	default:
		return "is not a JSON object with string values"
	}
}

// unknownKeyProblem names the first unknown key of the object in data by
// its position and length, never by its text: a secret pasted where a key
// belongs (`{"<secret>": "x"}`) must not be printed.
func unknownKeyProblem(data []byte) string {
	position := 0
	for key := range rawjson.Members(data) {
		position++
		name := rawjson.Unquote(key)
		if !slices.Contains(credentialsFileKeys, name) {
			return fmt.Sprintf("has an unknown key: its %s key (%d characters, not shown in case it is a secret) is not one of %s",
				ordinal(position), utf8.RuneCountInString(name), strings.Join(credentialsFileKeys, ", "))
		}
	}
	return "has an unknown key; valid keys are " + strings.Join(credentialsFileKeys, ", ")
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

func pathErrorReason(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

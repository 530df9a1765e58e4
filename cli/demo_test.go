package cli

import (
	"regexp"
	"strings"
	"testing"
)

// The demo is the README's first command: it must finish the whole journey
// (find, diagnose, fix, redeliver) and end with a line to paste.
func TestDemoRunsTheJourneyToACompletedRedelivery(t *testing.T) {
	stdout, stderr, code := runMain(t, strings.NewReader(""), nil, "demo")
	if code != 0 {
		t.Fatalf("exit %d; stderr:\n%s\nstdout:\n%s", code, stderr, stdout)
	}
	// The calls an agent would make, in order, each followed by its answer.
	steps := []string{
		"→ list_workspaces {}",
		"→ list_deliveries {",
		`"status":"failed"`,
		"→ diagnose_event {",
		"they said:    webhook connection refused",
		"url to fix:   http://",
		"likely cause: the destination could not be reached",
		"next call:    update_connection",
		`"signing_secret":"[redacted]"`,
		"→ get_delivery {",
		"network_error",
		"→ update_connection {",
		"→ retry_delivery {",
		"→ get_event {",
		"← delivery completed after",
		"with a valid signature",
		"they said:    Mailchimp rejected the request: 401",
		"the connection is inactive because its credentials are invalid",
		"→ get_delivery {",
		"auth_failed",
		"the destination answered 401",
		"claude mcp add meshes-sandbox -- ",
	}
	rest := stdout
	for _, s := range steps {
		i := strings.Index(rest, s)
		if i < 0 {
			t.Fatalf("transcript lacks %q after the previous step:\n%s", s, stdout)
		}
		rest = rest[i+len(s):]
	}
	if !regexp.MustCompile(`(?m)^  claude mcp add meshes-sandbox -- \S+meshes-mcp --sandbox$`).MatchString(stdout) {
		t.Errorf("no pasteable claude mcp add line:\n%s", stdout)
	}
	if stderr != "" {
		t.Errorf("stderr is not quiet:\n%s", stderr)
	}
}

// Neither the secret the demo generates for the receiver nor the seeded
// credentials may appear in the transcript.
func TestDemoPrintsNoSecret(t *testing.T) {
	stdout, stderr, _ := runMain(t, strings.NewReader(""), nil, "demo")
	for _, secret := range []*regexp.Regexp{
		regexp.MustCompile(`whsec_[0-9a-f]{8,}`),                  // the demo's new signing secret
		regexp.MustCompile(`whsec_demo`),                          // the seeded signing secret
		regexp.MustCompile(`0123456789abcdef0123456789abcdef`),    // the seeded Mailchimp API key
		regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.`), // a JWT
	} {
		if loc := secret.FindStringIndex(stdout + stderr); loc != nil {
			t.Errorf("output contains a secret matching %s: %q", secret, (stdout + stderr)[loc[0]:loc[1]])
		}
	}
}

func TestDemoRejectsArguments(t *testing.T) {
	if _, stderr, code := runMain(t, nil, nil, "demo", "--fast"); code != 2 || !strings.Contains(stderr, "-fast") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestContinueLineForTemporaryBinaries(t *testing.T) {
	cases := []struct {
		exe  string
		temp bool
	}{
		{"/tmp/go-build1234/b001/exe/meshes-mcp", true},
		{"/home/ann/go/bin/meshes-mcp", false},
		{"/usr/local/bin/meshes-mcp", false},
	}
	for _, c := range cases {
		if got := builtByGoRun(c.exe); got != c.temp {
			t.Errorf("builtByGoRun(%q) = %v", c.exe, got)
		}
	}
	for in, want := range map[string]string{
		"/usr/local/bin/meshes-mcp":   "/usr/local/bin/meshes-mcp",
		"/Users/Ann Lee/bin/meshes":   `'/Users/Ann Lee/bin/meshes'`,
		"/home/o'brien/go/bin/meshes": `'/home/o'\''brien/go/bin/meshes'`,
		`C:\Users\ann\go\bin\mm.exe`:  `'C:\Users\ann\go\bin\mm.exe'`,
	} {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %s, want %s", in, got, want)
		}
	}
}

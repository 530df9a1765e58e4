package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/meshes-mcp/meshes-mcp/httpserver"
	"github.com/meshes-mcp/meshes-mcp/internal/argstash"
	"github.com/meshes-mcp/meshes-mcp/tools"
)

// Config is what the serve path (and subcommands sharing the catalog) read
// from flags and environment. Meshes credentials are not here: they come
// from meshesapi.LoadConfig (environment or credentials file), so that a
// secret is never a command-line argument visible in `ps`.
type Config struct {
	ReadOnly   bool
	Toolsets   []string
	Workspaces []string
	// Sandbox starts the embedded Meshes sandbox in-process and points the
	// client at it, so everything works without an account.
	Sandbox bool
	// SandboxDeliverTo lists the host:port targets the sandbox sends real
	// webhook requests to; every other webhook is simulated.
	SandboxDeliverTo []string
	Transport        string
	// MaxMessageBytes caps one MCP message on every transport: an HTTP
	// request body, or one line of stdin (see message_limit.go).
	// Zero means httpserver.DefaultMaxBodyBytes.
	MaxMessageBytes int64
	// refusePrompt is set by serve from the catalog (not a flag): it
	// answers an invalid prompts/get before it reaches mcp-go, on every
	// transport (tools.Catalog.RefusePrompt).
	refusePrompt httpserver.MessageRefuser
	// argumentStash is set by serve from the catalog (not a flag): the
	// stdio front lifts tool calls' arguments into it
	// (tools.Catalog.ArgumentStash).
	argumentStash *argstash.Stash
	// HTTP holds the http/sse transport flags (see http.go).
	HTTP HTTPOptions
	// Operator holds OAuth, rate-limit, metrics and log-format settings
	// (see operate.go).
	Operator OperatorOptions
	LogLevel slog.Level
	// CallTimeout bounds one tool call (retries included); zero means
	// tools.DefaultCallTimeout.
	CallTimeout time.Duration
	Version     bool
}

// Policy is the base tool policy the flags ask for.
func (c *Config) Policy() tools.Policy {
	return tools.Policy{ReadOnly: c.ReadOnly, Toolsets: c.Toolsets, Workspaces: c.Workspaces}
}

// Flags registers flags whose default comes from an environment variable:
// precedence is flag, then environment, then the built-in default.
type Flags struct {
	*flag.FlagSet
	getenv func(string) string
	errs   []error
	// after run once parsing is done, to turn raw strings into Config values.
	after []func() error
}

// NewFlags returns an empty flag set that reports errors instead of exiting.
func NewFlags(name string, getenv func(string) string, output io.Writer) *Flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(output)
	return &Flags{FlagSet: fs, getenv: getenv}
}

func (f *Flags) usage(text, env string) string {
	if env == "" {
		return text
	}
	return text + " (env " + env + ")"
}

// Bool registers a boolean flag with an environment twin.
func (f *Flags) Bool(p *bool, name, env string, def bool, text string) {
	if v := strings.TrimSpace(f.env(env)); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.errs = append(f.errs, fmt.Errorf("%s must be true or false, not %q", env, v))
		} else {
			def = b
		}
	}
	f.BoolVar(p, name, def, f.usage(text, env))
}

// String registers a string flag with an environment twin.
func (f *Flags) String(p *string, name, env, def, text string) {
	if v := strings.TrimSpace(f.env(env)); v != "" {
		def = v
	}
	f.StringVar(p, name, def, f.usage(text, env))
}

// After runs fn once flags are parsed, to validate and convert values.
func (f *Flags) After(fn func() error) { f.after = append(f.after, fn) }

func (f *Flags) env(name string) string {
	if name == "" || f.getenv == nil {
		return ""
	}
	return f.getenv(name)
}

// Parse parses args and reports every environment, flag and conversion
// error at once.
func (f *Flags) Parse(args []string) error {
	if err := f.FlagSet.Parse(args); err != nil {
		return err
	}
	if f.NArg() > 0 {
		f.errs = append(f.errs, fmt.Errorf("unexpected argument %q", f.Arg(0)))
	}
	for _, fn := range f.after {
		if err := fn(); err != nil {
			f.errs = append(f.errs, err)
		}
	}
	return errors.Join(f.errs...)
}

// exitStatus reports a Parse error: 0 once -h has printed the usage, else
// 2 with the error on the flag set's output, prefixed by its name (the
// command).
func (f *Flags) exitStatus(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(f.Output(), "%s: %v\n", f.Name(), err)
	return 2
}

// registerPolicyFlags registers the safety flags that shape the catalog.
func registerPolicyFlags(f *Flags, cfg *Config) {
	var toolsets, workspaces string
	f.Bool(&cfg.ReadOnly, "read-only", "MESHES_READ_ONLY", false, "expose and allow only tools that change nothing")
	f.String(&toolsets, "toolsets", "MESHES_TOOLSETS", "", "comma-separated toolsets to enable: "+strings.Join(tools.Toolsets(), ", ")+" (default all)")
	f.String(&workspaces, "workspaces", "MESHES_WORKSPACES", "", "comma-separated workspace ids the agent is confined to (default all)")
	f.After(func() (err error) {
		if cfg.Toolsets, err = tools.ParseToolsets(toolsets); err != nil {
			return fmt.Errorf("--toolsets: %w", err)
		}
		return nil
	})
	f.After(func() (err error) {
		if cfg.Workspaces, err = tools.ParseWorkspaces(workspaces); err != nil {
			return fmt.Errorf("--workspaces: %w", err)
		}
		return nil
	})
}

// registerSandboxFlag registers --sandbox.
func registerSandboxFlag(f *Flags, cfg *Config) {
	f.Bool(&cfg.Sandbox, "sandbox", "MESHES_SANDBOX", false, "run against an embedded Meshes sandbox with demo data; no account needed")
	registerDeliverToFlag(f, &cfg.SandboxDeliverTo)
}

// registerDeliverToFlag registers --sandbox-deliver-to, for the embedded
// sandbox and the standalone one alike.
func registerDeliverToFlag(f *Flags, targets *[]string) {
	var deliverTo string
	f.String(&deliverTo, "sandbox-deliver-to", "MESHES_SANDBOX_DELIVER_TO", "",
		"comma-separated host:port webhook targets the sandbox really sends to (default none: every webhook is simulated)")
	f.After(func() (err error) {
		*targets, err = parseHostPorts(deliverTo)
		return err
	})
}

// parseHostPorts reads --sandbox-deliver-to: host:port entries, the port a
// number, so that a URL or a bare host fails at startup rather than
// silently allowing nothing.
func parseHostPorts(list string) ([]string, error) {
	var out []string
	for entry := range strings.SplitSeq(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		host, port, err := net.SplitHostPort(entry)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("--sandbox-deliver-to: %q is not host:port (e.g. 127.0.0.1:8080)", entry)
		}
		out = append(out, entry)
	}
	return out, nil
}

// registerCallTimeoutFlag registers --call-timeout.
func registerCallTimeoutFlag(f *Flags, cfg *Config) {
	var timeout string
	f.String(&timeout, "call-timeout", "MESHES_MCP_CALL_TIMEOUT", tools.DefaultCallTimeout.String(),
		"longest a tool call may take, retries included, before it answers with what is known; keep it below the MCP client's own timeout (often 60s)")
	f.After(func() (err error) {
		if cfg.CallTimeout, err = time.ParseDuration(strings.TrimSpace(timeout)); err != nil || cfg.CallTimeout <= 0 {
			return fmt.Errorf("--call-timeout must be a positive duration such as 45s, not %q", timeout)
		}
		return nil
	})
}

// registerLogLevelFlag registers --log-level.
func registerLogLevelFlag(f *Flags, cfg *Config) {
	var level string
	f.String(&level, "log-level", "MESHES_LOG_LEVEL", "info", "stderr log level: debug, info, warn or error")
	f.After(func() error {
		if err := cfg.LogLevel.UnmarshalText([]byte(level)); err != nil {
			return fmt.Errorf("--log-level must be debug, info, warn or error, not %q", level)
		}
		return nil
	})
}

// Package tools is the MCP tool catalog of meshes-mcp: one file per toolset,
// one registry, and one generic adapter that gives every tool the same strict
// decoding, validation, policy enforcement, error phrasing and result shape.
package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/internal/argstash"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
)

// Limits bound the work and the size of one tool call. Zero fields take the
// defaults below.
type Limits struct {
	// MaxResultBytes is the byte budget of one result's JSON; lists are cut
	// to it and continued by cursor. ~40 kB stays far below the ~25k tokens
	// at which hosts start truncating, even for id-heavy JSON.
	MaxResultBytes int
	// Concurrency bounds parallel requests to Meshes within one call
	// (send_events batches, list_deliveries and diagnose_event fan-out).
	Concurrency int
	// MaxEvents bounds send_events.
	MaxEvents int
	// MaxScanEvents bounds how many events list_deliveries reads per call.
	MaxScanEvents int
	// CallTimeout bounds one tool call, retries and backoff included, so
	// that a hanging Meshes is answered before the client gives up on the
	// call (commonly after 60 s).
	CallTimeout time.Duration
	// ReadFanout bounds the independent reads one call sends at once
	// (list_deliveries' event details, diagnose_event's lookups). Each wave
	// costs one round trip, so a page of 20 deliveries whose events came
	// without them is one wave, not five.
	ReadFanout int
}

// Default limits.
const (
	DefaultMaxResultBytes = 40_000
	DefaultConcurrency    = 4
	DefaultMaxEvents      = 10_000
	DefaultMaxScanEvents  = 200
	DefaultCallTimeout    = 45 * time.Second
	DefaultReadFanout     = 20
)

func (l Limits) withDefaults() Limits {
	if l.MaxResultBytes <= 0 {
		l.MaxResultBytes = DefaultMaxResultBytes
	}
	if l.CallTimeout <= 0 {
		l.CallTimeout = DefaultCallTimeout
	}
	if l.Concurrency <= 0 {
		l.Concurrency = DefaultConcurrency
	}
	if l.MaxEvents <= 0 {
		l.MaxEvents = DefaultMaxEvents
	}
	if l.MaxScanEvents <= 0 {
		l.MaxScanEvents = DefaultMaxScanEvents
	}
	if l.ReadFanout <= 0 {
		l.ReadFanout = DefaultReadFanout
	}
	return l
}

// Options configure a Catalog.
type Options struct {
	// Policy is the base policy; per-request policies can only narrow it.
	Policy Policy
	// Logger receives one record per call (never its arguments); nil discards.
	Logger *slog.Logger
	// PublishableKey says events may omit workspace_id because the key
	// implies it. It is also true when the client has a publishable key.
	PublishableKey bool
	Limits         Limits
	// Observer, when set, is told of every call's start and outcome
	// (metrics).
	Observer CallObserver

	// schemaSource, when set, builds each tool's schemas instead of taking
	// the generated ones; only the tests that check and regenerate those
	// set it (to reflection), so the server never links reflection.
	schemaSource schemaSource
}

// CallObserver learns of tool calls as they start and end, so that an
// operator's metrics can count them without this package depending on a
// metrics library. It must be safe for concurrent use.
type CallObserver interface {
	// CallStarted is called as a call begins; the returned function is
	// called once as it ends, with its outcome (see Outcome*).
	CallStarted(tool string) (finished func(outcome string))
}

// Outcomes of a tool call, as reported to a CallObserver.
const (
	OutcomeOK     = "ok"     // a result
	OutcomeError  = "error"  // an isError result: bad input or a Meshes failure
	OutcomeDenied = "denied" // refused by the effective policy
	OutcomePanic  = "panic"  // the handler panicked; the server recovered
)

// Catalog is every tool of the server bound to one Meshes client.
type Catalog struct {
	// client is nil without credentials; objects is the same client, for
	// the scoped reads only (lookups.go).
	client  meshesCalls
	objects objectReads
	opts    Options
	limits  Limits
	log     *slog.Logger
	tools   []Tool
	byName  map[string]*Tool
	// integrations caches the integration catalog (integrations.go).
	integrations integrationCache
	// arguments holds the calls' arguments a transport lifted out of
	// their messages (ArgumentStash).
	arguments *argstash.Stash
}

// New builds the catalog. client may be nil for listing tools without
// credentials (README, `tools` subcommand); calls then fail with a clear
// error.
func New(client *meshesapi.Client, opts Options) (*Catalog, error) {
	if err := opts.Policy.Validate(); err != nil {
		return nil, err
	}
	if client != nil && client.HasPublishableKey() {
		opts.PublishableKey = true
	}
	c := &Catalog{opts: opts, limits: opts.Limits.withDefaults(), log: opts.Logger, arguments: argstash.New()}
	if client != nil {
		c.client, c.objects = client, client
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.tools = c.registry()
	var err error
	c.byName, err = index(c.tools, opts.schemaSource)
	return c, err
}

// index attaches each tool's schemas and checks what New promises: every
// tool declares its workspace scope on arguments it has, and no name is
// used twice.
func index(tools []Tool, source schemaSource) (map[string]*Tool, error) {
	byName := make(map[string]*Tool, len(tools))
	var errs []error
	for i := range tools {
		t := &tools[i]
		if t.declErr != nil {
			errs = append(errs, fmt.Errorf("tool %s %w", t.Name, t.declErr))
		}
		if err := attachSchemas(t, source); err != nil {
			errs = append(errs, fmt.Errorf("tool %s: %w", t.Name, err))
		}
		if _, dup := byName[t.Name]; dup {
			errs = append(errs, fmt.Errorf("tool %s is defined twice", t.Name))
		}
		byName[t.Name] = t
	}
	return byName, errors.Join(errs...)
}

// All returns every tool, unfiltered, in catalog order (toolset by toolset).
func (c *Catalog) All() []Tool {
	return append([]Tool(nil), c.tools...)
}

// Call runs one tool outside an MCP session (the CLI `call` subcommand) with
// the same policy enforcement as an MCP call. The error is for calls that
// cannot run at all (unknown or disallowed tool); everything else, bad
// arguments included, is an isError result.
func (c *Catalog) Call(ctx context.Context, name string, args json.RawMessage) (*mcp.CallToolResult, error) {
	t, ok := c.byName[name]
	if !ok {
		return nil, fmt.Errorf("unknown tool %q; %s lists the tools", name, "`meshes-mcp tools`")
	}
	if !c.effectivePolicy(ctx).allows(t) {
		return nil, fmt.Errorf("tool %s is disabled by %s", name, c.whyDisabled(ctx, t))
	}
	return c.run(ctx, t, args), nil
}

// whyDisabled names the setting that hides a tool.
func (c *Catalog) whyDisabled(ctx context.Context, t *Tool) string {
	p := c.effectivePolicy(ctx)
	switch {
	case !p.AllowsToolset(t.Toolset):
		return "the toolset selection (the " + t.Toolset + " toolset is not enabled: --toolsets or MESHES_TOOLSETS, or the client's narrowing)"
	case p.ReadOnly && !t.ReadOnly:
		return "read-only mode (--read-only or MESHES_READ_ONLY, or the client's narrowing): this server may only read"
	}
	return "the workspace allowlist (--workspaces or MESHES_WORKSPACES): an agent confined to some workspaces cannot create another"
}

type effectiveKey struct{}

var errNoClient = errors.New("no Meshes client is configured: set MESHES_ACCESS_KEY, MESHES_SECRET_KEY and MESHES_ORG_ID, or run with --sandbox")

// policyOf is the policy of the call in progress.
func policyOf(ctx context.Context) Policy {
	p, _ := ctx.Value(effectiveKey{}).(Policy)
	return p
}

// run executes one call: policy, decoding, validation, workspace scope,
// handler, result. Panics become an error result; the server stays up.
func (c *Catalog) run(ctx context.Context, t *Tool, raw json.RawMessage) (res *mcp.CallToolResult) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, c.limits.CallTimeout)
	defer cancel()
	finished := func(string) {}
	if c.opts.Observer != nil {
		finished = c.opts.Observer.CallStarted(t.Name)
	}
	outcome := OutcomeOK
	defer func() {
		if r := recover(); r != nil {
			logPanic(c.log, t.Name, r)
			msg := (&panicError{where: t.Name}).Error() + "."
			if !t.ReadOnly {
				msg += " Whether it changed anything in Meshes is unknown: check before repeating it."
			}
			res, outcome = mcp.NewToolResultError(msg), OutcomePanic
		}
		if outcome == OutcomeOK && res != nil && res.IsError {
			outcome = OutcomeError
		}
		finished(outcome)
		c.log.DebugContext(ctx, "tool call", "tool", t.Name, "outcome", outcome, "duration", time.Since(start))
	}()
	out, err := c.execute(ctx, t, raw)
	if err != nil {
		if _, refused := errors.AsType[*refusedError](err); refused {
			outcome = OutcomeDenied
		}
		// Error text quotes Meshes and destinations, which may quote the
		// credentials they were sent.
		return mcp.NewToolResultError(redactText(errorText(err)))
	}
	return c.success(t, out)
}

// execute is run's sequence; its errors are phrased by errorText.
func (c *Catalog) execute(ctx context.Context, t *Tool, raw json.RawMessage) (any, error) {
	pol := c.effectivePolicy(ctx)
	if !pol.allows(t) {
		return nil, &refusedError{msg: fmt.Sprintf("%s is refused by %s. It is left out of the tool list on purpose; tell the user if the change is needed, since only the server's configuration can allow it", t.Name, c.whyDisabled(ctx, t))}
	}
	ctx = withLookups(context.WithValue(ctx, effectiveKey{}, pol))
	decoder, err := t.decoder()
	if err != nil {
		c.log.Error("cannot build the argument decoder", "tool", t.Name, "error", err)
		return nil, errors.New("internal error: the input schema of " + t.Name + " is unusable; the server logged it")
	}
	args, err := t.decode(decoder, raw)
	if err != nil {
		return nil, err
	}
	if c.client == nil {
		return nil, errNoClient
	}
	if err := c.enforceScope(ctx, t, args); err != nil {
		return nil, err
	}
	return t.handle(ctx, args)
}

// success renders a handler's output as structuredContent plus a text block
// with the same JSON, for hosts that show only one of them.
func (c *Catalog) success(t *Tool, out any) *mcp.CallToolResult {
	b, err := json.Marshal(out)
	if err != nil {
		c.log.Error("cannot encode result", "tool", t.Name, "error", err)
		return mcp.NewToolResultError("internal error encoding the result of " + t.Name + "; the server logged it.")
	}
	b = handledSecrets.scrubJSON(b)
	// A write's result is shown whatever its size: refusing it would invite
	// the model to repeat a call that already took effect.
	if len(b) > 2*c.limits.MaxResultBytes && t.ReadOnly {
		return mcp.NewToolResultError(fmt.Sprintf("the result of %s is too large to show (%d bytes); narrow the request.", t.Name, len(b)))
	}
	// A result that reports work a failure left undone is an error result
	// too, so a host that reads only isError still sees the failure.
	stopped, _ := out.(stoppedByFailure)
	return &mcp.CallToolResult{
		Content:           []mcp.Content{mcp.NewTextContent(string(b))},
		StructuredContent: json.RawMessage(b),
		IsError:           stopped != nil && stopped.StoppedByFailure(),
	}
}

// stoppedByFailure is a result that says what was done before a failure
// stopped the call and what was not (apply_blueprint).
type stoppedByFailure interface{ StoppedByFailure() bool }

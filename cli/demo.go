package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// demoTimeout bounds the whole tour; every step is local, so hitting it
// means something is stuck rather than slow.
const demoTimeout = time.Minute

// runDemo walks the delivery-debugging journey an agent would take, with a
// real MCP client (in-process transport, real JSON-RPC messages) against
// the real catalog on a seeded sandbox, and prints what each call means.
func runDemo(ctx context.Context, args []string, env *Env) int {
	f := NewFlags("meshes-mcp demo", env.Getenv, env.Stderr)
	f.Usage = func() {
		fmt.Fprintln(f.Output(), "Usage: meshes-mcp demo\n\nStarts a seeded Meshes sandbox, then finds, diagnoses, fixes and redelivers a failed delivery\nthrough the MCP tools, printing each call. Needs no account and sends nothing off this machine.")
	}
	if err := f.Parse(args); err != nil {
		return f.exitStatus(err)
	}
	env.logAt(slog.LevelWarn)
	ctx, cancel := context.WithTimeout(ctx, demoTimeout)
	defer cancel()

	// The receiver the tour fixes the webhook with starts first, so that
	// the sandbox can be told it is the one target it really delivers to.
	secret, err := newSigningSecret()
	if err != nil {
		fmt.Fprintf(env.Stderr, "meshes-mcp demo: %v\n", err)
		return 1
	}
	rcv, err := startReceiver(secret)
	if err != nil {
		fmt.Fprintf(env.Stderr, "meshes-mcp demo: starting the demo webhook receiver: %v\n", err)
		return 1
	}
	defer rcv.close()

	// The sandbox branch of buildCatalog ignores any real credentials in
	// the environment, so the demo can never touch a real account.
	cat, cleanup := buildCatalog(ctx, "meshes-mcp demo", &Config{Sandbox: true, SandboxDeliverTo: []string{rcv.hostPort()}}, env)
	defer cleanup()
	if cat == nil {
		return 1
	}
	version, _ := VersionInfo()
	c, err := client.NewInProcessClient(cat.MCPServer(version))
	if err != nil {
		fmt.Fprintf(env.Stderr, "meshes-mcp demo: %v\n", err)
		return 1
	}
	defer c.Close()
	t := &tour{out: env.Stdout, client: c, rcv: rcv, secret: secret}
	if err := t.run(ctx); err != nil {
		fmt.Fprintf(env.Stderr, "meshes-mcp demo: %v\n", err)
		return 1
	}
	printContinue(ctx, env.Stdout)
	return 0
}

// tour prints a numbered transcript: the question, the tool call (→), what
// came back (←), and what it means.
type tour struct {
	out    io.Writer
	client *client.Client
	steps  int
	// rcv is the webhook receiver the fix points the connection at, and
	// secret the signing secret it checks.
	rcv    *receiver
	secret string
}

func (t *tour) step(question string) {
	t.steps++
	fmt.Fprintf(t.out, "\n%d. %s\n", t.steps, question)
}

func (t *tour) reply(format string, a ...any) { fmt.Fprintf(t.out, "   ← "+format+"\n", a...) }

func (t *tour) detail(format string, a ...any) { fmt.Fprintf(t.out, "       "+format+"\n", a...) }

func (t *tour) explain(format string, a ...any) { fmt.Fprintf(t.out, "   "+format+"\n", a...) }

// connect performs the MCP handshake. Start makes the client route server
// notifications (progress) instead of dropping them.
func (t *tour) connect(ctx context.Context) error {
	if err := t.client.Start(ctx); err != nil {
		return fmt.Errorf("starting the MCP client: %w", err)
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "meshes-mcp-demo", Version: "1"}
	res, err := t.client.Initialize(ctx, init)
	if err != nil {
		return fmt.Errorf("MCP initialize: %w", err)
	}
	list, err := t.client.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		return fmt.Errorf("MCP tools/list: %w", err)
	}
	fmt.Fprintf(t.out, "meshes-mcp demo: an MCP client debugging a failed delivery, on an embedded Meshes sandbox\n")
	fmt.Fprintf(t.out, "with seeded demo data (no account needed; nothing leaves this machine).\n")
	fmt.Fprintf(t.out, "MCP session open: server %s %s, %d tools.\n", res.ServerInfo.Name, res.ServerInfo.Version, len(list.Tools))
	return nil
}

// call runs one tool over MCP, printing it with shown (args with secrets
// masked), and decodes the structured result into out.
func (t *tour) call(ctx context.Context, tool string, args, shown map[string]any, out any) error {
	if shown == nil {
		shown = args
	}
	fmt.Fprintf(t.out, "   → %s %s\n", tool, compact(shown))
	return t.quietCall(ctx, tool, args, out)
}

// quietCall is call without the transcript line (for polling).
func (t *tour) quietCall(ctx context.Context, tool string, args map[string]any, out any) error {
	req := mcp.CallToolRequest{}
	req.Params.Name = tool
	req.Params.Arguments = args
	res, err := t.client.CallTool(ctx, req)
	if err != nil {
		return fmt.Errorf("%s: %w", tool, err)
	}
	if res.IsError {
		return fmt.Errorf("%s reported an error: %s", tool, resultText(res))
	}
	raw, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return fmt.Errorf("%s: %w", tool, err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s returned an unexpected result: %w", tool, err)
	}
	return nil
}

func (t *tour) run(ctx context.Context) error {
	if err := t.connect(ctx); err != nil {
		return err
	}
	ws, err := t.pickWorkspace(ctx)
	if err != nil {
		return err
	}
	failed, err := t.failedDeliveries(ctx, ws)
	if err != nil {
		return err
	}
	target := failed[0]
	for _, d := range failed {
		if d.IntegrationType == "webhook" {
			target = d
			break
		}
	}
	finding, err := t.diagnose(ctx, target, "Why did the "+target.Event+" delivery fail?")
	if err != nil {
		return err
	}
	t.explain("One call read the event, its deliveries, their rules, connections and attempts, and named")
	t.explain("the next step. The signing secret comes back [redacted]: credentials never reach the model,")
	t.explain("and sending the placeholder back keeps the stored secret.")
	if err := t.inspectDelivery(ctx, target, "Look at every attempt before changing anything."); err != nil {
		return err
	}
	if finding.Next != nil && finding.Next.Tool == "update_connection" {
		if err := t.fixWebhook(ctx, target, finding.Next.Arguments); err != nil {
			return err
		}
	}
	for _, d := range failed {
		if d.Connection != target.Connection {
			return t.remaining(ctx, d, failed)
		}
	}
	return nil
}

func (t *tour) pickWorkspace(ctx context.Context) (schemas.Workspace, error) {
	t.step("Which workspaces (tenants) does the organisation have?")
	var out schemas.ListWorkspacesOutput
	if err := t.call(ctx, "list_workspaces", map[string]any{}, nil, &out); err != nil {
		return schemas.Workspace{}, err
	}
	if len(out.Workspaces) == 0 {
		return schemas.Workspace{}, errors.New("the sandbox has no workspaces; its demo data did not load")
	}
	names := make([]string, len(out.Workspaces))
	pick := out.Workspaces[0]
	for i, w := range out.Workspaces {
		names[i] = fmt.Sprintf("%q", w.Name)
		if w.Name == "Acme Production" {
			pick = w
		}
	}
	t.reply("%d workspaces: %s", out.Count, strings.Join(names, ", "))
	t.explain("Each workspace has its own connections, rules and delivery history. We look at %q.", pick.Name)
	return pick, nil
}

func (t *tour) failedDeliveries(ctx context.Context, ws schemas.Workspace) ([]schemas.Delivery, error) {
	t.step("What failed to deliver there recently?")
	var out schemas.ListDeliveriesOutput
	if err := t.call(ctx, "list_deliveries", map[string]any{"workspace_id": ws.ID, "status": "failed"}, nil, &out); err != nil {
		return nil, err
	}
	t.reply("%d failed deliveries:", out.Count)
	for _, d := range out.Deliveries {
		t.detail("%-16s → %-9s %-11s %s", d.Event, d.IntegrationType, attempts(d.AttemptCount)+":", clip(d.LastError, 60))
	}
	if len(out.Deliveries) == 0 {
		return nil, errors.New("the sandbox shows no failed delivery; its demo data did not load")
	}
	t.explain("A delivery is one event sent through one rule to one connection. Meshes filters by status")
	t.explain("itself, so one call finds failures however many newer events succeeded, and \"failed\"")
	t.explain("includes deliveries Meshes is still retrying.")
	return out.Deliveries, nil
}

// diagnose asks diagnose_event about d's event and returns the finding for
// d's rule.
func (t *tour) diagnose(ctx context.Context, d schemas.Delivery, question string) (schemas.Finding, error) {
	t.step(question)
	var out schemas.DiagnoseEventOutput
	if err := t.call(ctx, "diagnose_event", map[string]any{"event_id": d.EventID}, nil, &out); err != nil {
		return schemas.Finding{}, err
	}
	for _, f := range out.Findings {
		if f.Severity != "error" || f.RuleID != d.Rule {
			continue
		}
		t.reply("finding:      %s", clip(f.What, 110))
		if f.Said != "" {
			t.detail("they said:    %s", f.Said)
		}
		if f.URL != "" {
			t.detail("url to fix:   %s", f.URL)
		}
		t.detail("likely cause: %s", f.Cause)
		if f.Next != nil {
			t.detail("next call:    %s %s", f.Next.Tool, compact(f.Next.Arguments))
		}
		return f, nil
	}
	return schemas.Finding{}, fmt.Errorf("diagnose_event found no error for the failed delivery through rule %s: %s", d.Rule, out.Summary)
}

// inspectDelivery shows d's attempts with get_delivery: outcome code,
// duration and, where the destination answered, its own words.
func (t *tour) inspectDelivery(ctx context.Context, d schemas.Delivery, question string) error {
	t.step(question)
	var out schemas.GetDeliveryOutput
	if err := t.call(ctx, "get_delivery", map[string]any{"event_id": d.EventID, "rule_id": d.Rule}, nil, &out); err != nil {
		return err
	}
	t.reply("%s after %s, newest first:", out.Status, attempts(len(out.Attempts)))
	for i, a := range out.Attempts {
		if i == 3 {
			t.detail("… and %d older", len(out.Attempts)-i)
			break
		}
		took := ""
		if a.DurationMs != nil {
			took = fmt.Sprintf("%d ms", *a.DurationMs)
		}
		t.detail("#%d %-14s %6s  %s", a.Number, a.OutcomeCode, took, clip(a.Message, 70))
		if r := a.Response; r != nil {
			t.detail("   the destination answered %d %s: %s", r.Status, r.Headers["content-type"], clip(r.Body, 80))
		}
	}
	return nil
}

// fixWebhook does what a developer would: points the connection at the
// tour's receiver (started by runDemo, so that the sandbox really delivers
// to it) with a fresh signing secret, redelivers, and waits for the
// delivery to settle. suggested are the update_connection arguments
// diagnose_event proposed.
func (t *tour) fixWebhook(ctx context.Context, d schemas.Delivery, suggested map[string]any) error {
	rcv, secret := t.rcv, t.secret
	t.step("Nothing ever answered. Fix it: start a receiver here and make the suggested call with its URL.")
	name, _ := suggested["name"].(string)
	metadata := map[string]any{"url": rcv.url, "payload_mode": "wrapped", "signing_secret": secret}
	if md, ok := suggested["metadata"].(map[string]any); ok {
		if mode, ok := md["payload_mode"].(string); ok {
			metadata["payload_mode"] = mode
		}
	}
	shownMetadata := map[string]any{"url": rcv.url, "payload_mode": metadata["payload_mode"], "signing_secret": "<new secret, shared with the receiver>"}
	var updated schemas.UpdateConnectionOutput
	if err := t.call(ctx, "update_connection",
		map[string]any{"connection_id": d.Connection, "name": name, "metadata": metadata},
		map[string]any{"connection_id": d.Connection, "name": name, "metadata": shownMetadata}, &updated); err != nil {
		return err
	}
	t.reply("updated; metadata now %s", compact(updated.Metadata))

	t.step("Redeliver the event through the same rule.")
	var retried schemas.RetryDeliveryOutput
	if err := t.call(ctx, "retry_delivery", map[string]any{"event_id": d.EventID, "rule_id": d.Rule}, nil, &retried); err != nil {
		return err
	}
	t.reply("%s; %s", retried.Status, retried.Next)

	var got receipt
	select {
	case got = <-rcv.got:
	case <-ctx.Done():
		return errors.New("the receiver got nothing after retry_delivery")
	}
	final, err := t.awaitDelivery(ctx, d)
	if err != nil {
		return err
	}
	t.reply("delivery %s after %s", final.Status, attempts(final.AttemptCount))
	signature := "a valid signature"
	if !got.signed {
		signature = "a signature that did not verify"
	}
	t.explain("The receiver got %s (event %s, delivery attempt %s) with %s.", got.event, got.eventID, got.attempt, signature)
	if final.Status != "completed" {
		return fmt.Errorf("the redelivery ended %s: %s", final.Status, final.LastError)
	}
	return nil
}

// awaitDelivery polls get_event until d's delivery is no longer in flight;
// delivery is asynchronous, so there is no event to wait on. Only the last
// call is printed.
func (t *tour) awaitDelivery(ctx context.Context, d schemas.Delivery) (schemas.Delivery, error) {
	args := map[string]any{"event_id": d.EventID}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		var ev schemas.GetEventOutput
		if err := t.quietCall(ctx, "get_event", args, &ev); err != nil {
			return d, err
		}
		for _, cur := range ev.Deliveries {
			if cur.Rule == d.Rule && cur.Status != "pending" && cur.Status != "processing" && cur.Status != "retrying" {
				fmt.Fprintf(t.out, "   → get_event %s  (repeated until the delivery settled)\n", compact(args))
				return cur, nil
			}
		}
		select {
		case <-ctx.Done():
			return d, errors.New("the redelivery did not settle in time")
		case <-tick.C:
		}
	}
}

// remaining explains the failures the demo cannot fix by itself.
func (t *tour) remaining(ctx context.Context, d schemas.Delivery, failed []schemas.Delivery) error {
	n := 0
	for _, other := range failed {
		if other.Connection == d.Connection {
			n++
		}
	}
	f, err := t.diagnose(ctx, d, fmt.Sprintf("And the %d failed %s deliveries to %s?", n, d.Event, d.IntegrationType))
	if err != nil {
		return err
	}
	if err := t.inspectDelivery(ctx, d, "What exactly did Mailchimp answer?"); err != nil {
		return err
	}
	if f.Next != nil {
		t.explain("That fix needs a real credential from a person: update_connection with it, then")
		t.explain("retry_delivery for each failed delivery. An agent can do both once it has the key.")
	}
	return nil
}

// compact renders v as one line of JSON for the transcript, with <, >
// and & left readable.
func compact(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n-1], "") + "…"
}

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

func newSigningSecret() (string, error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "whsec_" + hex.EncodeToString(b), nil
}

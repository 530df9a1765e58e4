package tools

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// diagnose_event does what an engineer does with a failed delivery: reads
// the event, then in one wave each delivery's rule, connection and newest
// attempts, and turns the attempt's outcome_code (or, where Meshes records
// no attempts, last_error) plus the connection's state into a likely cause
// and the one call that would fix or confirm it. Each fact appears once:
// the destination's own words in destination_said, the URL to fix whole in
// url, the explanation in cause.

// failureClass is a family of delivery errors with a shared explanation.
type failureClass struct {
	name    string
	pattern *lazyregexp.Regexp
	cause   string
	// next picks the call that fixes or confirms the cause.
	next func(d diagnosis) *schemas.NextCall
}

// diagnosis is one delivery with what is known about its rule and connection.
type diagnosis struct {
	event      *meshesapi.Event
	delivery   *meshesapi.RuleEvent
	rule       *meshesapi.Rule
	connection *meshesapi.Connection
	// attempt is the newest finished attempt, nil when Meshes returned none.
	attempt *meshesapi.DeliveryAttempt
	// lookupErr is why the rule or connection could not be read, when
	// Meshes failed rather than answered 404: an outage is no evidence that
	// the object was deleted.
	lookupErr error
}

func (d diagnosis) retry() *schemas.NextCall {
	return call("retry_delivery", "event_id", d.event.ID, "rule_id", d.delivery.Rule)
}

func (d diagnosis) checkConnection() *schemas.NextCall {
	return call("get_connection", "connection_id", d.delivery.Connection)
}

// fixConnection is the update_connection call to edit, when the connection
// could be read: its current name and metadata, credentials redacted, so
// the model replaces exactly what is wrong (a redacted value sent back
// keeps the stored secret, never overwrites it with the placeholder).
func (d diagnosis) fixConnection() *schemas.NextCall {
	if d.connection == nil {
		return d.checkConnection()
	}
	next := call("update_connection", "connection_id", d.connection.ID, "name", d.connection.Name)
	next.Arguments["metadata"] = redactMetadata(d.connection.Metadata)
	return next
}

// wait is the call that shows how a delivery Meshes is still retrying ends.
func (d diagnosis) wait() *schemas.NextCall {
	return call("get_delivery", "event_id", d.event.ID, "rule_id", d.delivery.Rule)
}

// retryOrWait retries a delivery that has stopped; one Meshes is still
// retrying on its own needs only waiting.
func (d diagnosis) retryOrWait() *schemas.NextCall {
	if d.delivery.Status == "retrying" {
		return d.wait()
	}
	return d.retry()
}

func (d diagnosis) webhook() bool {
	return d.delivery.IntegrationType == "webhook" || (d.connection != nil && d.connection.Type == "webhook")
}

// message is what the destination (or Meshes about it) said last.
func (d diagnosis) message() string {
	if d.attempt != nil && d.attempt.Message != "" {
		return d.attempt.Message
	}
	return d.delivery.LastError
}

func call(tool string, kv ...string) *schemas.NextCall {
	args := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		args[kv[i]] = kv[i+1]
	}
	return &schemas.NextCall{Tool: tool, Arguments: args}
}

// failureClasses are tried in order; the first whose pattern matches
// last_error explains it. Credentials come first because providers often
// phrase a 401 as "invalid api key"; network failures come before
// validation because "invalid" also appears in host names and Go errors.
var failureClasses = []failureClass{
	{"auth", lazyregexp.New(`(?i)\b(401|403)\b|unauthori[sz]ed|forbidden|invalid[ _-]?(api[ _-]?)?(key|token|credential)|authenticat|permission denied|access denied|expired token`),
		"the destination rejected the connection's credentials; update_connection with valid ones (replace the redacted value), then retry_delivery",
		func(d diagnosis) *schemas.NextCall {
			if d.connection != nil && !hasCredential(d.connection.Metadata) {
				return d.checkConnection() // OAuth: reconnected in the dashboard, not by API
			}
			return d.fixConnection()
		}},
	{"not_found", lazyregexp.New(`(?i)\b404\b|not found|no such (list|audience|channel|template|resource)`),
		"the destination has no such endpoint or item (wrong URL, or a list/channel id in the rule that no longer exists)",
		func(d diagnosis) *schemas.NextCall {
			if d.webhook() {
				return d.fixConnection()
			}
			return call("list_connection_actions", "connection_id", d.delivery.Connection)
		}},
	{"rate_limited", lazyregexp.New(`(?i)\b429\b|rate[ -]?limit|too many requests|throttl`),
		"the destination rate-limited Meshes; this passes on its own, so wait, then retry",
		diagnosis.retryOrWait},
	{"timeout", lazyregexp.New(`(?i)timed? ?out|deadline exceeded|took too long`),
		"the destination did not answer in time; once it is up again, retry",
		diagnosis.retryOrWait},
	{"unreachable", lazyregexp.New(`(?i)connection refused|econnrefused|no such host|enotfound|dns|network is unreachable|connection reset|econnreset|dial tcp|\beof\b`),
		"the destination could not be reached (down, wrong host or port); fix the connection's URL with update_connection, then retry",
		func(d diagnosis) *schemas.NextCall {
			if d.webhook() {
				return d.fixConnection()
			}
			return d.checkConnection()
		}},
	{"tls", lazyregexp.New(`(?i)x509|certificate|tls|ssl`),
		"the destination's TLS certificate was refused; fix the certificate or the URL, then retry",
		diagnosis.checkConnection},
	{"validation", lazyregexp.New(`(?i)\b(400|422)\b|validation|invalid|required field|missing (field|required)|unprocessable|bad request|mapping|schema`),
		"the destination rejected the data sent; compare the field mapping with the destination's fields and the event payload",
		func(d diagnosis) *schemas.NextCall {
			return call("get_connection_mapping", "connection_id", d.delivery.Connection)
		}},
	{"server_error", lazyregexp.New(`(?i)\b5\d\d\b|server error|bad gateway|service unavailable|gateway timeout`),
		"the destination failed on its side (5xx); once it is healthy, retry",
		diagnosis.retryOrWait},
}

// outcomeClasses read an attempt's outcome_code (contract §10.6). Codes
// that span several causes (a 4xx, a network failure) are refined by the
// failure classes' patterns over the attempt's message.
var outcomeClasses = map[string]string{
	meshesapi.OutcomeAuthFailed:          "auth",
	meshesapi.OutcomeMappingError:        "validation",
	meshesapi.OutcomeRateLimited:         "rate_limited",
	meshesapi.OutcomeRejectedServerError: "server_error",
	meshesapi.OutcomeTimeout:             "timeout",
}

// refinedOutcomes are outcome codes that span several causes: only the
// classes listed can explain them, picked by the attempt's status and
// message, else the fallback (a 4xx the words do not explain is the data
// the destination refused; a network failure, an unreachable destination).
var refinedOutcomes = map[string]outcomeRefinement{
	meshesapi.OutcomeRejectedClientError: {[]string{"auth", "not_found", "rate_limited", "validation"}, "validation"},
	meshesapi.OutcomeNetworkError:        {[]string{"timeout", "unreachable", "tls"}, "unreachable"},
}

// internalClass is a failure inside Meshes itself.
var internalClass = failureClass{name: "internal", cause: "Meshes failed while delivering (internal_error), not the destination; retry, and contact Meshes support if it persists",
	next: diagnosis.retryOrWait}

// runawayAttempts is where a delivery still retrying stops looking like a
// passing hiccup: retries that keep failing only hammer the destination.
const runawayAttempts = 5

// transient classes clear up by themselves; the rest need a fix first.
var transient = map[string]bool{"rate_limited": true, "timeout": true, "server_error": true, "internal": true, "unreachable": true}

// inactiveCauses explain a connection's inactive_reason.
var inactiveCauses = map[string]string{
	"authentication_invalid":         "the connection is inactive because its credentials are invalid; update_connection with valid ones, then retry_delivery",
	"oauth_authorization_revoked":    "the connection is inactive because its OAuth authorization was revoked; reconnect it in the Meshes dashboard, then retry_delivery",
	"oauth_reauthorization_required": "the connection is inactive until it is re-authorized in the Meshes dashboard; then retry_delivery",
	"manually_inactivated":           "the connection was switched off by hand; reactivate it in the Meshes dashboard, then retry_delivery",
}

func (c *Catalog) diagnoseEvent(ctx context.Context, in *schemas.DiagnoseEventInput) (*schemas.DiagnoseEventOutput, error) {
	e, err := c.event(ctx, in.EventID, false)
	if err != nil {
		return nil, err
	}
	found := c.lookupDeliveryObjects(ctx, e, unrouted(e))
	out := &schemas.DiagnoseEventOutput{
		EventID: e.ID, Event: e.Event, Workspace: e.Workspace, Status: e.Status,
		Findings: []schemas.Finding{}, Deliveries: deliveriesOut(e.RuleEvents),
	}
	// The findings say what each delivery's error means; the list of
	// deliveries does not repeat it.
	for i := range out.Deliveries {
		out.Deliveries[i].LastError = ""
	}
	if len(e.RuleEvents) == 0 {
		out.Findings = append(out.Findings, unroutedFindings(e, unrouted(e), found)...)
	}
	for i := range e.RuleEvents {
		re := &e.RuleEvents[i]
		d := diagnosis{event: e, delivery: re, rule: found.rules[re.Rule], connection: found.conns[re.Connection],
			attempt: found.attempts[re.Rule]}
		d.lookupErr = cmp.Or(found.errs["rule:"+re.Rule], found.errs["connection:"+re.Connection])
		out.Findings = append(out.Findings, deliveryFinding(d))
	}
	out.Summary = summarize(e, out.Findings)
	return out, nil
}

// deliveryLookups is what diagnose_event read about an event's deliveries.
type deliveryLookups struct {
	rules    map[string]*meshesapi.Rule
	conns    map[string]*meshesapi.Connection
	attempts map[string]*meshesapi.DeliveryAttempt // newest finished attempt, by rule id
	// wsRules are the workspace's rules, read only for an event that
	// matched none; wsRulesErr is why they could not be read.
	wsRules    []meshesapi.Rule
	wsRulesErr error
	// errs are failures other than 404, keyed "rule:<id>" or
	// "connection:<id>", so that an outage is not mistaken for a deleted
	// object.
	errs map[string]error
}

// diagnosedAttempts is how many of a delivery's newest attempts are read:
// the newest may still be on the wire, without an outcome yet.
const diagnosedAttempts = 3

// lookupDeliveryObjects reads, in one concurrent wave, each distinct rule
// and connection of the event's deliveries (through the scoped reads: an
// event's deliveries could name another workspace's rule or connection,
// which must read as missing), the newest attempts of every delivery that
// has not completed, and (for an event that matched no rule) the
// workspace's rules. A lookup that fails leaves a nil entry instead of
// failing the diagnosis.
func (c *Catalog) lookupDeliveryObjects(ctx context.Context, e *meshesapi.Event, unrouted bool) deliveryLookups {
	l := deliveryLookups{rules: map[string]*meshesapi.Rule{}, conns: map[string]*meshesapi.Connection{},
		attempts: map[string]*meshesapi.DeliveryAttempt{}, errs: map[string]error{}}
	var keys []string
	for _, re := range e.RuleEvents {
		if _, ok := l.rules[re.Rule]; !ok && re.Rule != "" {
			l.rules[re.Rule] = nil
			keys = append(keys, "rule:"+re.Rule)
			if re.Status != "completed" && re.AttemptCount > 0 {
				keys = append(keys, "attempts:"+re.Rule)
			}
		}
		if _, ok := l.conns[re.Connection]; !ok && re.Connection != "" {
			l.conns[re.Connection] = nil
			keys = append(keys, "connection:"+re.Connection)
		}
	}
	if unrouted {
		keys = append(keys, "workspace-rules:")
	}
	var mu sync.Mutex
	_ = forEach(ctx, c.log, c.limits.ReadFanout, keys, func(ctx context.Context, key string) error {
		kind, id, _ := strings.Cut(key, ":")
		// A panic in one lookup is that object's error: the diagnosis
		// says it could not be read rather than that it is gone.
		err := contain(c.log, "a diagnose_event lookup", func() error {
			switch kind {
			case "rule":
				return readInto(ctx, &mu, c.rule, id, l.rules)
			case "connection":
				return readInto(ctx, &mu, c.connection, id, l.conns)
			case "attempts":
				// Attempts deepen the diagnosis; without them last_error
				// still explains it, so their failure is no finding.
				list, aerr := c.client.ListDeliveryAttempts(ctx, e.ID, id, meshesapi.Page{Limit: diagnosedAttempts})
				if aerr == nil {
					mu.Lock()
					for i := range list.Records {
						if list.Records[i].OutcomeCode != "" {
							l.attempts[id] = &list.Records[i]
							break
						}
					}
					mu.Unlock()
				}
			case "workspace-rules":
				rules, _, rerr := collectPages(ctx, c.rulesLister(e.Workspace, meshesapi.RuleFilter{}))
				mu.Lock()
				l.wsRules, l.wsRulesErr = rules, rerr
				mu.Unlock()
			}
			return nil
		})
		if err != nil && !isNotFound(err) {
			mu.Lock()
			l.errs[key] = err
			mu.Unlock()
		}
		return nil
	})
	return l
}

// maxQuote bounds the destination's words quoted in a finding.
const maxQuote = 400

// quote is text cut at a word boundary, never inside a URL or a word.
func quote(s string) string {
	s = strings.TrimSpace(s)
	if len(s) <= maxQuote {
		return s
	}
	cut := strings.LastIndexByte(s[:maxQuote], ' ')
	if cut <= 0 {
		return strings.ToValidUTF8(s[:maxQuote], "") + "…"
	}
	return s[:cut] + " …"
}

// readInto reads one object and stores it under its id, holding mu.
func readInto[T any](ctx context.Context, mu *sync.Mutex, read func(context.Context, string) (*T, error), id string, into map[string]*T) error {
	obj, err := read(ctx, id)
	if err == nil {
		mu.Lock()
		into[id] = obj
		mu.Unlock()
	}
	return err
}

func deliveryFinding(d diagnosis) schemas.Finding {
	re := d.delivery
	f := schemas.Finding{RuleID: re.Rule, ConnectionID: re.Connection}
	if d.attempt != nil {
		f.OutcomeCode = d.attempt.OutcomeCode
	}
	dest := re.IntegrationType
	if d.connection != nil {
		dest = fmt.Sprintf("%s connection %q", d.connection.Type, d.connection.Name)
	}
	switch re.Status {
	case "completed":
		f.Severity, f.What = "info", fmt.Sprintf("delivered to %s after %s", dest, attempts(re.AttemptCount))
		return f
	case "pending", "processing":
		f.Severity = "warning"
		f.What = fmt.Sprintf("delivery to %s is %s after %s", dest, re.Status, attempts(re.AttemptCount))
		if msg := d.message(); msg != "" && re.AttemptCount > 0 {
			f.Said = quote(redactText(msg))
			f.Cause = classify(d).cause
		}
		f.Next = d.wait()
		return f
	case "canceled":
		f.Severity, f.What = "info", fmt.Sprintf("delivery to %s was canceled after %s", dest, attempts(re.AttemptCount))
		f.Next = d.retry()
		return f
	}
	f.Severity = "error"
	f.What = fmt.Sprintf("delivery to %s %s after %s", dest, re.Status, attempts(re.AttemptCount))
	if re.Status == "retrying" {
		f.What = fmt.Sprintf("delivery to %s keeps failing: %s so far, and Meshes is retrying", dest, attempts(re.AttemptCount))
	}
	if msg := d.message(); msg != "" {
		f.Said = quote(redactText(msg))
	}
	switch {
	case d.lookupErr != nil:
		f.Cause = classify(d).cause + "; its rule or connection could not be read just now (" +
			strings.TrimSuffix(errorText(d.lookupErr), ".") + "), so call diagnose_event again for the full picture"
		f.Next = call("diagnose_event", "event_id", d.event.ID)
	case d.rule == nil:
		f.Cause = "the rule behind this delivery no longer exists (or cannot be read), so retrying is impossible; route the event with a new rule"
		f.Next = call("list_rules", "workspace_id", d.event.Workspace, "event", d.event.Event)
	case d.connection == nil:
		f.Cause = "the connection behind this delivery no longer exists (or cannot be read); create or pick another connection and a rule for it"
		f.Next = call("list_connections", "workspace_id", d.event.Workspace)
	case d.connection.Active != nil && !*d.connection.Active:
		f.Cause = inactiveCauses[d.connection.InactiveReason]
		if f.Cause == "" {
			f.Cause = "the connection is inactive (" + orDefault(d.connection.InactiveReason, "no reason given") + "); reactivate it, then retry_delivery"
		}
		f.Next = d.checkConnection()
		if d.connection.InactiveReason == "authentication_invalid" && hasCredential(d.connection.Metadata) {
			f.Next = d.fixConnection()
		}
	case missingActionData(d):
		f.Cause = fmt.Sprintf("rule action %q needs metadata.id (a list, tag or channel) and the rule has none; recreate the rule with an id from list_connection_actions", d.rule.Metadata["action"])
		f.Next = call("list_connection_actions", "connection_id", re.Connection)
	default:
		cl := classify(d)
		f.Cause, f.Next = cl.cause, cl.next(d)
		if re.Status == "retrying" && (!transient[cl.name] || re.AttemptCount >= runawayAttempts) {
			if transient[cl.name] {
				f.Cause += fmt.Sprintf("; after %s the retries only hammer the destination, so cancel them until it is fixed", attempts(re.AttemptCount))
				f.Next = call("cancel_delivery", "event_id", d.event.ID, "rule_id", re.Rule)
			} else {
				f.Cause += "; retrying cannot succeed before that, so cancel_delivery stops the retries meanwhile"
			}
		}
		if f.Next != nil && f.Next.Tool == "update_connection" && d.webhook() {
			if u, ok := d.connection.Metadata["url"].(string); ok {
				f.URL = redactText(u)
			}
		}
	}
	return f
}

// classify explains a failure by the attempt's outcome_code when Meshes
// recorded one, else by the words of last_error; an error no pattern knows
// is still worth a retry once the event and destination have been looked at.
func classify(d diagnosis) failureClass {
	msg := d.message()
	candidates, fallback := failureClasses, ""
	if d.attempt != nil {
		code := d.attempt.OutcomeCode
		if code == meshesapi.OutcomeInternalError {
			return internalClass
		}
		if name, ok := outcomeClasses[code]; ok {
			return classNamed(name)
		}
		if refine, ok := refinedOutcomes[code]; ok {
			candidates, fallback = refine.classes(), refine.fallback
		}
		if code == meshesapi.OutcomeRejectedClientError && d.attempt.ResponseStatus != 0 {
			msg = strconv.Itoa(d.attempt.ResponseStatus) + " " + msg
		}
	}
	for _, fc := range candidates {
		if fc.pattern.MatchString(msg) {
			return fc
		}
	}
	if fallback != "" {
		return classNamed(fallback)
	}
	if msg == "" {
		return failureClass{name: "unknown", cause: "Meshes recorded no error message; look at the event payload and the destination's own logs",
			next: func(d diagnosis) *schemas.NextCall {
				next := call("get_event", "event_id", d.event.ID)
				next.Arguments["include_payload"] = true // a boolean, as get_event's schema says
				return next
			}}
	}
	return failureClass{name: "unknown", cause: "the destination reported an error this server does not recognise; read it, fix what it names, then retry", next: diagnosis.retry}
}

// outcomeRefinement is the failure classes that may explain an outcome
// code, in failureClasses' order, and the one that does when none matches.
type outcomeRefinement struct {
	names    []string
	fallback string
}

func (r outcomeRefinement) classes() []failureClass {
	var out []failureClass
	for _, fc := range failureClasses {
		if slices.Contains(r.names, fc.name) {
			out = append(out, fc)
		}
	}
	return out
}

func classNamed(name string) failureClass {
	for _, fc := range failureClasses {
		if fc.name == name {
			return fc
		}
	}
	panic("diagnose: no failure class " + name)
}

// hasCredential reports whether connection metadata holds a credential the
// API can replace (an API key, a webhook's auth token); OAuth connections
// hold none and are reconnected in the dashboard.
func hasCredential(md map[string]any) bool {
	for k, v := range md {
		if sensitiveKey(k, v) && normalizeName(k) != "authscheme" {
			return true
		}
	}
	return false
}

// actionsNeedingID are rule actions that select an item from live data
// (docs/meshes-api.md §13.3) and cannot work without metadata.id.
var actionsNeedingID = []string{
	"add_to_list", "remove_from_list", "add_tag", "remove_tag", "update_property", "add_to_group",
	"remove_from_group", "update_person_field", "add_label_to_person", "remove_label_from_person",
	"add_to_segment", "remove_from_segment", "send_email_template", "add_to_campaign",
	"remove_from_campaign", "add_meeting_registrant", "add_webinar_registrant", "send_message",
}

func missingActionData(d diagnosis) bool {
	action, _ := d.rule.Metadata["action"].(string)
	id, _ := d.rule.Metadata["id"].(string)
	return slices.Contains(actionsNeedingID, action) && strings.TrimSpace(id) == ""
}

// unroutedFindings explains an event that produced no delivery: no rule for
// its name (naming the routed event names it looks like a typo of), rules
// switched off, or resource filters that do not match.
func unroutedFindings(e *meshesapi.Event, unrouted bool, found deliveryLookups) []schemas.Finding {
	if !unrouted {
		return []schemas.Finding{{Severity: "warning", What: "Meshes has not routed this event yet",
			Cause: "routing is asynchronous; look again in a few seconds", Next: call("get_event", "event_id", e.ID)}}
	}
	if found.wsRulesErr != nil {
		return []schemas.Finding{{Severity: "error", What: "the event matched no rule, and the workspace's rules could not be read: " + errorText(found.wsRulesErr),
			Next: call("list_rules", "workspace_id", e.Workspace, "event", e.Event)}}
	}
	var findings []schemas.Finding
	var routed []string
	for _, r := range found.wsRules {
		if r.Event != e.Event {
			if (r.Active == nil || *r.Active) && !slices.Contains(routed, r.Event) {
				routed = append(routed, r.Event)
			}
			continue
		}
		switch {
		case r.Active != nil && !*r.Active:
			findings = append(findings, schemas.Finding{Severity: "error", RuleID: r.ID, ConnectionID: r.Connection,
				What:  fmt.Sprintf("rule %s routes %q but is inactive", r.ID, e.Event),
				Cause: "inactive rules do not deliver; rules cannot be edited, so delete it and create it again with active true",
				Next:  call("get_rule", "rule_id", r.ID)})
		case r.Resource != "" && r.Resource != e.Resource, r.ResourceID != "" && r.ResourceID != e.ResourceID:
			findings = append(findings, schemas.Finding{Severity: "error", RuleID: r.ID, ConnectionID: r.Connection,
				What: fmt.Sprintf("rule %s routes %q only for resource %q / resource_id %q, but the event has %q / %q",
					r.ID, e.Event, r.Resource, r.ResourceID, e.Resource, e.ResourceID),
				Cause: "the rule's resource filter does not match the event; send the event with matching resource fields or add a rule without the filter",
				Next:  call("get_rule", "rule_id", r.ID)})
		}
	}
	if len(findings) > 0 {
		return findings
	}
	f := schemas.Finding{Severity: "error", What: fmt.Sprintf("the event matched no rule: no rule routes %q in this workspace, so nothing was delivered", e.Event)}
	if near := nearNames(e.Event, routed); len(near) > 0 {
		f.Cause = fmt.Sprintf("%q looks like a typo of %s, which this workspace's rules do route; send the event under that name, or create a rule for %q",
			e.Event, quoteList(near), e.Event)
		f.Next = call("list_rules", "workspace_id", e.Workspace, "event", near[0])
	} else {
		f.Cause = "create a rule for this event: pick a connection, then create_rule"
		f.Next = call("list_connections", "workspace_id", e.Workspace)
	}
	return []schemas.Finding{f}
}

// unrouted reports an event Meshes has routed to no rule: no deliveries,
// and not merely waiting to be routed.
func unrouted(e *meshesapi.Event) bool {
	waiting := e.Status == "pending" && (e.TotalRules == nil || *e.TotalRules > 0)
	return len(e.RuleEvents) == 0 && !waiting
}

// nearNames are the names within a small edit distance of name: a letter
// or two wrong, or a separator swapped (user_signup for user.signup).
func nearNames(name string, names []string) []string {
	var near []string
	for _, n := range names {
		limit := max(2, len(name)/5)
		if d := editDistance(strings.ToLower(name), strings.ToLower(n)); d > 0 && d <= limit {
			near = append(near, n)
		}
	}
	return near
}

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

// summarize states the outcome in one sentence and points at the first
// problem's call, without repeating what the findings say.
func summarize(e *meshesapi.Event, findings []schemas.Finding) string {
	counts := map[string]int{}
	for _, re := range e.RuleEvents {
		counts[re.Status]++
	}
	var parts []string
	for _, s := range schemas.DeliveryStatuses {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	head := fmt.Sprintf("event %s (%s) is %s", e.Event, e.ID, e.Status)
	switch {
	case len(parts) > 0:
		head += " with " + strings.Join(parts, ", ") + " deliveries"
	case e.Status != "pending" && e.Status != "processing":
		head = fmt.Sprintf("event %s (%s) matched no rule, so nothing was delivered (Meshes reports it %s)", e.Event, e.ID, e.Status)
	}
	problems := 0
	var first *schemas.Finding
	for i := range findings {
		if findings[i].Severity == "error" {
			problems++
			if first == nil {
				first = &findings[i]
			}
		}
	}
	if first == nil {
		return head + "."
	}
	s := fmt.Sprintf("%s; %d problem(s) found", head, problems)
	if first.Next != nil {
		s += "; the first is fixed with " + first.Next.Tool
	}
	return s + "."
}

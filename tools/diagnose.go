package tools

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/meshes-mcp/meshes-mcp/internal/lazyregexp"
	"github.com/meshes-mcp/meshes-mcp/meshesapi"
	"github.com/meshes-mcp/meshes-mcp/schemas"
)

// diagnose_event does what an engineer does with a failed delivery: reads
// the event, each delivery, the rule and the connection behind it, and
// turns last_error plus the connection's state into a likely cause and the
// one call that would fix or confirm it.

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
		"the destination rejected the connection's credentials; update_connection with valid ones, then retry_delivery",
		diagnosis.checkConnection},
	{"not_found", lazyregexp.New(`(?i)\b404\b|not found|no such (list|audience|channel|template|resource)`),
		"the destination has no such endpoint or item (wrong URL, or a list/channel id in the rule that no longer exists)",
		func(d diagnosis) *schemas.NextCall {
			if d.delivery.IntegrationType == "webhook" {
				return d.checkConnection()
			}
			return call("list_connection_actions", "connection_id", d.delivery.Connection)
		}},
	{"rate_limited", lazyregexp.New(`(?i)\b429\b|rate[ -]?limit|too many requests|throttl`),
		"the destination rate-limited Meshes; this passes on its own, so retry in a while",
		diagnosis.retry},
	{"timeout", lazyregexp.New(`(?i)timed? ?out|deadline exceeded|took too long`),
		"the destination did not answer in time; if it is up again, retry",
		diagnosis.retry},
	{"unreachable", lazyregexp.New(`(?i)connection refused|econnrefused|no such host|enotfound|dns|network is unreachable|connection reset|econnreset|dial tcp|\beof\b`),
		"the destination could not be reached (down, wrong host or port); check the connection's URL, then retry",
		diagnosis.checkConnection},
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
		diagnosis.retry},
}

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
	rules, conns, lookupErrs := c.lookupDeliveryObjects(ctx, e.RuleEvents)
	out := &schemas.DiagnoseEventOutput{
		EventID: e.ID, Event: e.Event, Workspace: e.Workspace, Status: e.Status,
		Findings: []schemas.Finding{}, Deliveries: deliveriesOut(e.RuleEvents),
	}
	if len(e.RuleEvents) == 0 {
		out.Findings = append(out.Findings, c.unroutedFindings(ctx, e)...)
	}
	for i := range e.RuleEvents {
		re := &e.RuleEvents[i]
		d := diagnosis{event: e, delivery: re, rule: rules[re.Rule], connection: conns[re.Connection]}
		d.lookupErr = cmp.Or(lookupErrs["rule:"+re.Rule], lookupErrs["connection:"+re.Connection])
		out.Findings = append(out.Findings, deliveryFinding(d))
	}
	out.Summary = summarize(e, out.Findings)
	return out, nil
}

// lookupDeliveryObjects fetches each distinct rule and connection once, a
// few at a time, through the scoped reads: an event's deliveries could name
// another workspace's rule or connection, which must read as missing. A
// lookup that fails leaves a nil entry instead of failing the diagnosis;
// failures other than not found are kept in errs (keyed
// "rule:<id>" or "connection:<id>") so that an outage is not mistaken for
// a deleted object.
func (c *Catalog) lookupDeliveryObjects(ctx context.Context, res []meshesapi.RuleEvent) (rules map[string]*meshesapi.Rule, conns map[string]*meshesapi.Connection, errs map[string]error) {
	rules = map[string]*meshesapi.Rule{}
	conns = map[string]*meshesapi.Connection{}
	errs = map[string]error{}
	var ids []string
	for _, re := range res {
		if _, ok := rules[re.Rule]; !ok && re.Rule != "" {
			rules[re.Rule] = nil
			ids = append(ids, "rule:"+re.Rule)
		}
		if _, ok := conns[re.Connection]; !ok && re.Connection != "" {
			conns[re.Connection] = nil
			ids = append(ids, "connection:"+re.Connection)
		}
	}
	var mu sync.Mutex
	_ = forEach(ctx, c.log, c.limits.Concurrency, ids, func(ctx context.Context, key string) error {
		kind, id, _ := strings.Cut(key, ":")
		// A panic in one lookup is that object's error: the diagnosis
		// says it could not be read rather than that it is gone.
		err := contain(c.log, "a diagnose_event lookup", func() error {
			if kind == "rule" {
				return readInto(ctx, &mu, c.rule, id, rules)
			}
			return readInto(ctx, &mu, c.connection, id, conns)
		})
		if err != nil && !isNotFound(err) {
			mu.Lock()
			errs[key] = err
			mu.Unlock()
		}
		return nil
	})
	return rules, conns, errs
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
	dest := re.IntegrationType
	if d.connection != nil {
		dest = fmt.Sprintf("%s connection %q", d.connection.Type, d.connection.Name)
	}
	switch re.Status {
	case "completed":
		f.Severity, f.What = "info", fmt.Sprintf("delivered to %s after %s", dest, attempts(re.AttemptCount))
		return f
	case "pending", "processing", "retrying":
		f.Severity = "warning"
		f.What = fmt.Sprintf("delivery to %s is %s after %s", dest, re.Status, attempts(re.AttemptCount))
		if re.LastError != "" {
			f.What += "; last error: " + clip(redactText(re.LastError))
			f.Cause = classify(d).cause
		}
		f.Next = call("get_event", "event_id", d.event.ID)
		return f
	case "canceled":
		f.Severity, f.What = "info", fmt.Sprintf("delivery to %s was canceled", dest)
		f.Next = d.retry()
		return f
	}
	f.Severity = "error"
	f.What = fmt.Sprintf("delivery to %s %s after %s", dest, re.Status, attempts(re.AttemptCount))
	if re.LastError != "" {
		f.What += ": " + clip(redactText(re.LastError))
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
	case missingActionData(d):
		f.Cause = fmt.Sprintf("rule action %q needs metadata.id (a list, tag or channel) and the rule has none; recreate the rule with an id from list_connection_actions", d.rule.Metadata["action"])
		f.Next = call("list_connection_actions", "connection_id", re.Connection)
	default:
		cl := classify(d)
		f.Cause, f.Next = cl.cause, cl.next(d)
	}
	return f
}

// classify explains last_error; an error no pattern knows is still worth a
// retry once the event and destination have been looked at.
func classify(d diagnosis) failureClass {
	for _, fc := range failureClasses {
		if fc.pattern.MatchString(d.delivery.LastError) {
			return fc
		}
	}
	if d.delivery.LastError == "" {
		return failureClass{name: "unknown", cause: "Meshes recorded no error message; look at the event payload and the destination's own logs",
			next: func(d diagnosis) *schemas.NextCall {
				next := call("get_event", "event_id", d.event.ID)
				next.Arguments["include_payload"] = true // a boolean, as get_event's schema says
				return next
			}}
	}
	return failureClass{name: "unknown", cause: "the destination reported an error this server does not recognise; read it, fix what it names, then retry", next: diagnosis.retry}
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
// its name, rules switched off, or resource filters that do not match.
func (c *Catalog) unroutedFindings(ctx context.Context, e *meshesapi.Event) []schemas.Finding {
	if e.Status == "pending" && (e.TotalRules == nil || *e.TotalRules > 0) {
		return []schemas.Finding{{Severity: "warning", What: "Meshes has not routed this event yet",
			Cause: "routing is asynchronous; look again in a few seconds", Next: call("get_event", "event_id", e.ID)}}
	}
	rules, _, err := collectPages(ctx, c.rulesLister(e.Workspace, meshesapi.RuleFilter{Event: e.Event}))
	if err != nil {
		return []schemas.Finding{{Severity: "error", What: "the event matched no rule, and its rules could not be read: " + errorText(err),
			Next: call("list_rules", "workspace_id", e.Workspace, "event", e.Event)}}
	}
	var findings []schemas.Finding
	for _, r := range rules {
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
	if len(findings) == 0 {
		findings = append(findings, schemas.Finding{Severity: "error",
			What:  fmt.Sprintf("no rule routes %q in this workspace, so nothing was delivered", e.Event),
			Cause: "create a rule for this event: pick a connection, then create_rule",
			Next:  call("list_connections", "workspace_id", e.Workspace)})
	}
	return findings
}

func attempts(n int) string {
	if n == 1 {
		return "1 attempt"
	}
	return fmt.Sprintf("%d attempts", n)
}

// summarize states the outcome in one sentence, leading with the first
// problem found.
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
	if len(parts) > 0 {
		head += " with " + strings.Join(parts, ", ") + " deliveries"
	}
	for _, f := range findings {
		if f.Severity == "error" {
			s := head + ". First problem: " + f.What
			if f.Cause != "" {
				s += ". Likely cause: " + f.Cause
			}
			if f.Next != nil {
				s += ". Next: " + f.Next.Tool
			}
			return s + "."
		}
	}
	return head + "."
}

package sandbox

import (
	"encoding/json"
	"fmt"
	"time"
)

// The demo organisation (Options.Seed), deterministic in shape:
//
//	Acme Production
//	  HubSpot CRM           hubspot    active
//	  Slack Alerts          slack      active
//	  Mailchimp Newsletter  mailchimp  inactive: authentication_invalid
//	  Order Webhook         webhook    http://127.0.0.1:9/… (nothing listens: refused)
//	  rules: user.signup → HubSpot list, Slack #signups, Mailchimp audience;
//	         trial.started → HubSpot lifecycle stage; order.completed → webhook
//	  events: user.signup ×2 (failed: Mailchimp rejects the revoked key),
//	          trial.started (completed), order.completed (failed after every
//	          retry: connection refused), contact.created (no rules, completed)
//	  one embed session
//	Acme Staging
//	  Staging Slack         slack      active, rule user.signup → #general
//	  events: user.signup (completed)
//
// Deliveries are run to their end synchronously during New, with backdated
// timestamps, so a newcomer's first look shows settled history, including
// failures whose cause reads from last_error plus the connection's
// active/inactive_reason. Nothing leaves the machine: the webhook targets
// the loopback discard port, which refuses connections.

const seedWebhookURL = "http://127.0.0.1:9/meshes/orders"

func (s *Server) seed() {
	c := caller{orgID: s.opts.OrgID, createdBy: "user_demo"}
	t := s.now().Add(-2 * time.Hour).Truncate(time.Second)
	step := func(d time.Duration) time.Time { t = t.Add(d); return t }

	prod := must(s.addWorkspace(c, workspaceInput{Name: ptr("Acme Production"),
		Description: optional[string]{Set: true, Value: "Customer-facing production tenant"}}, step(0)))
	staging := must(s.addWorkspace(c, workspaceInput{Name: ptr("Acme Staging"),
		Description: optional[string]{Set: true, Value: "Pre-release testing"}}, step(time.Minute)))

	conn := func(ws, typ, name string, md map[string]any) connection {
		return must(s.addConnection(c, connectionInput{Workspace: &ws, Type: &typ, Name: &name, Metadata: rawJSON(md)}, step(time.Minute)))
	}
	hubspot := conn(prod.ID, "hubspot", "HubSpot CRM", map[string]any{})
	slack := conn(prod.ID, "slack", "Slack Alerts", map[string]any{})
	mailchimp := conn(prod.ID, "mailchimp", "Mailchimp Newsletter", map[string]any{
		"data_center": "us21", "api_key": "0123456789abcdef0123456789abcdef-us21", metaInactiveReason: "authentication_invalid"})
	webhook := conn(prod.ID, "webhook", "Order Webhook", map[string]any{
		"url": seedWebhookURL, "payload_mode": "wrapped", "signing_secret": "whsec_demo_0123456789"})
	stagingSlack := conn(staging.ID, "slack", "Staging Slack", map[string]any{})

	rule := func(ws, conn, event string, md map[string]any) {
		must(s.addRule(c, ruleInput{Workspace: &ws, Connection: &conn, Event: &event, Metadata: rawJSON(md)}, step(time.Minute)))
	}
	rule(prod.ID, hubspot.ID, "user.signup", map[string]any{"action": "add_to_list", "id": "5", "name": "Unit Test List"})
	rule(prod.ID, slack.ID, "user.signup", map[string]any{"action": "send_message", "id": "C0987654321", "template": "New signup: {{email}} ({{plan}})"})
	rule(prod.ID, mailchimp.ID, "user.signup", map[string]any{"action": "add_to_list", "id": "a1b2c3d4e5", "name": "Main Audience"})
	rule(prod.ID, hubspot.ID, "trial.started", map[string]any{"action": "update_property", "id": "lifecyclestage", "value": "lead"})
	rule(prod.ID, webhook.ID, "order.completed", map[string]any{"action": "send_webhook"})
	rule(staging.ID, stagingSlack.ID, "user.signup", map[string]any{"action": "send_message", "id": "C0123456789", "template": "[staging] {{email}} signed up"})

	emit := func(ws, name, resource, resourceID string, payload map[string]any) {
		in := eventInput{Event: &name, Workspace: &ws, Payload: rawJSON(payload)}
		if resource != "" {
			in.Resource, in.ResourceID = &resource, &resourceID
		}
		_, jobs, aerr := s.ingest(c, in, step(10*time.Minute))
		if aerr != nil {
			panic(fmt.Sprintf("sandbox seed: %s", aerr.Message))
		}
		for _, j := range jobs {
			s.runToEnd(j, &t)
		}
	}
	emit(prod.ID, "user.signup", "user", "usr_1001", map[string]any{"email": "alice@acme.test", "first_name": "Alice", "plan": "pro"})
	emit(prod.ID, "trial.started", "user", "usr_1002", map[string]any{"email": "bob@acme.test", "first_name": "Bob", "trial_days": 14})
	emit(prod.ID, "order.completed", "order", "ord_5001", map[string]any{"email": "alice@acme.test", "order_id": "ord_5001", "total": 129.5, "currency": "USD"})
	emit(prod.ID, "contact.created", "", "", map[string]any{"email": "carol@acme.test", "name": "Carol Smith"})
	emit(prod.ID, "user.signup", "user", "usr_1003", map[string]any{"email": "dave@acme.test", "first_name": "Dave", "plan": "starter"})
	emit(staging.ID, "user.signup", "user", "usr_9001", map[string]any{"email": "qa@acme.test", "first_name": "QA"})

	must(s.mintSession(c, sessionInput{WorkspaceID: &prod.ID, Role: ptr("admin"), ExternalUserID: ptr("user_demo")}, step(time.Minute)))
}

// runToEnd drives one seeded delivery through all its attempts without
// waiting out the backoff; *t advances as if it had.
func (s *Server) runToEnd(j job, t *time.Time) {
	for {
		d, ok := s.beginAttempt(j, t.Add(time.Second))
		if !ok {
			return
		}
		res := s.deliver(s.ctx, d)
		next, delay := s.finishAttempt(d, res, t.Add(time.Second+res.elapsed))
		if next == nil {
			return
		}
		*t = t.Add(delay)
		j = *next
	}
}

// must unwraps a seeding step; the seed data is fixed, so a failure is a
// bug in this file and tests catch it.
func must[T any](v T, aerr *apiError) T {
	if aerr != nil {
		panic(fmt.Sprintf("sandbox seed: %d %s", aerr.Status, aerr.Message))
	}
	return v
}

func ptr[T any](v T) *T { return &v }

func rawJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v) // maps of plain values always encode
	return b
}

package sandbox

import (
	"strings"
	"sync"
)

// Fake "live" account data: what GET /connections/{id}/actions would fetch
// from the provider (lists, tags, channels, ...), and the destination field
// catalog GET /connections/{id}/fields reports. Deliveries check rule
// metadata.id against the same data, so a rule pointing at a list that the
// account does not have fails the way it would against the real provider.

// liveItem is one selectable item; properties carry nested options.
type liveItem struct {
	ID      string       `json:"id"`
	Name    string       `json:"name"`
	Options []liveOption `json:"options,omitempty"`
}

type liveOption struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

func items(pairs ...string) []liveItem {
	out := make([]liveItem, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, liveItem{ID: pairs[i], Name: pairs[i+1]})
	}
	return out
}

func prop(id, name string, values ...string) liveItem {
	it := liveItem{ID: id, Name: name}
	for _, v := range values {
		it.Options = append(it.Options, liveOption{Value: v, Label: titleCase(strings.ReplaceAll(v, "_", " "))})
	}
	return it
}

// liveData maps integration type → collection name (an action input's
// "from") → items. Built on first use, like the other large tables here: a
// map literal is built at every start of the binary, and only --sandbox
// needs these.
var liveData = sync.OnceValue(func() map[string]map[string][]liveItem {
	return map[string]map[string][]liveItem{
		"activecampaign": {
			"lists": items("1", "Newsletter", "2", "Product Updates", "5", "Unit Test List"),
			"tags":  items("11", "customer", "12", "trial", "13", "vip"),
		},
		"aweber":  {"lists": items("awlist6512", "Weekly Digest", "awlist6513", "Onboarding")},
		"discord": {"channels": items("1100000000000000001", "#general", "1100000000000000002", "#signups")},
		"hubspot": {
			"lists": items("5", "Unit Test List", "12", "Newsletter Subscribers", "27", "Trial Users"),
			"properties": {
				prop("lifecyclestage", "Lifecycle Stage", "subscriber", "lead", "marketingqualifiedlead", "customer"),
				prop("hs_lead_status", "Lead Status", "new", "open", "in_progress", "connected"),
			},
		},
		"intercom":   {"tags": items("7001", "Signed Up", "7002", "Paying", "7003", "Churn Risk")},
		"mailchimp":  {"lists": items("a1b2c3d4e5", "Main Audience", "f6g7h8i9j0", "Beta Testers")},
		"mailerlite": {"groups": items("98765432101", "Subscribers", "98765432102", "Customers")},
		"pipedrive": {
			"properties": {prop("lead_source", "Lead Source", "website", "referral", "event"), prop("tier", "Customer Tier", "free", "pro", "enterprise")},
			"labels":     items("1", "Hot lead", "2", "Customer", "3", "Cold lead"),
		},
		"resend": {
			"segments":  items("seg_3f1c8a", "All Users", "seg_7d2e9b", "Trialists"),
			"templates": items("tmpl_welcome", "Welcome", "tmpl_receipt", "Receipt"),
		},
		"salesforce": {
			"campaigns":  items("7015g000000AbCdAAK", "Spring Webinar", "7015g000000AbCeAAK", "Newsletter"),
			"properties": {prop("LeadSource", "Lead Source", "Web", "Phone Inquiry", "Partner Referral"), prop("Status", "Lead Status", "Open - Not Contacted", "Working - Contacted", "Closed - Converted")},
		},
		"sendgrid": {"templates": items("d-0f1e2d3c4b5a69788796a5b4c3d2e1f0", "Welcome", "d-1a2b3c4d5e6f708192a3b4c5d6e7f809", "Trial Ending")},
		"slack":    {"channels": items("C0123456789", "#general", "C0987654321", "#signups", "C0555555555", "#alerts")},
		"zoom": {
			"meetings": items("81234567890", "Weekly Office Hours", "81234567891", "Onboarding Call"),
			"webinars": items("91234567890", "Product Launch Webinar"),
		},
	}
})

// liveItemExists reports whether the connection's account has the item a
// rule references. Collections the sandbox has no data for always pass.
func liveItemExists(integrationType, collection, id string) bool {
	list, ok := liveData()[integrationType][collection]
	if !ok {
		return true
	}
	for _, it := range list {
		if it.ID == id {
			return true
		}
	}
	return false
}

// fieldDef is a FieldDefinition (docs/meshes-api.md §7.3). source is the payload key the
// generated default mapping reads for this field ("" = not mapped).
type fieldDef struct {
	Key         string            `json:"key"`
	Label       string            `json:"label,omitempty"`
	Type        string            `json:"type"`
	Description string            `json:"description,omitempty"`
	Constraints *fieldConstraints `json:"constraints,omitempty"`

	source string
}

type fieldConstraints struct {
	Format        string   `json:"format,omitempty"`
	Required      bool     `json:"required,omitempty"`
	ReadOnly      bool     `json:"read_only,omitempty"`
	MaxLength     int      `json:"max_length,omitempty"`
	AllowedValues []string `json:"allowed_values,omitempty"`
}

func emailField(key string) fieldDef {
	return fieldDef{Key: key, Label: "Email", Type: "string", source: "email",
		Constraints: &fieldConstraints{Format: "email", Required: true, MaxLength: 254}}
}

func text(key, label, source string) fieldDef {
	return fieldDef{Key: key, Label: label, Type: "string", source: source}
}

func enumField(key, label string, values ...string) fieldDef {
	return fieldDef{Key: key, Label: label, Type: "enum", Constraints: &fieldConstraints{AllowedValues: values}}
}

// fieldCatalogs are the destination fields per integration type.
var fieldCatalogs = sync.OnceValue(func() map[string][]fieldDef {
	return map[string][]fieldDef{
		"activecampaign": {emailField("email"), text("firstName", "First Name", "first_name"), text("lastName", "Last Name", "last_name"), text("phone", "Phone", "phone")},
		"aweber":         {emailField("email"), text("name", "Name", "name")},
		"customer_io": {emailField("email"), text("id", "Person ID", "id"), text("first_name", "First Name", "first_name"),
			{Key: "created_at", Label: "Created At", Type: "datetime"}, text("plan", "Plan", "plan")},
		"discord": {text("content", "Message Content", "")},
		"hubspot": {emailField("email"), text("firstname", "First Name", "first_name"), text("lastname", "Last Name", "last_name"),
			text("phone", "Phone Number", "phone"), text("company", "Company Name", "company"), text("website", "Website URL", "resource_url"),
			enumField("lifecyclestage", "Lifecycle Stage", "subscriber", "lead", "marketingqualifiedlead", "customer")},
		"intercom":   {emailField("email"), text("name", "Name", "name"), text("phone", "Phone", "phone"), text("external_id", "External ID", "id")},
		"mailchimp":  {emailField("email_address"), text("FNAME", "First Name", "first_name"), text("LNAME", "Last Name", "last_name"), text("PHONE", "Phone Number", "phone")},
		"mailerlite": {emailField("email"), text("name", "First Name", "first_name"), text("last_name", "Last Name", "last_name"), text("phone", "Phone", "phone")},
		"pipedrive": {emailField("email"), text("name", "Name", "name"), text("phone", "Phone", "phone"), text("org_name", "Organization", "company"),
			enumField("tier", "Customer Tier", "free", "pro", "enterprise")},
		"resend": {emailField("email"), text("first_name", "First Name", "first_name"), text("last_name", "Last Name", "last_name"),
			{Key: "unsubscribed", Label: "Unsubscribed", Type: "boolean"}},
		"salesforce": {emailField("Email"), text("FirstName", "First Name", "first_name"),
			{Key: "LastName", Label: "Last Name", Type: "string", source: "last_name", Constraints: &fieldConstraints{Required: true, MaxLength: 80}},
			text("Company", "Company", "company"), text("Phone", "Phone", "phone"),
			enumField("LeadSource", "Lead Source", "Web", "Phone Inquiry", "Partner Referral")},
		"sendgrid": {emailField("email"), text("first_name", "First Name", "first_name"), text("last_name", "Last Name", "last_name")},
		"slack":    {text("text", "Message Text", "")},
		"webhook":  {},
		"zoom": {emailField("email"),
			{Key: "first_name", Label: "First Name", Type: "string", source: "first_name", Constraints: &fieldConstraints{Required: true}},
			text("last_name", "Last Name", "last_name")},
	}
})

// catalogVersion labels the field catalog a mapping was built against.
const catalogVersion = "sandbox-2026-01"

// titleCase turns "user signup" into "User Signup".
func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

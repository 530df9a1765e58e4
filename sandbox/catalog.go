package sandbox

import (
	"slices"
	"sync"
)

// This file is the integrations catalog (docs/meshes-api.md §8, §13) as one table: which
// integration types exist, how their connections authenticate, and which
// actions rules may use. GET /integrations serves it, and connection and
// rule validation read it, so the two can never disagree.

type integration struct {
	Type           string            `json:"type"`
	Name           string            `json:"name"`
	Authentication authentication    `json:"authentication"`
	Actions        map[string]action `json:"actions"`
}

type authentication struct {
	Type   string      `json:"type"`
	Fields []authField `json:"fields,omitempty"`
	OAuth  *oauthInfo  `json:"oauth,omitempty"`
}

type oauthInfo struct {
	Version int `json:"version"`
}

// authField keys are camelCase on the wire, as docs/meshes-api.md §8 documents.
type authField struct {
	Label        string     `json:"label"`
	Key          string     `json:"key"`
	Type         string     `json:"type"`
	HelpText     string     `json:"helpText,omitempty"`
	Required     bool       `json:"required,omitempty"`
	Validate     string     `json:"validate,omitempty"`
	DefaultValue string     `json:"defaultValue,omitempty"`
	Options      []option   `json:"options,omitempty"`
	DependsOn    *dependsOn `json:"dependsOn,omitempty"`
}

type option struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

type dependsOn struct {
	Field string `json:"field"`
	Value any    `json:"value"`
}

type action struct {
	Key     string        `json:"key"`
	Label   string        `json:"label"`
	Noun    string        `json:"noun"`
	Fields  []string      `json:"fields"`
	Data    []actionInput `json:"data,omitempty"`
	Display *display      `json:"display,omitempty"`
}

type display struct {
	Label       string `json:"label"`
	Description string `json:"description"`
}

// actionInput is the docs/meshes-api.md §8 tagged union (kind simple | advanced | field).
type actionInput struct {
	Kind        string           `json:"kind"`
	Key         string           `json:"key"`
	Field       string           `json:"field"`
	Label       string           `json:"label,omitempty"`
	Noun        string           `json:"noun,omitempty"`
	From        string           `json:"from,omitempty"`
	Required    bool             `json:"required,omitempty"`
	Options     *advancedOptions `json:"options,omitempty"`
	Type        string           `json:"type,omitempty"`
	Description string           `json:"description,omitempty"`
	Placeholder string           `json:"placeholder,omitempty"`
}

type advancedOptions struct {
	Key     string  `json:"key"`
	Field   string  `json:"field"`
	Length  int     `json:"length"`
	Display display `json:"display"`
	Type    string  `json:"type"`
	Entity  string  `json:"entity"`
}

// requiredKeys are the rule-metadata keys (besides action) a rule using
// this action must set.
func (a action) requiredKeys() []string {
	var keys []string
	for _, in := range a.Data {
		if in.Required {
			keys = append(keys, in.Field)
		}
		if in.Options != nil {
			keys = append(keys, in.Options.Field)
		}
	}
	return keys
}

// pick is an action that selects one live item into metadata.id.
func pick(key, label, noun, from, description string) action {
	return action{Key: key, Label: label, Noun: noun, Fields: []string{"id"},
		Data:    []actionInput{{Kind: "simple", Key: "id", Field: "id", Label: titleCase(noun), Noun: noun, From: from, Required: true}},
		Display: &display{Label: label, Description: description}}
}

// property selects a property into metadata.id and one of its options into
// metadata.value.
func property(key, label, from, description string) action {
	return action{Key: key, Label: label, Noun: "property", Fields: []string{"id", "value"},
		Data: []actionInput{{Kind: "advanced", Key: "id", Field: "id", Label: "Property", Noun: "property", From: from, Required: true,
			Options: &advancedOptions{Key: "value", Field: "value", Length: 1, Type: "select", Entity: "option",
				Display: display{Label: "Value", Description: "The value to set"}}}},
		Display: &display{Label: label, Description: description}}
}

// actionOnly needs nothing but metadata.action; mappings or connection
// configuration drive it.
func actionOnly(key, label, noun, description string) action {
	return action{Key: key, Label: label, Noun: noun, Fields: []string{},
		Display: &display{Label: label, Description: description}}
}

// withInputs appends direct inputs (kind field) to an action.
func withInputs(a action, inputs ...actionInput) action {
	for _, in := range inputs {
		a.Fields = append(a.Fields, in.Field)
		a.Data = append(a.Data, in)
	}
	return a
}

func input(key, label, typ string, required bool, placeholder string) actionInput {
	return actionInput{Kind: "field", Key: key, Field: key, Label: label, Type: typ, Required: required, Placeholder: placeholder}
}

func actions(list ...action) map[string]action {
	m := make(map[string]action, len(list))
	for _, a := range list {
		m[a.Key] = a
	}
	return m
}

func oauth2() authentication { return authentication{Type: "oauth", OAuth: &oauthInfo{Version: 2}} }

func apiKeyField() authField {
	return authField{Label: "API Key", Key: "api_key", Type: "password", Required: true}
}

// The webhook authentication fields are the connection metadata keys the
// sandbox delivers with (docs/meshes-api.md §13.2 leaves the names unpublished; webhook.go
// documents their meaning).
var webhookFields = []authField{
	{Label: "URL", Key: "url", Type: "text", Required: true, Validate: "url", HelpText: "https:// URL (plain http:// only for loopback hosts)"},
	{Label: "HTTP Method", Key: "http_method", Type: "select", DefaultValue: "POST", Options: []option{{"POST", "POST"}, {"PUT", "PUT"}, {"PATCH", "PATCH"}}},
	{Label: "Payload Format", Key: "payload_mode", Type: "select", DefaultValue: "wrapped", Options: []option{{"Wrapped", "wrapped"}, {"Raw", "raw"}}},
	{Label: "Authentication", Key: "auth_scheme", Type: "select", DefaultValue: "none", Options: []option{{"None", "none"}, {"Basic", "basic"}, {"Bearer", "bearer"}, {"Custom Header", "header"}}},
	{Label: "Username", Key: "auth_username", Type: "text", DependsOn: &dependsOn{Field: "auth_scheme", Value: "basic"}},
	{Label: "Password", Key: "auth_password", Type: "password", DependsOn: &dependsOn{Field: "auth_scheme", Value: "basic"}},
	{Label: "Bearer Token", Key: "auth_token", Type: "password", DependsOn: &dependsOn{Field: "auth_scheme", Value: "bearer"}},
	{Label: "Header Name", Key: "auth_header_name", Type: "text", DependsOn: &dependsOn{Field: "auth_scheme", Value: "header"}},
	{Label: "Header Value", Key: "auth_header_value", Type: "password", DependsOn: &dependsOn{Field: "auth_scheme", Value: "header"}},
	{Label: "Signing Secret", Key: "signing_secret", Type: "password", HelpText: "enables an HMAC signature over the exact body bytes"},
	{Label: "Signing Algorithm", Key: "signing_algorithm", Type: "select", DefaultValue: "sha256", Options: []option{{"HMAC-SHA256", "sha256"}, {"HMAC-SHA512", "sha512"}}},
	{Label: "Signature Header", Key: "signature_header", Type: "text", DefaultValue: "X-Meshes-Signature"},
}

// integrations is the catalog, in the order GET /integrations lists it.
// Built on first use, like the sandbox's other large tables: only
// --sandbox needs it.
var integrations = sync.OnceValue(func() []integration {
	return []integration{
		{Type: "activecampaign", Name: "ActiveCampaign",
			Authentication: authentication{Type: "api_key", Fields: []authField{
				{Label: "API URL", Key: "api_url", Type: "text", Required: true, Validate: "url", HelpText: "e.g. https://youraccount.api-us1.com"},
				apiKeyField()}},
			Actions: actions(
				pick("add_to_list", "Add to List", "list", "lists", "Subscribe the contact to a list"),
				pick("remove_from_list", "Remove from List", "list", "lists", "Unsubscribe the contact from a list"),
				pick("add_tag", "Add Tag", "tag", "tags", "Tag the contact"),
				pick("remove_tag", "Remove Tag", "tag", "tags", "Remove a tag from the contact"),
				actionOnly("sync_contact", "Sync Contact", "contact", "Create or update the contact from mapped fields"))},
		{Type: "aweber", Name: "AWeber", Authentication: oauth2(),
			Actions: actions(
				pick("add_to_list", "Add to List", "list", "lists", "Subscribe the contact to a list"),
				pick("remove_from_list", "Remove from List", "list", "lists", "Unsubscribe the contact from a list"))},
		{Type: "customer_io", Name: "Customer.io",
			Authentication: authentication{Type: "api_key", Fields: []authField{
				{Label: "Region", Key: "region", Type: "select", Required: true, DefaultValue: "us", Options: []option{{"US", "us"}, {"EU", "eu"}}},
				{Label: "CDP API Key", Key: "cdpApiKey", Type: "password", Required: true}}},
			Actions: actions(withInputs(actionOnly("track_event", "Track Event", "event", "Identify the person and track the event"),
				input("event_name_override", "Event Name Override", "text", false, "defaults to the Meshes event name")))},
		{Type: "discord", Name: "Discord", Authentication: oauth2(),
			Actions: actions(withInputs(pick("send_message", "Send Message", "channel", "channels", "Post a message to a channel"),
				input("title", "Title", "text", true, "New signup"),
				input("template", "Message", "textarea", true, "{{email}} just signed up")))},
		{Type: "hubspot", Name: "HubSpot", Authentication: oauth2(),
			Actions: actions(
				pick("add_to_list", "Add to List", "list", "lists", "Add the contact to a static list"),
				pick("remove_from_list", "Remove from List", "list", "lists", "Remove the contact from a static list"),
				property("update_property", "Update Property", "properties", "Set a contact property"),
				actionOnly("create_or_update_contact", "Create or Update Contact", "contact", "Upsert the contact from mapped fields"))},
		{Type: "intercom", Name: "Intercom", Authentication: oauth2(),
			Actions: actions(
				pick("add_tag", "Add Tag", "tag", "tags", "Tag the contact"),
				pick("remove_tag", "Remove Tag", "tag", "tags", "Remove a tag from the contact"))},
		{Type: "mailchimp", Name: "Mailchimp",
			Authentication: authentication{Type: "api_key", Fields: []authField{
				{Label: "Data Center", Key: "data_center", Type: "text", Required: true, HelpText: "the suffix of your API key, e.g. us21"},
				apiKeyField()}},
			Actions: actions(
				pick("add_to_list", "Add to Audience", "list", "lists", "Subscribe the contact to an audience"),
				pick("remove_from_list", "Remove from Audience", "list", "lists", "Unsubscribe the contact from an audience"))},
		{Type: "mailerlite", Name: "MailerLite",
			Authentication: authentication{Type: "api_key", Fields: []authField{apiKeyField()}},
			Actions: actions(
				pick("add_to_group", "Add to Group", "group", "groups", "Add the subscriber to a group"),
				pick("remove_from_group", "Remove from Group", "group", "groups", "Remove the subscriber from a group"))},
		{Type: "pipedrive", Name: "Pipedrive", Authentication: oauth2(),
			Actions: actions(
				actionOnly("sync_person", "Sync Person", "person", "Create or update the person from mapped fields"),
				property("update_person_field", "Update Person Field", "properties", "Set a person field"),
				pick("add_label_to_person", "Add Label", "label", "labels", "Label the person"),
				pick("remove_label_from_person", "Remove Label", "label", "labels", "Remove a label from the person"))},
		{Type: "resend", Name: "Resend",
			Authentication: authentication{Type: "api_key", Fields: []authField{apiKeyField()}},
			Actions: actions(
				pick("add_to_segment", "Add to Segment", "segment", "segments", "Add the contact to a segment"),
				pick("remove_from_segment", "Remove from Segment", "segment", "segments", "Remove the contact from a segment"),
				withInputs(pick("send_email_template", "Send Email Template", "template", "templates", "Send a template email"),
					input("subject", "Subject", "text", false, "Welcome!"),
					input("from", "From", "text", false, "hello@example.com")))},
		{Type: "salesforce", Name: "Salesforce", Authentication: oauth2(),
			Actions: actions(
				pick("add_to_campaign", "Add to Campaign", "campaign", "campaigns", "Add the lead or contact to a campaign"),
				pick("remove_from_campaign", "Remove from Campaign", "campaign", "campaigns", "Remove the lead or contact from a campaign"),
				property("update_property", "Update Field", "properties", "Set a field on the lead or contact"))},
		{Type: "sendgrid", Name: "SendGrid",
			Authentication: authentication{Type: "api_key", Fields: []authField{apiKeyField()}},
			Actions: actions(
				withInputs(pick("send_email_template", "Send Email Template", "template", "templates", "Send a dynamic template email"),
					input("from", "From", "text", true, "hello@example.com"),
					input("subject", "Subject", "text", false, "Welcome!")),
				withInputs(actionOnly("send_email", "Send Email", "email", "Send a plain email"),
					input("subject", "Subject", "text", true, "Welcome!"),
					input("from", "From", "text", true, "hello@example.com"),
					input("body", "Body", "textarea", true, "Hi {{first_name}}")))},
		{Type: "slack", Name: "Slack", Authentication: oauth2(),
			Actions: actions(withInputs(pick("send_message", "Send Message", "channel", "channels", "Post a message to a channel"),
				input("template", "Message", "textarea", true, "New signup: {{email}}")))},
		{Type: "webhook", Name: "Webhook", Authentication: authentication{Type: "none", Fields: webhookFields},
			Actions: actions(actionOnly("send_webhook", "Send Webhook", "webhook", "POST the event to the connection's URL"))},
		{Type: "zoom", Name: "Zoom", Authentication: oauth2(),
			Actions: actions(
				pick("add_meeting_registrant", "Add Meeting Registrant", "meeting", "meetings", "Register the contact for a meeting"),
				pick("add_webinar_registrant", "Add Webinar Registrant", "webinar", "webinars", "Register the contact for a webinar"))},
	}
})

// integrationByType finds a catalog entry; ok is false for unknown types.
func integrationByType(typ string) (integration, bool) {
	all := integrations()
	i := slices.IndexFunc(all, func(in integration) bool { return in.Type == typ })
	if i < 0 {
		return integration{}, false
	}
	return all[i], true
}

func integrationTypes() []string {
	all := integrations()
	out := make([]string, len(all))
	for i, in := range all {
		out[i] = in.Type
	}
	return out
}

// sortedActionKeys lists an integration's action keys in a stable order.
func (in integration) sortedActionKeys() []string {
	keys := make([]string, 0, len(in.Actions))
	for k := range in.Actions {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

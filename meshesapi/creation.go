package meshesapi

// The answers to POSTs that create or trigger something, each with what it
// must carry to count as a success (see creation in transport.go). The
// wrappers are the response envelopes of the create endpoints.

type eventAccepted struct {
	Event EventReceipt `json:"event"`
}

func (a *eventAccepted) missing() string { return missingID(a.Event.ID, "event id") }

type workspaceCreated struct {
	Workspace Workspace `json:"workspace"`
}

func (a *workspaceCreated) missing() string { return missingID(a.Workspace.ID, "workspace id") }

type connectionCreated struct {
	Connection Connection `json:"connection"`
}

func (a *connectionCreated) missing() string { return missingID(a.Connection.ID, "connection id") }

type ruleCreated struct {
	Rule Rule `json:"rule"`
}

func (a *ruleCreated) missing() string { return missingID(a.Rule.ID, "rule id") }

// missing: a bulk answer lists one record per event sent (1 to 100), so an
// answer without records says nothing about any of them.
func (b *BulkResult) missing() string {
	if len(b.Records) == 0 {
		return "records"
	}
	return ""
}

func (s *Session) missing() string { return missingID(s.SessionID, "session_id") }

func (s *RefreshedSession) missing() string { return missingID(s.SessionID, "session_id") }

// missing: a retry answers with the delivery it re-queued.
func (re *RuleEvent) missing() string {
	if re.ID == "" && re.Rule == "" {
		return "delivery (rule_event) id"
	}
	return ""
}

func missingID(id, name string) string {
	if id == "" {
		return name
	}
	return ""
}

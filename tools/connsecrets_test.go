package tools

import (
	"strings"
	"testing"
)

func TestPlanSecrets(t *testing.T) {
	stored := map[string]any{
		"url": "https://example.com/hook", "auth_scheme": "bearer", "auth_token": "********",
		"headers": map[string]any{"X-Api-Key": "********", "X-Team": "growth"},
	}
	tests := []struct {
		name    string
		next    map[string]any
		remove  []string
		refused string // text the refusal must hold; "" means accepted
		kept    string
		removed string
	}{
		{"all kept by placeholder", map[string]any{"url": "https://example.com/v2", "auth_scheme": "bearer", "auth_token": "[redacted]",
			"headers": map[string]any{"X-Api-Key": "[redacted]"}}, nil, "", "auth_token,headers.X-Api-Key", ""},
		{"nested secret left out", map[string]any{"url": "https://example.com/v2", "auth_token": "[redacted]", "headers": map[string]any{}},
			nil, "headers.X-Api-Key", "", ""},
		{"everything left out", map[string]any{"url": "https://example.com/v2"}, nil, "auth_token, headers.X-Api-Key", "", ""},
		{"removed explicitly, replaced with a new value", map[string]any{"auth_token": "new-token-value"}, []string{"headers.X-Api-Key"}, "", "", "headers.X-Api-Key"},
		{"removed and given", map[string]any{"auth_token": "[redacted]", "headers": map[string]any{"X-Api-Key": "[redacted]"}}, []string{"auth_token"}, "both given and named", "", ""},
		{"removing what is not stored", map[string]any{"auth_token": "[redacted]", "headers": map[string]any{"X-Api-Key": "[redacted]"}}, []string{"api_key"}, `"api_key", which is not a stored secret`, "", ""},
		{"placeholder where nothing is stored", map[string]any{"auth_token": "[redacted]", "headers": map[string]any{"X-Api-Key": "[redacted]"}, "api_key": "[redacted]"},
			nil, "metadata.api_key", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := planSecrets(stored, tt.next, tt.remove)
			if tt.refused != "" {
				if err == nil || !strings.Contains(err.Error(), tt.refused) {
					t.Fatalf("error %v, want a refusal naming %q", err, tt.refused)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(plan.kept, ","); got != tt.kept {
				t.Errorf("kept %q, want %q", got, tt.kept)
			}
			if got := strings.Join(plan.removed, ","); got != tt.removed {
				t.Errorf("removed %q, want %q", got, tt.removed)
			}
			for _, path := range plan.keptPaths {
				if v, _ := lookup(plan.metadata, path); v != "********" {
					t.Errorf("%s sent as %v, want the stored value", path.name(), v)
				}
			}
		})
	}
}

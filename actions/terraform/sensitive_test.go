package terraform

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/opsconsole/console/actions"
)

func TestSensitiveValuesMasked(t *testing.T) {
	p := &tfjson.Plan{
		Variables: map[string]*tfjson.PlanVariable{
			"db_password": {Value: "Sup3rS3cret-pw"},
			"region":      {Value: "eu-west-1"},
			"creds":       {Value: map[string]any{"user": "app", "key": "k3y-value-123"}},
			"pin":         {Value: "42"},
		},
		Config: &tfjson.Config{RootModule: &tfjson.ConfigModule{Variables: map[string]*tfjson.ConfigVariable{
			"db_password": {Sensitive: true},
			"region":      {},
			"creds":       {Sensitive: true},
			"pin":         {Sensitive: true},
		}}},
	}
	var s secrets
	s.add(sensitiveValues(p))
	tests := []struct {
		in, gone, kept string
	}{
		{`Error: connect: password authentication failed for "Sup3rS3cret-pw"`, "Sup3rS3cret-pw", "authentication failed"},
		{"using key k3y-value-123 in eu-west-1", "k3y-value-123", "eu-west-1"},
		{"pin 42 is too short to mask", "", "pin 42"},
	}
	for _, tt := range tests {
		got := s.mask(tt.in)
		if (tt.gone != "" && strings.Contains(got, tt.gone)) || !strings.Contains(got, tt.kept) {
			t.Errorf("mask(%q) = %q", tt.in, got)
		}
	}
	var out bytes.Buffer
	fmt.Fprintln(s.writer(&out), "apply with Sup3rS3cret-pw")
	if strings.Contains(out.String(), "Sup3rS3cret-pw") {
		t.Errorf("writer leaked: %q", out.String())
	}
	// A masked error is still a refusal when it was one.
	err := s.maskErr(&LockedError{Lock: LockInfo{ID: "1", Who: "Sup3rS3cret-pw@host"}})
	var locked *LockedError
	if !errors.Is(err, actions.ErrRefused) || !errors.As(err, &locked) || strings.Contains(err.Error(), "Sup3rS3cret-pw") {
		t.Errorf("masked error %v lost its kind or kept the value", err)
	}
}

func TestClassifyKeepsOnlyTheSummary(t *testing.T) {
	diag := "terraform plan: terraform: exit status 1: \n╷\n│ Error: Invalid value for variable\n│\n│   on main.tf line 1:\n│    1: variable \"db_password\" {\n│     ├────────────────\n│     │ var.db_password is \"Sup3rS3cret-pw\"\n│\n│ The password is too short.\n╵\n"
	got := classify(errors.New(diag)).Error()
	if strings.Contains(got, "Sup3rS3cret-pw") || !strings.Contains(got, "Invalid value for variable") || !strings.Contains(got, "too short") {
		t.Errorf("classify = %q", got)
	}
	long := "terraform apply: boom\n" + strings.Repeat("stderr line\n", 1000)
	if got := classify(errors.New(long)).Error(); got != "terraform apply: boom" {
		t.Errorf("classify without a diagnostic = %q, want its first line", got)
	}
}

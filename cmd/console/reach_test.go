package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/opsconsole/console/e2e/lab"
	"github.com/opsconsole/console/providers"
)

// TestReachAndEstateJSONFromMoto seeds the lab's estate in moto and runs
// `console reach` (the blocked path of the lab's network ACL deny, an
// allowed one, an unknown object) and `console inventory --json` (the
// estate's arrays are present, never null).
func TestReachAndEstateJSONFromMoto(t *testing.T) {
	m := lab.Moto(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	est, err := lab.SeedAWS(ctx, []aws.Config{m.Config(ctx, "us-east-1")}, lab.AWSSeedOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := est.Regions[0]
	motoEnv(t, t.TempDir(), m.URL)
	reach := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"reach", "--regions", "us-east-1"}, args...), strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	code, out, errs := reach("bastion", r.DBInstances[0], "--port", "5432", "--json")
	if code != exitOK {
		t.Fatalf("reach: exit %d: %s", code, errs)
	}
	var ans providers.ReachAnswer
	if err := json.Unmarshal([]byte(out), &ans); err != nil {
		t.Fatalf("bad JSON %v:\n%s", err, out)
	}
	if ans.Verdict != providers.ReachBlocked || !strings.Contains(ans.Reason, r.PrivateACL+" rule 90 deny tcp/5432") || len(ans.Assumptions) == 0 {
		t.Errorf("bastion → writer: %+v", ans)
	}
	code, out, errs = reach("lab-web", r.Instances[sortedKey(r.Instances)][0].ID, "--port", "8080")
	if code != exitOK || !strings.Contains(out, ": allowed") || !strings.Contains(out, "security groups of load balancer lab-web (outbound): ") {
		t.Errorf("ALB → node: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs = reach("nosuch", "bastion", "--port", "22"); code != exitUsage || !strings.Contains(errs, "unknown object") {
		t.Errorf("unknown object: exit %d: %s", code, errs)
	}

	var buf, errb bytes.Buffer
	if code := run([]string{"inventory", "--json", "--regions", "us-east-1"}, strings.NewReader(""), &buf, &errb); code != exitOK {
		t.Fatalf("inventory: exit %d: %s", code, errb.String())
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(buf.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"alarms", "security_groups", "network_acls", "route_tables", "schedules", "image_repositories"} {
		var items []map[string]any
		if err := json.Unmarshal(raw[k], &items); err != nil || len(items) == 0 {
			t.Errorf("%s = %.80s, want a non-empty array (%v)", k, raw[k], err)
		}
	}
}

func sortedKey[V any](m map[string]V) string {
	first := ""
	for k := range m {
		if first == "" || k < first {
			first = k
		}
	}
	return first
}

package actions

import (
	"strings"
	"testing"
)

func TestRedactMust(t *testing.T) {
	tests := []struct {
		in     string
		secret string
		keep   string
	}{
		{"psql password=hunter2 host=db", "hunter2", "host=db"},
		{"export AWS_SECRET_ACCESS_KEY=abcdEFGH1234", "abcdEFGH1234", "export"},
		{"token: s3cr3tvalue", "s3cr3tvalue", "token"},
		{"Authorization: Bearer abcdefghijklmnop", "abcdefghijklmnop", "Authorization"},
		{"redis://user:pa55word@cache:6379", "pa55word", "cache:6379"},
		{"redis://:pa55word@cache:6379/0", "pa55word", "cache:6379"},
		{"key id AKIAIOSFODNN7EXAMPLE used", "AKIAIOSFODNN7EXAMPLE", "used"},
		{`api_key="quoted secret" next`, "quoted secret", "next"},
		{"jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig123", "eyJzdWIiOiIxIn0", "jwt"},
		{`│ var.db_password is "Sup3rS3cret-pw"`, "Sup3rS3cret-pw", "var.db_password"},
		{`{"user":"app","password": "Sup3rS3cret-pw","host":"db"}`, "Sup3rS3cret-pw", `"host":"db"`},
		{`{"db_password":"with \"quote\" inside"}`, "quote", "db_password"},
		{"mysql --password Sup3rS3cret-pw --host db", "Sup3rS3cret-pw", "--host db"},
		{"vault login --token=s.abcdefgh12345", "s.abcdefgh12345", "vault login"},
		{"AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""},
		{"aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "aws_secret_access_key"},
		{"GET /login?user=bob&password%3DSup3rS3cret-pw&x=1", "Sup3rS3cret-pw", "&x=1"},
		{"charge with sk_live_4eC39HqLyjWDarjtT1zdp7dc", "4eC39HqLyjWDarjtT1zdp7dc", "charge with"},
		{"curl -H 'Authorization: token ghp_abcdefghijklmnopqrstuvwxyz0123'", "ghp_abcdefghijklmnopqrstuvwxyz0123", "curl"},
		{"client_secret: xyz-987-secret", "xyz-987-secret", "client_secret"},
		// Next to an access key id, a hex digest is not a secret key.
		{"AKIAIOSFODNN7EXAMPLE digest 3f9e1c0b2a7d4e5f6a8b9c0d1e2f3a4b5c6d7e8f", "AKIAIOSFODNN7EXAMPLE", "3f9e1c0b2a7d4e5f6a8b9c0d1e2f3a4b5c6d7e8f"},
	}
	for _, tt := range tests {
		got := Redact(tt.in)
		if strings.Contains(got, tt.secret) {
			t.Errorf("Redact(%q) = %q still holds %q", tt.in, got, tt.secret)
		}
		if !strings.Contains(got, tt.keep) {
			t.Errorf("Redact(%q) = %q lost %q", tt.in, got, tt.keep)
		}
	}
}

func TestRedactMustNot(t *testing.T) {
	for _, in := range []string{
		"restart deployment/shop/web",
		"instance i-0abc123def4567890 in subnet-0123456789abcdef0",
		"terraform_data.a (id 3f9e1c0b2a7d4e5f6a8b9c0d1e2f3a4b5c6d7e8f)",
		"image sha256:9b2a4c1d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b",
		"Error: password too short",
		"the password was rotated",
		"arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:5b1c:autoScalingGroupName/web",
		"1 to add, 0 to change, 0 to destroy, 1 to replace",
		"module.workers.aws_autoscaling_group.this",
	} {
		if got := Redact(in); got != in {
			t.Errorf("Redact(%q) = %q, want it unchanged", in, got)
		}
	}
}

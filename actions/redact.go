package actions

import (
	"regexp"
	"strings"
)

// secretKey is a key (variable, flag, JSON field, query parameter) that
// names a secret.
const secretKey = `(?:password|passwd|pwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credential|auth)`

// secretRules is the one rule set for secrets in the console's records
// (the audit log): each match of re is replaced by repl. The table of
// cases that must and must not be redacted is in redact_test.go.
var secretRules = []struct {
	name string
	re   *regexp.Regexp
	repl string
}{
	{"authorization header", regexp.MustCompile(`(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}`), "${1} [REDACTED]"},
	// key=value, key: value, "key": "value", key = "value", and
	// Terraform's diagnostics `var.db_password is "value"`.
	{"key and value", regexp.MustCompile(`(?i)([A-Za-z0-9_.-]*` + secretKey + `[A-Za-z0-9_.-]*"?)(\s*[=:]\s*|\s+is\s+)(?:"(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;&"'}]+)[^\s,;&"'}]*`), "${1}${2}[REDACTED]"},
	{"command-line flag", regexp.MustCompile(`(?i)(\s--?[A-Za-z0-9_-]*` + secretKey + `[A-Za-z0-9_-]*)(\s+)(?:"[^"]*"|'[^']*'|[^\s-])\S*`), "${1}${2}[REDACTED]"},
	{"url-encoded key and value", regexp.MustCompile(`(?i)([A-Za-z0-9_.-]*` + secretKey + `[A-Za-z0-9_.-]*%3D)[^&\s]+`), "${1}[REDACTED]"},
	{"url password", regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@`), "${1}[REDACTED]@"},
	{"aws access key id", regexp.MustCompile(`\b(?:AKIA|ASIA)[0-9A-Z]{16}\b`), "[REDACTED]"},
	{"jwt", regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`), "[REDACTED]"},
	{"known token prefixes", regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|xox[abprs]-[A-Za-z0-9-]{10,}|glpat-[A-Za-z0-9_-]{20,}|(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{10,})`), "[REDACTED]"},
}

// awsSecretKey is a bare 40-character AWS secret access key; it is only
// redacted next to an access key id or the word aws_secret_access_key
// (alone it cannot be told from a hash).
var awsSecretKey = regexp.MustCompile(`(^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})($|[^A-Za-z0-9/+=])`)

var awsContext = regexp.MustCompile(`(?i)\b(?:AKIA|ASIA)[0-9A-Z]{16}\b|aws_secret_access_key|secretaccesskey`)

// Redact removes anything that looks like a secret from s: values of
// keys, flags and fields naming a password, secret, token or key (also
// JSON, URL-encoded and Terraform's `var.X is "..."`); URL passwords;
// bearer tokens; AWS access key ids and, next to one, secret keys; JWTs
// and well-known token formats (GitHub, Slack, GitLab, Stripe).
func Redact(s string) string {
	if awsContext.MatchString(s) {
		s = awsSecretKey.ReplaceAllStringFunc(s, func(m string) string {
			sub := awsSecretKey.FindStringSubmatch(m)
			key := sub[2]
			if strings.ToLower(key) == key || strings.ToUpper(key) == key {
				return m // hex digests and ids, not base64 keys
			}
			return sub[1] + "[REDACTED]" + sub[3]
		})
	}
	for _, r := range secretRules {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	return s
}

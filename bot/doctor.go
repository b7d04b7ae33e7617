package bot

// Check is one line of `paperboy doctor`: what was checked, whether it passed, what was
// found, and, when it failed, what to do about it. Name and Detail never hold a secret.
type Check struct {
	Name   string // "slack token", "slack channel C0123"
	OK     bool
	Detail string // what was found: "team Acme as @paperboy"; why it failed
	Fix    string // when !OK: the step that fixes it
}

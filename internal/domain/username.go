package domain

import (
	"regexp"
	"strconv"
)

// usernamePattern is the only shape a local username may take: lowercase
// ASCII letters, digits, '.', '-' and '_', starting with a letter or a
// digit. No two such names look alike on a screen, none can carry a line
// break into `serenade user list` or the audit view, and none needs
// escaping anywhere it is shown.
var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,` + strconv.Itoa(UsernameMaxLength-1) + `}$`)

// UsernameRule says in words what usernamePattern accepts.
const UsernameRule = "must be 1 to 100 characters: lowercase letters a-z, digits, '.', '-' and '_', starting with a letter or a digit"

// ValidateUsername trims a new local username and checks its shape.
func ValidateUsername(s string) (string, error) {
	s = NormalizeText(s)
	if !usernamePattern.MatchString(s) {
		return "", Invalid("username", UsernameRule)
	}
	return s, nil
}

// IsCanonicalUsername reports whether s has the shape of a username
// created under the current rule (older rows may not).
func IsCanonicalUsername(s string) bool { return usernamePattern.MatchString(s) }

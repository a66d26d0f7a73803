package password

import (
	"strings"
	"testing"
)

func TestHashAndVerify(t *testing.T) {
	h, err := Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Errorf("hash %q is not PHC argon2id with the chosen parameters", h)
	}
	if ok, err := Verify("correct horse battery", h); !ok || err != nil {
		t.Errorf("the right password is refused: %v", err)
	}
	if ok, _ := Verify("wrong horse battery", h); ok {
		t.Error("a wrong password is accepted")
	}
	if ok, err := Verify("x", "not a hash"); ok || err == nil {
		t.Error("a malformed hash must be an error, never a match")
	}
}

func TestPolicyRefusesShortPasswords(t *testing.T) {
	if Check("short") == nil || Check("long enough!") != nil {
		t.Error("policy should refuse fewer than 10 characters and accept more")
	}
}

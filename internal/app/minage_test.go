package app_test

import (
	"testing"

	"serenade/internal/app"
)

func TestMinParticipantAgeSetting(t *testing.T) {
	if d := mustConfig(t, nil); d.MinParticipantAge != 18 {
		t.Errorf("default minimum age %d, want 18", d.MinParticipantAge)
	}
	if c := mustConfig(t, map[string]string{"SERENADE_MIN_PARTICIPANT_AGE": "21"}); c.MinParticipantAge != 21 {
		t.Errorf("minimum age %d, want 21", c.MinParticipantAge)
	}
	for _, v := range []string{"0", "-3", "101", "adult", "18.5"} {
		if _, err := configFrom(map[string]string{"SERENADE_MIN_PARTICIPANT_AGE": v}); err == nil {
			t.Errorf("SERENADE_MIN_PARTICIPANT_AGE=%q was accepted", v)
		}
	}
}

func mustConfig(t *testing.T, env map[string]string) app.Config {
	t.Helper()
	c, err := configFrom(env)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

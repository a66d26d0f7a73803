package app_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"serenade/internal/app"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/pgtest"
)

// PostgreSQL stops (immediate shutdown: connections cut, as in a crash)
// while a doctor's clients read and write, and starts again: during the
// outage every answer is 503 problem+json and /readyz is 503; after it
// requests succeed again without restarting Serenade, every success is
// audited and the chain verifies.
func TestPostgresRestartUnderLoad(t *testing.T) {
	t.Parallel()
	cluster := pgtest.StartOwn(t)
	url := cluster.NewDatabase(t)
	s := apptest.Start(t, apptest.Options{Demo: true, Edit: func(c *app.Config) { c.DatabaseURL = url }})
	l := startLoad(t, s)
	l.waitAnswers(t, 0, 20, "succeeded before the restart", isOK)
	cluster.Stop(t)
	down := l.mark()
	during := l.waitAnswers(t, down, 40, "to requests sent while PostgreSQL is down", nil)
	wantUnavailable(t, during)
	waitReadyz(t, s, http.StatusServiceUnavailable)
	cluster.Start(t)
	up := l.mark()
	l.waitAnswers(t, up, 20, "succeeded after PostgreSQL came back", isOK)
	waitReadyz(t, s, http.StatusOK)
	l.halt()
	wantEverySuccessAudited(t, s, l.since(0))
}

// The SQLite data directory is on a small file system of its own (tmpfs)
// that fills up while a doctor's clients read and write: every answer is
// a success or a 503 problem+json (never a 500), /readyz is 503; once
// space returns requests succeed again, the database passes SQLite's
// integrity check and the audit chain verifies. It needs root to mount:
// elsewhere it is skipped loudly, and fails under CI.
func TestSQLiteDiskFull(t *testing.T) {
	t.Parallel()
	dir := smallFileSystem(t, "16m")
	s := apptest.Start(t, apptest.Options{Demo: true, Edit: func(c *app.Config) {
		c.DataDir, c.DatabaseURL = dir, filepath.Join(dir, "serenade.db")
	}})
	l := startLoad(t, s)
	l.waitAnswers(t, 0, 20, "succeeded before the disk filled", isOK)
	filler := fillUp(t, dir)
	full := l.mark()
	during := l.waitAnswers(t, full, 20, "refused while the disk is full", func(a answer) bool { return a.status != http.StatusOK })
	var refused []answer
	for _, a := range during {
		if a.status != http.StatusOK {
			refused = append(refused, a)
		}
	}
	wantUnavailable(t, refused)
	waitReadyz(t, s, http.StatusServiceUnavailable)
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	back := l.mark()
	l.waitAnswers(t, back, 20, "succeeded once space returned", isOK)
	waitReadyz(t, s, http.StatusOK)
	l.halt()
	wantEverySuccessAudited(t, s, l.since(0))
	var check string
	if err := s.Raw(t).QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
}

// smallFileSystem mounts a tmpfs of the given size on a new directory,
// unmounted when t ends (even when it fails).
func smallFileSystem(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the disk-full test must run as root in CI (it mounts a tmpfs)")
		}
		t.Log("!!! SKIPPING the disk-full test: mounting a tmpfs needs root (CI runs it as root)")
		t.Skip("needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount: %v: %s", err, out)
		}
	})
	return dir
}

// fillUp writes a file in dir until the file system has no room left,
// and returns its path.
func fillUp(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for range 1 << 14 { // at most 1 GiB: the file system is far smaller
		if _, err := f.Write(chunk); err != nil {
			return path // ENOSPC: full
		}
	}
	t.Fatal("the file system never filled up")
	return ""
}

package api_test

import (
	"database/sql"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/telemetry"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/syncbuf"
)

// TestInternalErrorLogNamesTheStoreOperation breaks a table under a
// running server: the request fails with a bare 500 problem, and the log
// line of that failure names the store operation that failed, which the
// answer never shows.
func TestInternalErrorLogNamesTheStoreOperation(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var logs syncbuf.Buffer
			s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true, Log: telemetry.NewLogger(&logs, slog.LevelInfo)})
			doc := s.Login(t, demo.Doctor, "alice")
			driver, dsn := "sqlite", s.StorePath()
			if backend == "postgres" {
				driver, dsn = "pgx", s.Config.DatabaseURL
			}
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if _, err := raw.Exec(`ALTER TABLE documents RENAME TO documents_unavailable`); err != nil {
				t.Fatal(err)
			}
			res := s.Do(t, http.MethodGet, "/api/v1/installations/1/documents", doc, nil)
			if res.Status != http.StatusInternalServerError || !strings.Contains(string(res.Body), "problems/internal") {
				t.Fatalf("= %d %s, want a 500 internal problem", res.Status, res.Body)
			}
			if strings.Contains(string(res.Body), "store:") || strings.Contains(string(res.Body), "documents_unavailable") {
				t.Errorf("the answer carries the cause: %s", res.Body)
			}
			var line string
			for _, l := range strings.Split(logs.String(), "\n") {
				if strings.Contains(l, "request failed") {
					line = l
				}
			}
			if !strings.Contains(line, "store: documents: ") {
				t.Errorf("the failure's log line does not name the operation: %q", line)
			}
		})
	}
}

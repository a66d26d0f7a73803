package app

import (
	"context"
	"log/slog"
	"time"

	"serenade/internal/demo"
	"serenade/internal/domain"
	"serenade/internal/password"
	"serenade/internal/service"
	"serenade/internal/store"
)

// seedDemo seeds demo data under one span, so its statements make one
// trace rather than hundreds.
func (a *App) seedDemo(ctx context.Context, db *store.DB) (bool, error) {
	ctx, span := a.tel.Tracer().Start(ctx, "seed demo data")
	defer span.End()
	return seedDemo(ctx, db, a.cfg.StoreClock, a.log)
}

// seedDemo fills an empty database with the demo accounts and patients,
// and says whether it did. A database that already holds data is left
// alone, so restarting with --demo never duplicates or overwrites
// anything. clock dates the enrolments (nil: time.Now).
func seedDemo(ctx context.Context, db *store.DB, clock func() time.Time, log *slog.Logger) (bool, error) {
	empty, err := db.Empty(ctx)
	if err != nil || !empty {
		if err == nil {
			log.Info("demo mode: database not empty, nothing seeded")
		}
		return false, err
	}
	for _, a := range demo.Accounts {
		hash, err := password.Hash(a.Password)
		if err != nil {
			return false, err
		}
		if _, err := service.NewAccounts(db).CreateAccount(ctx, domain.Account{Username: a.Username, Roles: a.Roles, PasswordHash: hash, Demo: true}); err != nil {
			return false, err
		}
	}
	res, err := demo.Seed(ctx, service.New(db), clock) // the store's clock: dates agree with what it validates
	if err != nil {
		return false, err
	}
	log.Warn("demo mode: seeded demo accounts and sample patients; demo passwords are public", "accounts", len(demo.Accounts), "patients", len(res.PatientIDs))
	return true, nil
}

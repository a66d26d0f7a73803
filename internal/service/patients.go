package service

import (
	"context"
	"fmt"
	"time"

	"serenade/internal/codicefiscale"
	"serenade/internal/domain"
	"serenade/internal/store"
)

// messageEnrolled is the first message of the installation ticket an
// enrolment opens.
const messageEnrolled = "Patient enrolled: the sensor kit is to be installed."

// Enrol checks and cleans the enrolment (identity, contacts, the date of
// joining, today by default), then stores the patient with its
// installation and the installation ticket.
func (s *Study) Enrol(ctx context.Context, in domain.NewPatient) (domain.Patient, error) {
	if err := cleanEnrolment(&in, s.db.Now().UTC(), s.birthRule()); err != nil {
		return domain.Patient{}, err
	}
	// A new data key is about to be wrapped: first carry out a rotation a
	// withdrawal left due (its failure is retried later, never this write's).
	_, _ = s.db.RotateIfDue(ctx)
	id, err := s.db.CreatePatient(ctx, in, store.NewTicket{Category: domain.CategoryInstallation,
		By: domain.SystemSender, Message: messageEnrolled})
	if err != nil {
		return domain.Patient{}, err
	}
	return s.db.Patient(ctx, id)
}

// cleanEnrolment applies the text policy and the identity, contact and
// date rules to an enrolment, at now.
func cleanEnrolment(in *domain.NewPatient, now time.Time, birth codicefiscale.Rule) error {
	if err := domain.ValidateIdentity(&in.Identity, birth); err != nil {
		return err
	}
	if len(in.Contacts) > domain.MaxContacts {
		return domain.Invalid("contacts", "at most %d contacts", domain.MaxContacts)
	}
	for i := range in.Contacts {
		if err := in.Contacts[i].Validate(); err != nil {
			return domain.Within(fmt.Sprintf("contacts[%d]", i), err)
		}
	}
	if err := in.Context.Validate(); err != nil {
		return domain.Within("home_context", err)
	}
	if in.DateJoin.IsZero() {
		in.DateJoin = now
	}
	if err := domain.ValidateDateJoin(in.DateJoin, now); err != nil {
		return err
	}
	y, m, d := in.DateJoin.Date()
	in.DateJoin = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return nil
}

// Patient returns one patient, decrypted.
func (s *Study) Patient(ctx context.Context, id int64) (domain.Patient, error) {
	return s.db.Patient(ctx, id)
}

// PatientRecord returns a patient with the installation in their home,
// in one read.
func (s *Study) PatientRecord(ctx context.Context, id int64) (domain.Patient, domain.Installation, error) {
	return s.db.PatientRecord(ctx, id)
}

// Patients returns every patient, withdrawn ones included.
func (s *Study) Patients(ctx context.Context) ([]domain.Patient, error) { return s.db.Patients(ctx) }

// UpdateIdentity replaces the patient's identity and medical record. It
// is validated against the stored one, under the patient's lock, so the
// confirmed birth year stays while the codice fiscale does.
func (s *Study) UpdateIdentity(ctx context.Context, id int64, in domain.Identity) (domain.Patient, error) {
	err := s.db.SaveIdentity(ctx, id, func(cur *domain.Identity) error {
		if err := domain.ValidateIdentityUpdate(&in, *cur, s.birthRule()); err != nil {
			return err
		}
		*cur = in
		return nil
	})
	if err != nil {
		return domain.Patient{}, err
	}
	return s.db.Patient(ctx, id)
}

// birthRule places the two-digit birth year of a codice fiscale at the
// store's clock, for participants of at least the configured age.
func (s *Study) birthRule() codicefiscale.Rule {
	return codicefiscale.Rule{Now: s.db.Now(), MinAge: s.db.MinParticipantAge()}
}

// UpdateAddress changes only the home address (the installers' edit),
// under the same text rule as the address of an enrolment.
func (s *Study) UpdateAddress(ctx context.Context, patientID int64, address string) (domain.Patient, error) {
	address, err := domain.CleanAddress(address)
	if err != nil {
		return domain.Patient{}, err
	}
	return s.saveIdentity(ctx, patientID, func(cur *domain.Identity) { cur.Address = address })
}

func (s *Study) saveIdentity(ctx context.Context, id int64, change func(*domain.Identity)) (domain.Patient, error) {
	err := s.db.SaveIdentity(ctx, id, func(cur *domain.Identity) error {
		change(cur)
		return nil
	})
	if err != nil {
		return domain.Patient{}, err
	}
	return s.db.Patient(ctx, id)
}

// AddContact checks and adds a contact to a patient.
func (s *Study) AddContact(ctx context.Context, patientID int64, c domain.Contact) (domain.Contact, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	id, err := s.db.InsertContact(ctx, patientID, c)
	c.ID = id
	return c, err
}

// UpdateContact checks and replaces one contact of a patient.
func (s *Study) UpdateContact(ctx context.Context, patientID int64, c domain.Contact) (domain.Contact, error) {
	if err := c.Validate(); err != nil {
		return c, err
	}
	return c, s.db.SaveContact(ctx, patientID, c)
}

// DeleteContact removes one contact of a patient.
func (s *Study) DeleteContact(ctx context.Context, patientID, contactID int64) error {
	return s.db.DeleteContact(ctx, patientID, contactID)
}

// CorrectDateJoin replaces a patient's enrolment date under the rule of
// an enrolment (2000-01-01 to tomorrow, UTC) and, once collection has
// started, not after its first day: a patient is enrolled before the kit
// collects.
func (s *Study) CorrectDateJoin(ctx context.Context, patientID int64, d time.Time) (domain.Patient, error) {
	if err := domain.ValidateDateJoin(d, s.db.Now()); err != nil {
		return domain.Patient{}, err
	}
	y, m, dd := d.Date()
	day := time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
	err := s.db.SaveDateJoin(ctx, patientID, day, func(start *time.Time) error {
		return domain.DateJoinBeforeCollection(day, start)
	})
	if err != nil {
		return domain.Patient{}, err
	}
	return s.db.Patient(ctx, patientID)
}

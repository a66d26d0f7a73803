package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"serenade/internal/domain"
	"serenade/internal/testsupport/filesample"
	"serenade/internal/testsupport/storetest"
)

// invalidAt fails unless err is an invalid-input error naming field.
func invalidAt(t *testing.T, err error, field string) {
	t.Helper()
	var de *domain.Error
	if !asError(err, &de) || de.Kind != domain.KindInvalid || de.Field != field {
		t.Errorf("err = %v, want invalid %s", err, field)
	}
}

func TestTextPolicyOnWhatIsStored(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := doctor()
		in := mario()
		in.Identity.CodiceFiscale = " MRNAAA48D03L219V "
		in.Identity.LastName = "Marini"
		in.Identity.FirstName = strings.Repeat("A\u0300", 60) // decomposed: 120 code points, 180 bytes; AAA in the code
		in.Identity.MedicalNotes = "riga 1\r\nriga 2"
		p := must[domain.Patient](t)(env.Study().Enrol(ctx, in))

		t.Run("the codice fiscale and the names are stored trimmed and in NFC, and read back so", func(t *testing.T) {
			got := must[domain.Patient](t)(env.DB.Patient(ctx, p.ID))
			if got.Identity.CodiceFiscale != "MRNAAA48D03L219V" {
				t.Errorf("codice fiscale %q, want MRNAAA48D03L219V", got.Identity.CodiceFiscale)
			}
			if got.Identity.FirstName != strings.Repeat("À", 60) {
				t.Errorf("first name %q, want 60 precomposed À", got.Identity.FirstName)
			}
			if got.Identity.MedicalNotes != "riga 1\nriga 2" {
				t.Errorf("notes %q, want LF line ends", got.Identity.MedicalNotes)
			}
		})

		t.Run("the trimmed codice fiscale is the one the blind index knows", func(t *testing.T) {
			again := mario()
			again.Identity.CodiceFiscale, again.Identity.LastName, again.Identity.FirstName = "mrnaaa48d03l219v", "Marini", "Àaa"
			if _, err := env.Study().Enrol(ctx, again); domain.KindOf(err) != domain.KindConflict {
				t.Errorf("same codice fiscale without spaces: err = %v, want conflict", err)
			}
		})

		refused := []struct {
			name  string
			edit  func(*domain.NewPatient)
			field string
		}{
			{"an address of spaces", func(n *domain.NewPatient) { n.Identity.Address = "   " }, "address"},
			{"a right-to-left override in a name", func(n *domain.NewPatient) { n.Identity.LastName = "Ros\u202Esi" }, "last_name"},
			{"a NUL in a name", func(n *domain.NewPatient) { n.Identity.FirstName = "Ma\x00rio" }, "first_name"},
			{"an e-mail without a dotted domain", func(n *domain.NewPatient) { n.Contacts[0].Email = "a@b" }, "contacts[0].email"},
			{"an enrolment in 1800", func(n *domain.NewPatient) { n.DateJoin = time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC) }, "date_join"},
			{"an enrolment in 3000", func(n *domain.NewPatient) { n.DateJoin = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) }, "date_join"},
		}
		for _, c := range refused {
			t.Run("enrolment refuses "+c.name, func(t *testing.T) {
				n := mario()
				n.Identity.CodiceFiscale, n.Identity.LastName, n.Identity.FirstName = "BRMRST41C12F205X", "Brambilla", "Ernesto"
				c.edit(&n)
				_, err := env.Study().Enrol(ctx, n)
				invalidAt(t, err, c.field)
			})
		}
		if ps := must[[]domain.Patient](t)(env.DB.Patients(ctx)); len(ps) != 1 {
			t.Errorf("%d patients stored, want only the first", len(ps))
		}

		t.Run("edits go through the same policy", func(t *testing.T) {
			_, err := env.Study().UpdateAddress(ctx, p.ID, " \t ")
			invalidAt(t, err, "address")
			_, err = env.Study().UpdateAddress(ctx, p.ID, "Via \u2066Roma\u2069 1")
			invalidAt(t, err, "address")
			inst := must[domain.Installation](t)(env.DB.InstallationOfPatient(ctx, p.ID))
			_, err = env.Study().UpdateHomeContext(installer(), inst.ID, domain.HomeContext{SmartphoneModel: "Galaxy\nA14"}, nil)
			invalidAt(t, err, "smartphone_model")
			_, err = env.Study().OpenTicket(installer(), inst.ID, domain.CategoryMaintenance, "  ")
			invalidAt(t, err, "message")
			tickets := must[[]domain.Ticket](t)(env.DB.Tickets(ctx, inst.ID))
			_, err = env.Study().AddMessage(installer(), tickets[0].ID, "chiamato \u202Eoiggif")
			invalidAt(t, err, "body")
		})
	})
}

func TestUsernamesHaveOneShape(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		for _, bad := range []string{"dottore\u200B-alice", "dottore-alice\nadmin-anna  [admin]  active", "Dottore-Alice", "ｄottore-alice", ""} {
			_, err := env.Accounts().CreateAccount(ctx, domain.Account{Username: bad, Roles: []domain.Role{domain.RoleDoctor}, PasswordHash: "$argon2id$x"})
			invalidAt(t, err, "username")
		}
		a := must[domain.Account](t)(env.Accounts().CreateAccount(ctx, domain.Account{Username: " dottore-alice ", Roles: []domain.Role{domain.RoleDoctor}, PasswordHash: "$argon2id$x"}))
		if a.Username != "dottore-alice" {
			t.Errorf("username %q, want it trimmed", a.Username)
		}
		if list := must[[]domain.Account](t)(env.DB.ListAccounts(ctx)); len(list) != 1 {
			t.Errorf("accounts %+v, want only dottore-alice", list)
		}
	})
}

func TestDocumentTypesAreSniffed(t *testing.T) {
	samples := []struct {
		name    string
		content []byte
		want    string
	}{
		{"IMG_0001.HEIC", filesample.ISOBMFF("heic", "mif1", "heic"), "image/heic"},
		{"burst.heic", filesample.ISOBMFF("heix", "mif1", "heix"), "image/heic"},
		{"samsung.heif", filesample.ISOBMFF("mif1", "mif1", "heic"), "image/heif"},
		{"live.heif", filesample.ISOBMFF("msf1", "msf1", "hevc"), "image/heif"},
		{"burst.heics", filesample.ISOBMFF("hevc", "msf1", "hevc"), "image/heic"},
		{"photo.avif", filesample.ISOBMFF("avif", "mif1", "miaf"), "image/avif"},
		{"photo.webp", filesample.WebP(), "image/webp"},
		{"scan.tiff", filesample.TIFF(), "image/tiff"},
		{"photo.png", filesample.PNG(), "image/png"},
		{"photo.jpg", filesample.JPEG(), "image/jpeg"},
		{"scan.pdf", filesample.PDF(), "application/pdf"},
		{"modulo.docx", filesample.DOCX(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
		{"modulo.odt", filesample.ODT(), "application/vnd.oasis.opendocument.text"},
		{"blob.bin", []byte{0, 1, 2, 3, 0xff}, "application/octet-stream"},
		{"note.txt", []byte("Chiavi dalla vicina.\n"), "application/octet-stream"},
		{"page.html", []byte("<!DOCTYPE html><html><body>x</body></html>"), "application/octet-stream"},
		{"logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`), "application/octet-stream"},
	}
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		ctx := installer()
		p := must[domain.Patient](t)(env.Study().Enrol(doctor(), mario()))
		inst := must[domain.Installation](t)(env.DB.InstallationOfPatient(ctx, p.ID))
		for _, s := range samples {
			d := must[domain.Document](t)(env.Study().AddDocument(ctx, inst.ID, domain.DocumentOther, s.name, s.content))
			if d.ContentType != s.want {
				t.Errorf("%s stored as %s, want %s", s.name, d.ContentType, s.want)
			}
			if meta, _, err := env.DB.DocumentContent(ctx, d.ID); err != nil || meta.ContentType != s.want {
				t.Errorf("%s read back as %q, %v; want %s", s.name, meta.ContentType, err, s.want)
			}
		}
		for _, bad := range []string{"foto\u202Egpj.exe", "foto\x00.jpg", "fo\u200Bto.jpg"} {
			_, err := env.Study().AddDocument(ctx, inst.ID, domain.DocumentOther, bad, filesample.JPEG())
			invalidAt(t, err, "file")
		}
	})
}

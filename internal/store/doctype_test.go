package store_test

import (
	"testing"

	"serenade/internal/domain"
	"serenade/internal/testsupport/storetest"
)

// TestDocumentTypeIsStored, on both backends: the type chosen at upload
// is read back; a row written without one (as every document stored
// before migration 00009) reads as other; the schema refuses a code
// outside the list whatever path writes it.
func TestDocumentTypeIsStored(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, env *storetest.Env) {
		p := must[domain.Patient](t)(env.Study().Enrol(doctor(), mario()))
		inst := must[domain.Installation](t)(env.DB.InstallationOfPatient(doctor(), p.ID))
		photo := must[domain.Document](t)(env.Study().AddDocument(installer(), inst.ID, domain.DocumentPhoto, "hub.txt", []byte("the hub")))
		raw := env.Raw(t)
		if _, err := raw.Exec(`INSERT INTO documents (installation_id, sealed_name, content_type, size, uploaded_by, created_at, sealed_content)
			SELECT installation_id, sealed_name, content_type, size, uploaded_by, created_at, sealed_content FROM documents WHERE id = $1`, photo.ID); err != nil {
			t.Fatal(err)
		}
		docs := must[[]domain.Document](t)(env.Study().Documents(installer(), inst.ID))
		if len(docs) != 2 || docs[0].Type != domain.DocumentPhoto || docs[1].Type != domain.DocumentOther {
			t.Fatalf("documents %+v, want a photo and an untyped one read as other", docs)
		}
		if _, err := raw.Exec(`UPDATE documents SET doc_type = 'firma' WHERE id = $1`, photo.ID); err == nil {
			t.Error("the schema accepted an unknown document type")
		}
	})
}

package api_test

import (
	"net/http"
	"strings"
	"testing"

	"serenade/internal/demo"
	"serenade/internal/testsupport/apptest"
	"serenade/internal/testsupport/storetest"
)

// TestDocumentTypeChosenAtUpload uploads one document of every type, one
// without a type and refused types, on both backends, and reads the type
// back as every role that sees documents.
func TestDocumentTypeChosenAtUpload(t *testing.T) {
	for _, backend := range storetest.Backends {
		t.Run(backend, func(t *testing.T) { documentTypeChosenAtUpload(t, backend) })
	}
}

func documentTypeChosenAtUpload(t *testing.T, backend string) {
	s := apptest.Start(t, apptest.Options{Backend: backend, Demo: true})
	iit := s.Login(t, demo.Installer, "gennaro")
	inst := installerInstallation(t, s, iit)
	uploadPath := "/api/v1/installations/" + inst + "/documents"
	upload := func(name string, typ ...string) apptest.Response {
		parts := []uploadPart{}
		for _, v := range typ {
			parts = append(parts, uploadPart{field: "type", content: []byte(v)})
		}
		parts = append(parts, uploadPart{field: "file", filename: name, content: scanPDF})
		return postMultipart(t, s, uploadPath, iit, parts...)
	}
	want := map[string]string{"type-map.pdf": "map", "type-signed-form.pdf": "signed-form", "type-photo.pdf": "photo",
		"type-other.pdf": "other", "type-none.pdf": "other"}
	for name, typ := range want {
		var res apptest.Response
		if name == "type-none.pdf" {
			res = upload(name)
		} else {
			res = upload(name, typ)
		}
		if res.Status != http.StatusCreated {
			t.Fatalf("upload %s: %d %s", name, res.Status, res.Body)
		}
		var d struct{ Type string }
		res.JSON(t, &d)
		if d.Type != typ {
			t.Errorf("upload %s answered type %q, want %q", name, d.Type, typ)
		}
	}

	t.Run("an unknown type is a 422 naming the field, not echoing the value", func(t *testing.T) {
		for _, bad := range []string{"Map", "signed form", "firma", "photo ", strings.Repeat("x", 100), "other\x00"} {
			p := checkProblem(t, upload("refused.pdf", bad), http.StatusUnprocessableEntity)
			if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Location, "type") {
				t.Errorf("type %q: errors %+v, want one at the type field", bad, p.Errors)
			}
			if len(bad) > 3 && strings.Contains(p.Detail+p.Errors[0].Message, bad) {
				t.Errorf("type %q is echoed: %+v", bad, p)
			}
		}
		p := checkProblem(t, upload("twice.pdf", "map", "photo"), http.StatusUnprocessableEntity)
		if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Location, "type") {
			t.Errorf("two types: errors %+v, want one at the type field", p.Errors)
		}
	})

	t.Run("every role that sees documents is shown the type", func(t *testing.T) {
		for _, who := range []struct{ user, pw string }{{demo.Installer, "gennaro"}, {demo.Doctor, "alice"}, {demo.Monitoring, "vincenzo"}, {demo.Researcher, "stefano"}} {
			tok := s.Login(t, who.user, who.pw)
			got := documentTypes(t, s, tok)
			for name, typ := range want {
				if got[name] != typ {
					t.Errorf("%s is shown %s as type %q, want %q", who.user, name, got[name], typ)
				}
			}
			if _, ok := got["refused.pdf"]; ok {
				t.Errorf("%s sees a document whose type was refused", who.user)
			}
		}
	})
}

// documentTypes maps the name of every document the caller sees to its
// shown type.
func documentTypes(t testing.TB, s *apptest.Server, token string) map[string]string {
	t.Helper()
	var list struct {
		Installations []struct{ ID string } `json:"installations"`
	}
	s.Do(t, http.MethodGet, "/api/v1/installations", token, nil).JSON(t, &list)
	out := map[string]string{}
	for _, i := range list.Installations {
		var docs struct {
			Documents []struct{ Name, Type string } `json:"documents"`
		}
		res := s.Do(t, http.MethodGet, "/api/v1/installations/"+i.ID+"/documents", token, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("documents of %s: %d %s", i.ID, res.Status, res.Body)
		}
		res.JSON(t, &docs)
		for _, d := range docs.Documents {
			out[d.Name] = d.Type
		}
	}
	return out
}

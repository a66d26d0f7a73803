package docs

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path"
	"strings"
	"testing"
)

const specURL = "/api/v1/openapi.json"

func get(t *testing.T, h http.Handler, target string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func readBody(t *testing.T, resp *http.Response) []byte {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// element is a start tag of an HTML page and the text directly inside it.
type element struct {
	name  string
	attrs map[string]string
	text  string
}

// parseHTML parses a page with the standard library's XML decoder in its
// lenient HTML mode.
func parseHTML(t *testing.T, page []byte) []element {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	var els []element
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("parsing page: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			el := element{name: strings.ToLower(tok.Name.Local), attrs: map[string]string{}}
			for _, a := range tok.Attr {
				el.attrs[strings.ToLower(a.Name.Local)] = a.Value
			}
			els = append(els, el)
		case xml.CharData:
			if len(els) > 0 {
				els[len(els)-1].text += string(tok)
			}
		}
	}
	if len(els) == 0 {
		t.Fatal("page has no elements")
	}
	return els
}

// references returns the src and href attributes of the page's elements.
func references(els []element) []string {
	var refs []string
	for _, el := range els {
		for _, name := range []string{"src", "href"} {
			if v, ok := el.attrs[name]; ok {
				refs = append(refs, v)
			}
		}
	}
	return refs
}

func checkPageHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d", resp.StatusCode)
	}
	want := map[string]string{
		"Content-Type": "text/html; charset=utf-8",
		"Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
			"script-src 'self'; connect-src 'self'; frame-ancestors 'none'",
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-cache",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

// checkSameOriginPage checks that a page loads nothing from elsewhere and
// runs no inline script, and returns what it references.
func checkSameOriginPage(t *testing.T, page []byte) []string {
	t.Helper()
	for _, scheme := range []string{"http://", "https://", "//cdn", "unpkg", "jsdelivr", "cdnjs"} {
		if bytes.Contains(bytes.ToLower(page), []byte(scheme)) {
			t.Errorf("page contains %q:\n%s", scheme, page)
		}
	}
	els := parseHTML(t, page)
	for _, el := range els {
		if el.name == "script" {
			if _, ok := el.attrs["src"]; !ok || strings.TrimSpace(el.text) != "" {
				t.Errorf("inline script %v %q: the CSP forbids it", el.attrs, el.text)
			}
		}
		for name := range el.attrs {
			if strings.HasPrefix(name, "on") {
				t.Errorf("<%s %s>: inline event handlers are forbidden by the CSP", el.name, name)
			}
		}
	}
	refs := references(els)
	for _, ref := range refs {
		if !strings.HasPrefix(ref, "/docs/") || strings.HasPrefix(ref, "//") {
			t.Errorf("reference %q is not under /docs/", ref)
		}
	}
	return refs
}

func checkAsset(t *testing.T, h http.Handler, ref string) []byte {
	t.Helper()
	if !strings.HasPrefix(ref, "/docs/assets/") {
		t.Errorf("reference %q is not a hashed asset URL", ref)
	}
	resp := get(t, h, ref)
	body := readBody(t, resp)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", ref, resp.StatusCode)
	}
	wantType := map[string]string{
		".js":  "text/javascript; charset=utf-8",
		".css": "text/css; charset=utf-8",
		".png": "image/png",
	}[path.Ext(ref)]
	if wantType == "" {
		t.Errorf("GET %s: unexpected kind of asset", ref)
	}
	if got := resp.Header.Get("Content-Type"); got != wantType {
		t.Errorf("GET %s: Content-Type %q, want %q", ref, got, wantType)
	}
	if got := resp.Header.Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("GET %s: Cache-Control %q", ref, got)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("GET %s: X-Content-Type-Options %q", ref, got)
	}
	if len(body) == 0 {
		t.Errorf("GET %s: empty body", ref)
	}
	if bytes.Contains(body, []byte("sourceMappingURL")) {
		t.Errorf("GET %s: refers to a source map that is not shipped", ref)
	}
	return body
}

func TestPage(t *testing.T) {
	h := Handler(specURL)
	for _, target := range []string{"/docs", "/docs/"} {
		t.Run(target, func(t *testing.T) {
			resp := get(t, h, target)
			page := readBody(t, resp)
			checkPageHeaders(t, resp)

			refs := checkSameOriginPage(t, page)
			var scripts, styles int
			for _, ref := range refs {
				checkAsset(t, h, ref)
				switch path.Ext(ref) {
				case ".js":
					scripts++
				case ".css":
					styles++
				}
			}
			if scripts < 2 || styles < 1 {
				t.Errorf("page loads %d scripts and %d style sheets; want Swagger UI and its initialisation", scripts, styles)
			}

			var specURLs []string
			for _, el := range parseHTML(t, page) {
				if v, ok := el.attrs["data-spec-url"]; ok {
					specURLs = append(specURLs, el.name+" "+v)
				}
			}
			if len(specURLs) != 1 || specURLs[0] != "body "+specURL {
				t.Errorf("data-spec-url: %q, want one on body with %q", specURLs, specURL)
			}
		})
	}
}

// TestInitScript checks that the initialisation reads the spec URL from
// the page and configures Swagger UI as the API needs.
func TestInitScript(t *testing.T) {
	h := Handler(specURL)
	page := readBody(t, get(t, h, "/docs"))
	var initJS []byte
	for _, ref := range references(parseHTML(t, page)) {
		if path.Base(ref) == "init.js" {
			initJS = checkAsset(t, h, ref)
		}
	}
	if initJS == nil {
		t.Fatal("page does not load init.js")
	}
	for _, want := range []string{
		`getAttribute("data-spec-url")`,
		"SwaggerUIBundle(",
		`dom_id: "#swagger-ui"`,
		"deepLinking: true",
		"persistAuthorization: false",
		`oauth2RedirectUrl: window.location.origin + "/docs/oauth2-redirect.html"`,
		"queryConfigEnabled: false",
	} {
		if !bytes.Contains(initJS, []byte(want)) {
			t.Errorf("init.js lacks %s", want)
		}
	}
}

func TestOAuth2RedirectPage(t *testing.T) {
	h := Handler(specURL)
	resp := get(t, h, "/docs/oauth2-redirect.html")
	page := readBody(t, resp)
	checkPageHeaders(t, resp)
	refs := checkSameOriginPage(t, page)
	if len(refs) != 1 || path.Base(refs[0]) != "oauth2-redirect.js" {
		t.Fatalf("redirect page references %q, want its script", refs)
	}
	js := checkAsset(t, h, refs[0])
	if !bytes.Contains(js, []byte("swaggerUIRedirectOauth2")) {
		t.Error("oauth2-redirect.js is not Swagger UI's redirect script")
	}
}

func TestNotFound(t *testing.T) {
	h := Handler(specURL)
	page := readBody(t, get(t, h, "/docs"))
	var bundle string
	for _, ref := range references(parseHTML(t, page)) {
		if path.Base(ref) == "swagger-ui-bundle.js" {
			bundle = ref
		}
	}
	if bundle == "" {
		t.Fatal("page does not load swagger-ui-bundle.js")
	}
	hash := strings.Split(strings.TrimPrefix(bundle, "/docs/assets/"), "/")[0]

	for _, target := range []string{
		"/docs/assets/" + hash + "/swagger-ui/nope.js",                  // unknown name
		"/docs/assets/000000000000/swagger-ui/swagger-ui-bundle.js",     // wrong hash
		"/docs/assets/" + hash + "/swagger-ui/swagger-ui-bundle.js.map", // maps are not shipped
		"/docs/assets/" + hash + "/swagger-ui/oauth2-redirect.html",     // pages only with their headers
		"/docs/assets/swagger-ui/swagger-ui-bundle.js",                  // no hash
		"/docs/assets/" + hash + "/../docs.go",                          // outside the assets
		"/docs/assets/" + hash + "/swagger-ui/%2e%2e/%2e%2e/page.html",  // outside the assets
		"/docs/swagger-ui-bundle.js",                                    // not an asset URL
		"/docs/index.html",                                              // no such page
	} {
		resp := get(t, h, target)
		switch {
		case resp.StatusCode == http.StatusNotFound:
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			// The mux cleans dot segments by redirecting; what it
			// redirects to must not be served either.
			loc := resp.Header.Get("Location")
			if got := get(t, h, loc).StatusCode; got != http.StatusNotFound {
				t.Errorf("GET %s: redirects to %s, which answers %d", target, loc, got)
			}
		default:
			t.Errorf("GET %s: status %d, want 404", target, resp.StatusCode)
		}
	}

	req := httptest.NewRequest(http.MethodPost, "/docs", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /docs: status %d, want 405", rec.Code)
	}
}

func TestAssetCompressionAndRevalidation(t *testing.T) {
	h := Handler(specURL)
	page := readBody(t, get(t, h, "/docs"))
	for _, ref := range references(parseHTML(t, page)) {
		if path.Ext(ref) != ".js" && path.Ext(ref) != ".css" {
			continue
		}
		plain := readBody(t, get(t, h, ref))

		resp := get(t, h, ref, "Accept-Encoding", "gzip, deflate, br")
		if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("GET %s: Content-Encoding %q, Vary %q", ref, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
		}
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		unzipped, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(unzipped, plain) {
			t.Errorf("GET %s: gzipped body differs", ref)
		}

		if got := get(t, h, ref, "Accept-Encoding", "gzip;q=0").Header.Get("Content-Encoding"); got != "" {
			t.Errorf("GET %s with gzip;q=0: Content-Encoding %q", ref, got)
		}

		etag := get(t, h, ref).Header.Get("ETag")
		if etag == "" {
			t.Fatalf("GET %s: no ETag", ref)
		}
		if resp := get(t, h, ref, "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match: status %d", ref, resp.StatusCode)
		}
	}
}

// TestEmbeddedAssets checks the files fetch.sh copied: the licence travels
// with Swagger UI, and no script or style sheet names a source map.
func TestEmbeddedAssets(t *testing.T) {
	for _, name := range []string{
		"assets/swagger-ui/LICENSE",
		"assets/swagger-ui/NOTICE",
		"assets/swagger-ui/swagger-ui-bundle.js.LICENSE.txt",
	} {
		if _, err := fs.Stat(files, name); err != nil {
			t.Errorf("%s is not embedded: %v", name, err)
		}
	}
	err := fs.WalkDir(files, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		if bytes.Contains(b, []byte("sourceMappingURL=")) {
			t.Errorf("%s refers to a source map", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestHandlerRejectsOtherOrigins(t *testing.T) {
	for _, u := range []string{"", "api/v1/openapi.json", "//cdn.example/openapi.json", `/\cdn.example/openapi.json`, "https://example.com/openapi.json"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Handler(%q) did not panic", u)
				}
			}()
			Handler(u)
		}()
	}
}

func TestSpecURLIsEscaped(t *testing.T) {
	h := Handler(`/api/v1/openapi.json?a=1&b="><script>`)
	page := readBody(t, get(t, h, "/docs"))
	if bytes.Contains(page, []byte(`"><script>`)) {
		t.Fatalf("spec URL is not escaped:\n%s", page)
	}
	checkSameOriginPage(t, page)
}

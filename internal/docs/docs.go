// Package docs serves the interactive API documentation at /docs: Swagger UI
// showing the OpenAPI document of the REST API.
//
// Every file the page needs is embedded in the binary, so the
// documentation works on networks without internet access, and the page
// runs under a Content-Security-Policy that allows no inline scripts and
// no other origins.
//
// The Swagger UI files under assets/swagger-ui come from the npm package
// swagger-ui-dist; fetch.sh pins its version and integrity hash.
package docs

//go:generate sh fetch.sh

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed assets page.html
var files embed.FS

// Prefix is the URL path under which Handler answers.
const Prefix = "/docs"

const (
	assetsPrefix = Prefix + "/assets/"

	// csp is the Content-Security-Policy of the docs pages. Swagger UI
	// sets inline styles, so styles may be inline; scripts may not.
	csp = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; " +
		"script-src 'self'; connect-src 'self'; frame-ancestors 'none'"

	immutable = "public, max-age=31536000, immutable"
)

// asset is an embedded file served under a URL that names its content
// hash, so browsers may keep it forever.
type asset struct {
	name  string // path under assets/, e.g. "swagger-ui/swagger-ui.css"
	body  []byte
	ctype string
	sum   string // hex SHA-256 of body

	// gzip returns body gzipped, compressing it on first use, or nil if
	// that is no smaller. It is nil itself for files that are not text.
	gzip func() []byte
}

// url is the path the asset is served at: the first 12 hex digits of its
// SHA-256, then its name.
func (a *asset) url() string { return assetsPrefix + a.sum[:12] + "/" + a.name }

var contentTypes = map[string]string{
	".js":  "text/javascript; charset=utf-8",
	".css": "text/css; charset=utf-8",
	".png": "image/png",
	".txt": "text/plain; charset=utf-8",
	"":     "text/plain; charset=utf-8", // LICENSE, NOTICE, SOURCE
}

// loadAssets reads the embedded assets once. HTML files are not served as
// assets: pages are served only with their security headers, by Handler.
var loadAssets = sync.OnceValue(func() map[string]*asset {
	assets := make(map[string]*asset)
	err := fs.WalkDir(files, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) == ".html" {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		ctype, ok := contentTypes[path.Ext(p)]
		if !ok {
			return fmt.Errorf("docs: no content type for %s", p)
		}
		sum := sha256.Sum256(body)
		a := &asset{
			name:  strings.TrimPrefix(p, "assets/"),
			body:  body,
			ctype: ctype,
			sum:   hex.EncodeToString(sum[:]),
		}
		if strings.HasPrefix(ctype, "text/") {
			a.gzip = sync.OnceValue(func() []byte { return compress(body) })
		}
		assets[a.name] = a
		return nil
	})
	if err != nil {
		panic(err)
	}
	return assets
})

// compress returns body gzipped, or nil if that does not make it smaller.
func compress(body []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	if buf.Len() >= len(body) {
		return nil
	}
	return buf.Bytes()
}

var pageTemplate = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"asset": assetURL,
}).ParseFS(files, "page.html"))

func assetURL(name string) (string, error) {
	a, ok := loadAssets()[name]
	if !ok {
		return "", fmt.Errorf("docs: no asset %s", name)
	}
	return a.url(), nil
}

// Handler returns the handler of the documentation, answering
//
//	GET /docs, /docs/                the Swagger UI page
//	GET /docs/oauth2-redirect.html   Swagger UI's OAuth2 redirect page
//	GET /docs/assets/HASH/NAME       the embedded scripts, styles and images
//
// and 404 to any other path under /docs/. Mount it for both /docs and
// /docs/. specURL is the path of the OpenAPI document, such as
// "/api/v1/openapi.json"; it must be on the same origin, which the
// Content-Security-Policy requires, so Handler panics unless it is a path
// starting with a single "/". It is a ServeMux so that the caller can ask
// which requests are the docs' own (ServeMux.Handler) and send the others
// elsewhere.
func Handler(specURL string) *http.ServeMux {
	if !strings.HasPrefix(specURL, "/") || strings.HasPrefix(specURL, "//") || strings.HasPrefix(specURL, "/\\") {
		panic(fmt.Sprintf("docs: spec URL %q is not a path on this origin", specURL))
	}

	var page bytes.Buffer
	if err := pageTemplate.Execute(&page, struct{ SpecURL string }{specURL}); err != nil {
		panic(err)
	}
	servePage := pageHandler(page.Bytes())

	mux := http.NewServeMux()
	mux.Handle("GET "+Prefix, servePage)
	mux.Handle("GET "+Prefix+"/{$}", servePage)
	mux.Handle("GET "+Prefix+"/oauth2-redirect.html", pageHandler(redirectPage()))
	mux.HandleFunc("GET "+assetsPrefix+"{hash}/{name...}", serveAsset)
	return mux
}

// redirectPage returns Swagger UI's OAuth2 redirect page, loading its
// script from the script's hashed URL.
func redirectPage() []byte {
	body, err := files.ReadFile("assets/swagger-ui/oauth2-redirect.html")
	if err != nil {
		panic(err)
	}
	const src = `src="oauth2-redirect.js"`
	if bytes.Count(body, []byte(src)) != 1 {
		panic("docs: oauth2-redirect.html does not load oauth2-redirect.js as expected")
	}
	u, err := assetURL("swagger-ui/oauth2-redirect.js")
	if err != nil {
		panic(err)
	}
	return bytes.Replace(body, []byte(src), []byte(`src="`+template.HTMLEscapeString(u)+`"`), 1)
}

// pageHandler serves an HTML page with the security headers. Pages are
// revalidated on every load, so that a new binary's asset URLs are seen.
func pageHandler(body []byte) http.Handler {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-cache")
		h.Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	})
}

func serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := loadAssets()[r.PathValue("name")]
	if !ok || r.PathValue("hash") != a.sum[:12] {
		// An old page may ask for an old hash; its reload gets new URLs.
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", immutable)
	h.Set("X-Content-Type-Options", "nosniff")
	body, etag := a.body, `"`+a.sum[:32]+`"`
	if a.gzip != nil {
		h.Add("Vary", "Accept-Encoding")
		if gz := a.gzip(); gz != nil && acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			body, etag = gz, `"`+a.sum[:32]+`-gz"`
		}
	}
	h.Set("ETag", etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// acceptsGzip reports whether the request's Accept-Encoding allows gzip.
func acceptsGzip(r *http.Request) bool {
	gz, star := -1.0, -1.0
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			q := 1.0
			if k, val, ok := strings.Cut(params, "="); ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if f, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
					q = f
				}
			}
			switch strings.ToLower(strings.TrimSpace(coding)) {
			case "gzip", "x-gzip":
				gz = q
			case "*":
				star = q
			}
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}

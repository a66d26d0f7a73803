package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// embedded holds the templates, message files and static assets.
//
//go:embed templates locales static
var embedded embed.FS

// Assets serves static/ under content-hashed names:
// /assets/<name>.<first 12 hex of its SHA-256>.<ext>, cached for a year
// (immutable: a changed file gets a new name).
type Assets struct {
	byURL  map[string]string // /assets/app.3f…c1.css → static path
	byName map[string]string // app.css → /assets/app.3f…c1.css
}

// assetPrefix is where assets are served.
const assetPrefix = "/assets/"

func loadAssets() (*Assets, error) {
	a := &Assets{byURL: map[string]string{}, byName: map[string]string{}}
	err := fs.WalkDir(embedded, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		ext := path.Ext(name)
		url := assetPrefix + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		a.byURL[url], a.byName[name] = p, url
		return nil
	})
	return a, err
}

// URL is the hashed URL of an asset by its name under static/ (the
// template helper "asset"). An unknown name is an error, so a typo fails
// the template test.
func (a *Assets) URL(name string) (string, error) {
	u, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("no asset %q", name)
	}
	return u, nil
}

// serve answers GET /assets/….
func (a *Assets) serve(w http.ResponseWriter, r *http.Request) bool {
	p, ok := a.byURL[r.URL.Path]
	if !ok {
		return false
	}
	b, _ := embedded.ReadFile(p)
	if ct := mime.TypeByExtension(path.Ext(p)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
	return true
}

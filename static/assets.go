package static

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
	"time"
)

// HashLen is the number of hex digits of a file's SHA-256 used as its version.
const HashLen = 8

// DefaultPrefix is the URL path under which the embedded assets are served.
const DefaultPrefix = "/static/"

// Cache-Control values: versioned URLs never change, so browsers may keep
// them for a year; an unversioned or stale URL must be revalidated.
const (
	cacheImmutable   = "public, max-age=31536000, immutable"
	cacheRevalidate  = "no-cache"
	versionParameter = "v"
)

// Assets knows the content hash of every embedded file. It hands out
// versioned URLs (URL) and serves the files (ServeHTTP) with cache headers
// that match: long-lived for the current version, revalidated otherwise.
// An Assets is read-only after New and safe for concurrent use.
type Assets struct {
	fsys   fs.FS
	prefix string
	hashes map[string]string // slash-separated name → first HashLen hex digits of SHA-256
}

// New hashes every regular file of fsys once and serves them under prefix
// (for example "/static/"; a missing trailing slash is added).
func New(fsys fs.FS, prefix string) (*Assets, error) {
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	a := &Assets{fsys: fsys, prefix: prefix, hashes: map[string]string{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		sum, err := hashFile(fsys, name)
		if err != nil {
			return err
		}
		a.hashes[name] = sum
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("static: hash assets: %w", err)
	}
	return a, nil
}

// Embedded returns the Assets of the embedded FS under DefaultPrefix.
func Embedded() (*Assets, error) { return New(FS, DefaultPrefix) }

func hashFile(fsys fs.FS, name string) (string, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	return hex.EncodeToString(h.Sum(nil))[:HashLen], nil
}

// URL returns the versioned URL of the file name ("css/app.css" →
// "/static/css/app.css?v=1a2b3c4d"). A name that is not embedded gets its
// plain URL, so a missing vendor build shows up as a 404 in the browser
// rather than a broken page at render time.
func (a *Assets) URL(name string) string {
	name = strings.TrimPrefix(name, "/")
	u := a.prefix + name
	if h, ok := a.hashes[name]; ok {
		u += "?" + versionParameter + "=" + h
	}
	return u
}

// Has reports whether name is embedded.
func (a *Assets) Has(name string) bool {
	_, ok := a.hashes[strings.TrimPrefix(name, "/")]
	return ok
}

// Hash returns the version of name and whether it is embedded.
func (a *Assets) Hash(name string) (string, bool) {
	h, ok := a.hashes[strings.TrimPrefix(name, "/")]
	return h, ok
}

// Names lists every embedded file, sorted.
func (a *Assets) Names() []string {
	out := make([]string, 0, len(a.hashes))
	for n := range a.hashes {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Open opens an embedded file by its slash-separated name ("js/app.js").
func (a *Assets) Open(name string) (fs.File, error) {
	f, err := a.fsys.Open(strings.TrimPrefix(name, "/"))
	if err != nil {
		return nil, fmt.Errorf("static: open %s: %w", name, err)
	}
	return f, nil
}

// ServeHTTP serves the file named by the request path below the prefix.
// GET and HEAD only; directories and unknown files are 404. The ETag is the
// content hash, so conditional requests get 304; a request whose v parameter
// matches the current hash is cacheable for a year, any other is revalidated.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, a.prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	name = path.Clean("/" + name)[1:]
	hash, ok := a.hashes[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	f, err := a.fsys.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		http.Error(w, "asset not seekable", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("ETag", `"`+hash+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get(versionParameter) == hash {
		h.Set("Cache-Control", cacheImmutable)
	} else {
		h.Set("Cache-Control", cacheRevalidate)
	}
	// The zero modtime keeps ServeContent from sending Last-Modified; the
	// ETag carries the validation instead.
	http.ServeContent(w, r, name, zeroTime, rs)
}

var zeroTime time.Time

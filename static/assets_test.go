package static

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func testFS() fstest.MapFS {
	return fstest.MapFS{
		"css/app.css":       {Data: []byte("body{color:red}")},
		"js/app.js":         {Data: []byte("console.log(1)")},
		"vendor/README.md":  {Data: []byte("vendor")},
		"img/favicon.svg":   {Data: []byte("<svg></svg>")},
		"img/nested/a.txt":  {Data: []byte("a")},
		"css/print/p.css":   {Data: []byte("@media print{}")},
		"js/another.min.js": {Data: []byte("x")},
	}
}

func sum8(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])[:HashLen]
}

func TestURL(t *testing.T) {
	a, err := New(testFS(), "/static")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, want string }{
		{"css/app.css", "/static/css/app.css?v=" + sum8("body{color:red}")},
		{"/js/app.js", "/static/js/app.js?v=" + sum8("console.log(1)")},
		{"img/nested/a.txt", "/static/img/nested/a.txt?v=" + sum8("a")},
		{"vendor/echarts.min.js", "/static/vendor/echarts.min.js"}, // not built: plain URL
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := a.URL(tt.name); got != tt.want {
				t.Errorf("URL(%q) = %q, want %q", tt.name, got, tt.want)
			}
		})
	}
	if !a.Has("css/app.css") || a.Has("vendor/echarts.min.js") {
		t.Errorf("Has: wrong answer")
	}
	if got := len(a.Names()); got != 7 {
		t.Errorf("Names: %d files, want 7", got)
	}
}

func TestURLChangesWithContent(t *testing.T) {
	fs1, fs2 := testFS(), testFS()
	fs2["css/app.css"] = &fstest.MapFile{Data: []byte("body{color:blue}")}
	a1, _ := New(fs1, "/static/")
	a2, _ := New(fs2, "/static/")
	if a1.URL("css/app.css") == a2.URL("css/app.css") {
		t.Error("changed content kept the same URL")
	}
	if a1.URL("js/app.js") != a2.URL("js/app.js") {
		t.Error("unchanged content got a new URL")
	}
}

func TestServeHTTP(t *testing.T) {
	a, err := New(testFS(), "/static/")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	defer srv.Close()
	cssHash := sum8("body{color:red}")

	tests := []struct {
		name       string
		method     string
		path       string
		header     map[string]string
		wantStatus int
		wantBody   string
		wantCache  string
		wantType   string
		wantNoETag bool
	}{
		{name: "versioned", method: "GET", path: "/static/css/app.css?v=" + cssHash, wantStatus: 200,
			wantBody: "body{color:red}", wantCache: cacheImmutable, wantType: "text/css; charset=utf-8"},
		{name: "stale version", method: "GET", path: "/static/css/app.css?v=deadbeef", wantStatus: 200,
			wantBody: "body{color:red}", wantCache: cacheRevalidate},
		{name: "unversioned js", method: "GET", path: "/static/js/app.js", wantStatus: 200,
			wantBody: "console.log(1)", wantCache: cacheRevalidate, wantType: "text/javascript; charset=utf-8"},
		{name: "nested", method: "GET", path: "/static/img/nested/a.txt", wantStatus: 200, wantBody: "a"},
		{name: "conditional", method: "GET", path: "/static/css/app.css?v=" + cssHash,
			header: map[string]string{"If-None-Match": `"` + cssHash + `"`}, wantStatus: 304},
		{name: "head", method: "HEAD", path: "/static/css/app.css", wantStatus: 200},
		{name: "missing", method: "GET", path: "/static/vendor/echarts.min.js", wantStatus: 404, wantNoETag: true},
		{name: "directory", method: "GET", path: "/static/css/", wantStatus: 404, wantNoETag: true},
		{name: "dot segments", method: "GET", path: "/static/css/../js/app.js", wantStatus: 200, wantBody: "console.log(1)"},
		{name: "traversal", method: "GET", path: "/static/../../etc/passwd", wantStatus: 404, wantNoETag: true},
		{name: "outside prefix", method: "GET", path: "/other/css/app.css", wantStatus: 404, wantNoETag: true},
		{name: "post", method: "POST", path: "/static/css/app.css", wantStatus: 405, wantNoETag: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatal(err)
			}
			body := string(raw)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if tt.wantBody != "" && body != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			if tt.wantCache != "" && res.Header.Get("Cache-Control") != tt.wantCache {
				t.Errorf("Cache-Control = %q, want %q", res.Header.Get("Cache-Control"), tt.wantCache)
			}
			if tt.wantType != "" && res.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", res.Header.Get("Content-Type"), tt.wantType)
			}
			if etag := res.Header.Get("ETag"); tt.wantNoETag != (etag == "") {
				t.Errorf("ETag = %q", etag)
			}
		})
	}
}

func TestEmbedded(t *testing.T) {
	a, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"css/app.css", "js/app.js", "img/favicon.svg", "vendor/README.md"} {
		if !a.Has(name) {
			t.Errorf("%s is not embedded", name)
		}
		if u := a.URL(name); !strings.HasPrefix(u, "/static/"+name+"?v=") {
			t.Errorf("URL(%s) = %q", name, u)
		}
	}
	f, err := a.Open("css/app.css")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := a.Open("nope.css"); err == nil {
		t.Error("Open of a missing file succeeded")
	}
}

// Package static embeds the browser assets of Insights (stylesheet, script,
// images and the vendored ECharts build) and serves them under
// content-hashed URLs, so that they can be cached for a year and still
// change the moment a new binary ships.
//
// vendor/ holds files copied from web/node_modules by the build and is not
// committed; a README kept there makes the embed pattern match even before
// the assets are built, so the package always compiles.
package static

import "embed"

// FS holds css/, js/, img/ and vendor/ as they were when the binary was built.
//
//go:embed css js img vendor
var FS embed.FS

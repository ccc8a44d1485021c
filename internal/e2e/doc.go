// Package e2e holds the end-to-end tests of Insights: they build the real
// binary, run it in demo mode on a fresh SQLite file and a loopback port,
// and drive the pages people look at in headless Chromium. It has no
// non-test code besides this comment.
package e2e

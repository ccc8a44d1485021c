// Package codecheck holds tests that hold the repository's own Go code to
// the rules a reviewer would otherwise have to check by eye, such as the
// length of functions. It has no non-test code besides this comment.
package codecheck

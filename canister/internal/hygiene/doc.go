// Package hygiene holds tests of the repository itself rather than of a package: no private
// key is committed outside testdata/, and the Makefile's targets fail with a hint that says
// what to do when a first-time download (Go modules, npm packages) is impossible.
package hygiene

// Package gobuild compiles Go packages into wasip1 c-shared modules for tests and benchmarks
// that run Go canisters (the first half of `make canister`; the post-link tool does the rest).
package gobuild

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// Wasm builds the Go package at pkgDir (a directory inside the canister module) with
// GOOS=wasip1 GOARCH=wasm -buildmode=c-shared and returns the module bytes. The Go build
// cache makes repeated builds cheap.
func Wasm(pkgDir string) ([]byte, error) {
	out, err := os.CreateTemp("", "gobuild-*.wasm")
	if err != nil {
		return nil, fmt.Errorf("gobuild: %w", err)
	}
	out.Close()
	defer os.Remove(out.Name())
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	cmd := exec.Command(goBin, "build", "-trimpath", "-buildmode=c-shared", "-o", out.Name(), ".")
	cmd.Dir = pkgDir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("gobuild: building %s for wasip1: %v\n%s", pkgDir, err, strings.TrimSpace(stderr.String()))
	}
	b, err := os.ReadFile(out.Name())
	if err != nil {
		return nil, fmt.Errorf("gobuild: %w", err)
	}
	return b, nil
}

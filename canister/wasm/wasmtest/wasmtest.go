// Package wasmtest builds the Go test canister in canister/wasm/testdata/goprog
// (and other wasip1 programs) for the tests of the wasm packages, and finds
// the wabt tools they compare against.
package wasmtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir is the absolute path of canister/wasm/testdata.
func Dir(tb testing.TB) string {
	tb.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		tb.Fatal("testprog: cannot locate source directory")
	}
	return filepath.Join(filepath.Dir(file), "..", "testdata")
}

// BuildGo compiles the main package in dir (relative to canister/wasm/testdata)
// with GOOS=wasip1 GOARCH=wasm -buildmode=c-shared and returns the module bytes.
func BuildGo(tb testing.TB, dir string) []byte {
	tb.Helper()
	b, err := Build(Dir(tb), dir, tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// Build compiles the main package testdata/dir into tmpDir, like BuildGo,
// for callers without a testing.TB (TestMain).
func Build(testdata, dir, tmpDir string) ([]byte, error) {
	out := filepath.Join(tmpDir, filepath.Base(dir)+".wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = filepath.Join(testdata, dir)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building %s: %v\n%s", dir, err, msg)
	}
	return os.ReadFile(out)
}

// Tool returns the path of a wabt tool (wat2wasm, wasm-validate) or fails
// the test telling how to install it.
func Tool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		tb.Fatalf("%s not found (Debian package wabt): run make deps", name)
	}
	return p
}

// Wat2Wasm assembles the text module file (relative to canister/wasm/testdata)
// with the given wat2wasm feature flags.
func Wat2Wasm(tb testing.TB, file string, flags ...string) []byte {
	tb.Helper()
	return wat2wasm(tb, filepath.Join(Dir(tb), file), file, flags)
}

// Wat assembles module text given inline.
func Wat(tb testing.TB, src string, flags ...string) []byte {
	tb.Helper()
	in := filepath.Join(tb.TempDir(), "in.wat")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		tb.Fatal(err)
	}
	return wat2wasm(tb, in, "\n"+src, flags)
}

// wat2wasm assembles the file in; what names the source in failures.
func wat2wasm(tb testing.TB, in, what string, flags []string) []byte {
	tb.Helper()
	out := filepath.Join(tb.TempDir(), "out.wasm")
	args := append(append([]string{}, flags...), in, "-o", out)
	if msg, err := exec.Command(Tool(tb, "wat2wasm"), args...).CombinedOutput(); err != nil {
		tb.Fatalf("wat2wasm %s: %v\n%s", what, err, msg)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

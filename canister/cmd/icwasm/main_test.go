package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/wasm/link"
	"github.com/gocanister/stripe-ic/canister/wasm/validate"
	"github.com/gocanister/stripe-ic/canister/wasm/wasmtest"
)

func runCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestLinkAndValidate(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "prog.wasm")
	if err := os.WriteFile(in, wasmtest.BuildGo(t, "goprog"), 0o644); err != nil {
		t.Fatal(err)
	}
	did := filepath.Join(dir, "prog.did")
	if err := os.WriteFile(did, []byte("service : {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	// The unlinked module fails validation, naming the problems.
	code, stdout, _ := runCmd("validate", in)
	if code != 1 || !strings.Contains(stdout, `import "wasi_snapshot_preview1" "fd_write"`) || !strings.Contains(stdout, `export "query.greet"`) {
		t.Errorf("validate unlinked: exit %d\n%s", code, stdout)
	}

	gz := filepath.Join(dir, "out.wasm.gz")
	code, stdout, stderr := runCmd("link", "-v", "-candid", did, "-o", gz, in)
	if code != 0 {
		t.Fatalf("link: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "export query.greet -> canister_query greet") || !strings.Contains(stdout, "callback on_reply -> table 0 index") {
		t.Errorf("link -v output:\n%s", stdout)
	}
	b, err := os.ReadFile(gz)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte{0x1f, 0x8b, 0x08}) {
		t.Error(".gz output is not gzip")
	}
	if vs := validate.Check(b); len(vs) != 0 {
		t.Errorf("linked output: %v", vs)
	}
	code, stdout, _ = runCmd("validate", gz)
	if code != 0 || !strings.Contains(stdout, "valid IC module") {
		t.Errorf("validate linked: exit %d\n%s", code, stdout)
	}

	// Raw output, and the same bytes as the library produces.
	raw := filepath.Join(dir, "out.wasm")
	if code, _, stderr := runCmd("link", "-candid", did, "-o", raw, in); code != 0 {
		t.Fatalf("link raw: %s", stderr)
	}
	got, _ := os.ReadFile(raw)
	src, _ := os.ReadFile(in)
	want, _, err := link.Link(src, link.Options{Candid: []byte("service : {}\n")})
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("CLI output differs from link.Link (%v)", err)
	}
}

func TestNamesFlag(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.wasm")
	src := `(module (memory (export "memory") 1) (func $init (export "_initialize")) (func $q (export "query.q")))`
	if err := os.WriteFile(in, wasmtest.Wat(t, src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		flag string
		want bool
	}{{"-names", true}, {"-v", false}} {
		out := filepath.Join(dir, "out.wasm")
		if code, _, stderr := runCmd("link", tc.flag, "-o", out, in); code != 0 {
			t.Fatalf("link %s: %s", tc.flag, stderr)
		}
		b, _ := os.ReadFile(out)
		if got := bytes.Contains(b, []byte("icwasm:canister_query q")); got != tc.want {
			t.Errorf("link %s: names present = %v, want %v", tc.flag, got, tc.want)
		}
	}
}

func TestDroppedExportWarning(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.wasm")
	src := `(module (memory (export "memory") 1) (func (export "_initialize")) (func (export "greet")))`
	if err := os.WriteFile(in, wasmtest.Wat(t, src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCmd("link", "-o", filepath.Join(dir, "out.wasm"), in)
	if code != 0 || !strings.Contains(stderr, `export "greet" dropped`) || strings.Contains(stderr, "_initialize") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestUsageAndErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "usage"},
		{[]string{"frobnicate"}, 1, `unknown command "frobnicate"`},
		{[]string{"link"}, 2, "usage"},
		{[]string{"validate", "a", "b"}, 2, "usage"},
		{[]string{"validate", "/nonexistent.wasm"}, 1, "no such file"},
		{[]string{"link", "-o", "/tmp/x.wasm", "/nonexistent.wasm"}, 1, "no such file"},
	}
	for _, tc := range tests {
		code, _, stderr := runCmd(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("icwasm %v: exit %d, stderr %q; want %d, %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

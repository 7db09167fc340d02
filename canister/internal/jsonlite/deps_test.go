package jsonlite

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// wasmDeps lists the packages a wasip1 build of pkg links.
func wasmDeps(t *testing.T, pkg string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", pkg)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, pkg) {
		t.Fatalf("go list did not list %s: %q", pkg, out)
	}
	return deps
}

// TestCanisterLinksNoEncodingJSON: jsonlite is only worth having while it links none of
// what it replaces, and while the canister does not link encoding/json anyway.
func TestCanisterLinksNoEncodingJSON(t *testing.T) {
	const self = "github.com/gocanister/stripe-ic/canister/internal/jsonlite"
	deps := wasmDeps(t, self)
	for _, banned := range []string{"encoding/json", "fmt", "os", "reflect"} {
		if slices.Contains(deps, banned) {
			t.Errorf("jsonlite links %s", banned)
		}
	}
	const canister = "github.com/gocanister/stripe-ic/canister/cmd/stripe_backend"
	if slices.Contains(wasmDeps(t, canister), "encoding/json") {
		t.Errorf("stripe_backend links encoding/json")
	}
}

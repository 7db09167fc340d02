package main

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestWasmLinksNoHeavyPackages keeps out of the canister the standard packages that cost it
// most for what it needs of them (measured when they were replaced, gzip): crypto/hmac and
// crypto/sha256 (the FIPS 140 module with AES and a DRBG, 53 KB; cdk/sha256 instead),
// net/url (internal/weburl), encoding/json (internal/jsonlite, 107 KB), and fmt and os, which
// encoding/json, encoding/hex and net/url bring (internal/errfmt).
func TestWasmLinksNoHeavyPackages(t *testing.T) {
	const self = "github.com/gocanister/stripe-ic/canister/cmd/stripe_backend"
	cmd := exec.Command("go", "list", "-deps", self)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, self) {
		t.Fatalf("go list did not list the canister: %q", out)
	}
	for _, banned := range []string{"fmt", "os", "encoding/json", "encoding/hex", "net/url", "net/netip", "crypto/hmac", "crypto/sha256"} {
		if slices.Contains(deps, banned) {
			t.Errorf("the canister's wasip1 build links %s", banned)
		}
	}
}

package sizeprobe

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// canisterPackages are the CDK packages a canister links.
var canisterPackages = []string{"cdk", "cdk/candid", "cdk/candid/wire", "cdk/leb128", "cdk/ic00", "cdk/principal", "cdk/stable", "cdk/ic0",
	"cdk/httpgateway", "cdk/httpcert", "cdk/stablestore", "cdk/protocol", "cdk/hashtree", "cdk/reprhash", "cdk/sha256"}

// TestNoFmtOrOS keeps fmt and os (which fmt, net/url and crypto/* link) out of the CDK's
// wasip1 builds: fmt alone costs a canister about 170 KB gzip.
func TestNoFmtOrOS(t *testing.T) {
	args := []string{"list", "-deps"}
	for _, p := range canisterPackages {
		args = append(args, "github.com/gocanister/stripe-ic/canister/"+p)
	}
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/gocanister/stripe-ic/canister/cdk/candid") {
		t.Fatalf("go list did not list the CDK: %q", out)
	}
	for _, banned := range []string{"fmt", "os"} {
		if slices.Contains(deps, banned) {
			t.Errorf("the CDK's wasip1 build links %s", banned)
		}
	}
}

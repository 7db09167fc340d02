package e2e

// DFINITY's own clients, unmodified and pinned from npm (clients/package.json; `make test`
// installs them with `make client-deps`): icp-cli deploys and manages stripe_backend through
// the system canisters, agent-js talks to it with default settings, ic-wasm checks the
// module's endpoints against its Candid interface. They run against the in-process replica.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/canister/internal/gobuild"
	"github.com/gocanister/stripe-ic/canister/replica/server"
	"github.com/gocanister/stripe-ic/canister/wasm/link"
)

// clientPath is a file of the pinned clients; a missing one fails the test with the command
// that installs them.
func clientPath(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("clients", "node_modules", rel))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is missing: install the pinned clients with `make client-deps` (npm ci in canister/e2e/clients): %v", rel, err)
	}
	return p
}

var (
	systemOnce    sync.Once
	systemMods    server.SystemModules
	systemErr     error
	installedOnce sync.Once
	installedErr  error
)

// systemModules builds cmd/system_canisters once and links it with each canister's Candid
// interface, as `make system-canisters` does.
func systemModules(t *testing.T) server.SystemModules {
	t.Helper()
	systemOnce.Do(func() {
		raw, err := gobuild.Wasm(filepath.Join("..", "cmd", "system_canisters"))
		if err != nil {
			systemErr = err
			return
		}
		for _, c := range []struct {
			did string
			dst *[]byte
		}{{"cycles_ledger.did", &systemMods.CyclesLedger}, {"cmc.did", &systemMods.CMC}, {"icp_ledger.did", &systemMods.ICPLedger}} {
			candid, err := os.ReadFile(filepath.Join("..", "cmd", "system_canisters", c.did))
			if err != nil {
				systemErr = err
				return
			}
			m, _, err := link.Link(raw, link.Options{Candid: candid})
			if err != nil {
				systemErr = fmt.Errorf("linking %s: %w", c.did, err)
				return
			}
			if *c.dst, err = link.Gzip(m); err != nil {
				systemErr = err
				return
			}
		}
	})
	if systemErr != nil {
		t.Fatalf("system canisters: %v", systemErr)
	}
	return systemMods
}

// systemCanisters installs the system canisters on the shared in-process replica, once.
func systemCanisters(t *testing.T) {
	t.Helper()
	ours(t, "installs the system canisters into the in-process replica")
	mods := systemModules(t)
	installedOnce.Do(func() { installedErr = shared.server.InstallSystem(context.Background(), mods) })
	if installedErr != nil {
		t.Fatalf("installing the system canisters: %v", installedErr)
	}
}

// icpCLI runs the pinned icp binary in a project directory with a HOME of its own (its
// identities and settings) and no telemetry.
type icpCLI struct {
	t         *testing.T
	bin, home string
	dir       string
}

func (c *icpCLI) run(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.bin, args...)
	cmd.Dir = c.dir
	// The user's XDG directories would point icp at the user's identities: leave HOME alone.
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "XDG_") })
	cmd.Env = append(env, "HOME="+c.home, "DO_NOT_TRACK=1", "NO_COLOR=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	res := "ok"
	if err != nil {
		res = "failed: " + err.Error()
	}
	c.t.Logf("icp %s -> %s", strings.Join(args, " "), res)
	return out.String(), err
}

// ok runs icp and fails the test unless it succeeds and prints every one of want.
func (c *icpCLI) ok(want []string, args ...string) string {
	c.t.Helper()
	out, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("icp %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			c.t.Fatalf("icp %s: output lacks %q:\n%s", strings.Join(args, " "), w, out)
		}
	}
	return out
}

// projectConfig is the repository's icp.yaml made to run in a test: the network URL is the
// test replica's and the build step takes the module the test built (the repository's step
// runs `make canister` at the repository root). Everything else - the canister, its init
// argument, the network's mode and root key - is the file as users get it.
func projectConfig(t *testing.T, replicaURL, module string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "icp.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(b)
	for _, r := range []struct{ old, new string }{
		{"url: http://127.0.0.1:4943", "url: " + replicaURL},
		{"        - type: script\n          commands:\n            - make canister\n            - cp canister/build/stripe_backend.wasm.gz \"$ICP_WASM_OUTPUT_PATH\"\n",
			"        - type: pre-built\n          path: " + module + "\n"},
	} {
		if !strings.Contains(cfg, r.old) {
			t.Fatalf("icp.yaml no longer contains %q: update projectConfig", r.old)
		}
		cfg = strings.Replace(cfg, r.old, r.new, 1)
	}
	return cfg
}

var (
	createdRe   = regexp.MustCompile(`Created canister stripe_backend with ID ([a-z0-9-]+)`)
	recoveredRe = regexp.MustCompile(`Recovered (\d+) cycles`)
	balanceRe   = regexp.MustCompile(`Balance: ([0-9_]+) cycles`)
	snapshotRe  = regexp.MustCompile(`Created snapshot ([0-9a-f]+)`)
	uploadedRe  = regexp.MustCompile(`Snapshot ([0-9a-f]+) uploaded successfully`)
)

func cyclesBalance(t *testing.T, icp *icpCLI) uint64 {
	t.Helper()
	out := icp.ok(nil, "cycles", "balance")
	m := balanceRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("icp cycles balance: no balance in %q", out)
	}
	var n uint64
	if _, err := fmt.Sscan(strings.ReplaceAll(m[1], "_", ""), &n); err != nil {
		t.Fatal(err)
	}
	return n
}

// icp-cli 1.5.0 deploys stripe_backend from the repository's icp.yaml (creating it through
// the cycles ledger and the CMC), calls it as query and update, reads its status, updates
// and shows its settings, reads its logs, stops and starts it, upgrades it, snapshots it
// (create, list, download, restore, upload, restore the uploaded one, delete), tops it up,
// transfers and mints cycles (from ICP), creates a canister paid in ICP, and deletes it,
// recovering its cycles into the cycles ledger.
func TestICPCLI(t *testing.T) {
	systemCanisters(t)
	dir := t.TempDir()
	module := filepath.Join(dir, "stripe_backend.wasm.gz")
	if err := os.WriteFile(module, stripeBackendGzip(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "icp.yaml"), []byte(projectConfig(t, shared.url, module)), 0o644); err != nil {
		t.Fatal(err)
	}
	icp := &icpCLI{t: t, bin: clientPath(t, "@icp-sdk/icp-cli-linux-x64/bin/icp"), home: t.TempDir(), dir: dir}
	icp.ok([]string{"icp 1.5.0"}, "--version")
	icp.ok(nil, "identity", "new", "dev", "--storage", "plaintext")
	icp.ok(nil, "identity", "default", "dev")

	// A developer identity holds 1,000 T cycles, as on icp-cli's own local network.
	if got := cyclesBalance(t, icp); got != 1_000_000_000_000_000 {
		t.Fatalf("initial cycles balance %d, want 1_000 T", got)
	}
	out := icp.ok([]string{"Deployed canisters"}, "deploy")
	m := createdRe.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("icp deploy did not report the new canister id:\n%s", out)
	}
	id := m[1]
	t.Logf("stripe_backend: %s", id)

	icp.ok([]string{"(null)"}, "canister", "call", "--query", "stripe_backend", "get_payment", `("cs_test_none")`)
	// An update the canister's inspect_message accepts is answered (a checkout lookup; no
	// Stripe key is configured, so it fails with an HTTP status); one the query path would
	// answer with a 404 is refused before execution (IC0406), as the IC does.
	icp.ok([]string{"status_code = "}, "canister", "call", "stripe_backend", "http_request_update",
		`(record { method = "GET"; url = "/checkout/cs_test_clients"; headers = vec {}; body = blob "" })`)
	if out, err := icp.run("canister", "call", "stripe_backend", "http_request_update",
		`(record { method = "GET"; url = "/no-such-page"; headers = vec {}; body = blob "" })`); err == nil || !strings.Contains(out, "IC0406") {
		t.Fatalf("http_request_update of a missing page: %v, want IC0406:\n%s", err, out)
	}
	icp.ok([]string{"Status: Running", "Freezing threshold: 2_592_000", "Wasm memory limit: 3_221_225_472",
		"Log visibility: Controllers", "Module hash: 0x", "PUBLIC_CANISTER_ID:stripe_backend"}, "canister", "status", "stripe_backend")

	icp.ok(nil, "canister", "settings", "update", "stripe_backend", "--freezing-threshold", "7d",
		"--wasm-memory-limit", "1gib", "--wasm-memory-threshold", "64mib", "--reserved-cycles-limit", "4000000000000",
		"--log-visibility", "public", "--log-memory-limit", "8kib")
	icp.ok([]string{"Freezing threshold: 604_800", "Wasm memory limit: 1_073_741_824", "Wasm memory threshold: 67_108_864",
		"Reserved cycles limit: 4_000_000_000_000", "Log visibility: Public", "Log memory limit: 8_192"},
		"canister", "settings", "show", "stripe_backend")

	// A trap (an argument set_config cannot decode) lands in the canister's log.
	if out, err := icp.run("canister", "call", "stripe_backend", "set_config", "4449444c0001710568656c6c6f", "--args-format", "hex"); err == nil {
		t.Fatalf("set_config with a text argument succeeded:\n%s", out)
	}
	icp.ok([]string{"[TRAP]: decoding the arguments of update"}, "canister", "logs", "stripe_backend")

	icp.ok(nil, "canister", "stop", "stripe_backend")
	icp.ok([]string{"Status: Stopped"}, "canister", "status", "stripe_backend")
	out = icp.ok([]string{"Created snapshot"}, "canister", "snapshot", "create", "stripe_backend")
	snap := snapshotRe.FindStringSubmatch(out)
	if snap == nil {
		t.Fatalf("no snapshot id in %q", out)
	}
	icp.ok([]string{snap[1]}, "canister", "snapshot", "list", "stripe_backend")
	// The snapshot downloads to files (read_canister_snapshot_metadata and _data).
	snapDir := filepath.Join(t.TempDir(), "snapshot")
	icp.ok([]string{"Snapshot downloaded to"}, "canister", "snapshot", "download", "stripe_backend", snap[1], "--output", snapDir)
	for _, f := range []string{"metadata.json", "wasm_module.bin", "wasm_memory.bin", "stable_memory.bin"} {
		if st, err := os.Stat(filepath.Join(snapDir, f)); err != nil || st.Size() == 0 {
			t.Errorf("downloaded snapshot file %s: %v, want a non-empty file", f, err)
		}
	}
	icp.ok(nil, "canister", "start", "stripe_backend")
	icp.ok([]string{"Status: Running"}, "canister", "status", "stripe_backend")

	icp.ok([]string{"Deployed canisters"}, "deploy", "--mode", "upgrade")
	icp.ok([]string{"(null)"}, "canister", "call", "--query", "stripe_backend", "get_payment", `("cs_test_none")`)

	icp.ok(nil, "canister", "stop", "stripe_backend")
	icp.ok([]string{"Restored canister stripe_backend"}, "canister", "snapshot", "restore", "stripe_backend", snap[1])
	icp.ok(nil, "canister", "snapshot", "delete", "stripe_backend", snap[1])
	icp.ok([]string{"No snapshots found"}, "canister", "snapshot", "list", "stripe_backend")

	// A change made after the snapshot (the Stripe API host), then the downloaded snapshot,
	// uploaded as a new one (upload_canister_snapshot_metadata and _data) and restored,
	// brings back the state it was taken of.
	icp.ok(nil, "canister", "start", "stripe_backend")
	icp.ok(nil, "canister", "call", "stripe_backend", "set_config", `(record { api_host = "api.changed.example" })`)
	icp.ok([]string{`api_host = "api.changed.example"`}, "canister", "call", "--query", "stripe_backend", "get_config", "()")
	icp.ok(nil, "canister", "stop", "stripe_backend")
	out = icp.ok([]string{"uploaded successfully"}, "canister", "snapshot", "upload", "stripe_backend", "--input", snapDir)
	uploaded := uploadedRe.FindStringSubmatch(out)
	if uploaded == nil || uploaded[1] == snap[1] {
		t.Fatalf("no new snapshot id in %q", out)
	}
	icp.ok([]string{uploaded[1]}, "canister", "snapshot", "list", "stripe_backend")
	icp.ok([]string{"Restored canister stripe_backend"}, "canister", "snapshot", "restore", "stripe_backend", uploaded[1])
	icp.ok(nil, "canister", "start", "stripe_backend")
	icp.ok([]string{`api_host = "api.stripe.com"`}, "canister", "call", "--query", "stripe_backend", "get_config", "()")
	icp.ok([]string{"(null)"}, "canister", "call", "--query", "stripe_backend", "get_payment", `("cs_test_none")`)
	icp.ok(nil, "canister", "snapshot", "delete", "stripe_backend", uploaded[1])
	icp.ok([]string{"No snapshots found"}, "canister", "snapshot", "list", "stripe_backend")

	// top-up goes through the cycles ledger's withdraw (deposit_cycles to the canister).
	icp.ok([]string{"Topped up canister stripe_backend with 1_000_000_000_000 cycles"}, "canister", "top-up", "stripe_backend", "--amount", "1t")
	icp.ok([]string{"Transferred 1_000_000_000_000 cycles to 2vxsx-fae"}, "cycles", "transfer", "1t", "2vxsx-fae")
	icp.ok([]string{"Minted 3_999_900_000_000 cycles"}, "cycles", "mint", "--icp", "1")
	// A canister paid in ICP: the CMC's notify_create_canister.
	icp.ok([]string{"Created canister with ID"}, "canister", "create", "--detached", "--with-icp", "0.5")
	icp.ok([]string{"Balance: 999998.49980000 ICP"}, "token", "balance")

	before := cyclesBalance(t, icp)
	out = icp.ok([]string{"Recovered"}, "canister", "delete", "stripe_backend")
	rec := recoveredRe.FindStringSubmatch(out)
	if rec == nil {
		t.Fatalf("no recovered amount in %q", out)
	}
	var recovered uint64
	fmt.Sscan(rec[1], &recovered)
	after := cyclesBalance(t, icp)
	if recovered < 1_000_000_000_000 || after <= before {
		t.Errorf("deleting recovered %d cycles; balance %d -> %d", recovered, before, after)
	}
	if out, err := icp.run("canister", "status", id); err == nil || !strings.Contains(out, "not found") {
		t.Errorf("status of the deleted canister: %v\n%s", err, out)
	}
}

// agent-js 3.4.3 with default settings: a query whose node signature it verifies, an update
// whose certificate it verifies through the application subnet's delegation, read_state and
// CanisterStatus (controllers, module hash, subnet node keys, candid metadata).
func TestAgentJS(t *testing.T) {
	clientPath(t, "@dfinity/agent/package.json")
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is needed for agent-js (make deps installs it): %v", err)
	}
	id := install(t, newIdentity(t), stripeBackendGzip(t), `(record { api_host = "api.stripe.com" })`)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "agentjs.mjs", shared.url, id.String())
	cmd.Dir = "clients"
	out, err := cmd.CombinedOutput()
	t.Logf("node agentjs.mjs:\n%s", out)
	if err != nil {
		t.Fatalf("agent-js: %v", err)
	}
	passed := 0
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "ok ") {
			passed++
		}
	}
	if passed != 4 {
		t.Errorf("%d of 4 agent-js checks passed", passed)
	}
}

// ic-wasm 0.11.1 check-endpoints finds the built module's exports and its Candid interface
// in agreement (init, post_upgrade, the global timer, inspect_message and the CDK's timer
// executor, an update only the canister itself may call, are not Candid methods).
func TestICWasmCheckEndpoints(t *testing.T) {
	bin := clientPath(t, "@icp-sdk/ic-wasm-linux-x64/bin/ic-wasm")
	dir := t.TempDir()
	module := filepath.Join(dir, "stripe_backend.wasm.gz")
	if err := os.WriteFile(module, stripeBackendGzip(t), 0o644); err != nil {
		t.Fatal(err)
	}
	hidden := filepath.Join(dir, "hidden.txt")
	if err := os.WriteFile(hidden, []byte("canister_init\ncanister_post_upgrade\ncanister_global_timer\ncanister_inspect_message\ncanister_update:<cdk>_timer_executor\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	did, err := filepath.Abs(filepath.Join("..", "stripe_backend.did"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, module, "check-endpoints", "--candid", did, "--hidden", hidden).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Canister WASM and Candid interface match!") {
		t.Fatalf("ic-wasm check-endpoints: %v\n%s", err, out)
	}
	// Without the hidden list the system exports are reported: the check can fail.
	if out, err := exec.Command(bin, module, "check-endpoints", "--candid", did).CombinedOutput(); err == nil {
		t.Fatalf("ic-wasm check-endpoints without --hidden passed:\n%s", out)
	}
}

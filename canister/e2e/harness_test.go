// Package e2e drives a replica through its IC HTTP interface with unmodified agent-go, the
// way a user's tools do. By default each test binary starts our local replica in-process;
// set E2E_REPLICA_URL (e.g. http://127.0.0.1:4943 of `dfx start`) to run the same tests
// against another replica. Tests that need to configure the replica (outcalls to a local
// TLS server, restarts) run only against ours and say so.
package e2e

import (
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aviate-labs/agent-go"
	"github.com/aviate-labs/agent-go/identity"
	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/internal/gobuild"
	"github.com/gocanister/stripe-ic/canister/replica/deploy"
	"github.com/gocanister/stripe-ic/canister/replica/server"
	"github.com/gocanister/stripe-ic/canister/wasm/link"
)

// env is what every test shares: the replica, a TLS server for outcalls, built modules.
type env struct {
	url      string
	external bool
	server   *server.Server // nil when external
	tls      *httptest.Server
	tlsMux   *http.ServeMux
	caFile   string
	stateDir string
}

var (
	shared    env
	modules   sync.Map // package dir -> module bytes (raw, linked)
	buildMu   sync.Mutex
	tlsRoutes sync.Mutex
)

func TestMain(m *testing.M) {
	code := func() int {
		dir, err := os.MkdirTemp("", "e2e-*")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
		shared.tlsMux = http.NewServeMux()
		shared.tls = httptest.NewUnstartedServer(shared.tlsMux)
		shared.tls.Config.ErrorLog = log.New(devNull{}, "", 0)
		shared.tls.StartTLS()
		defer shared.tls.Close()
		shared.caFile = filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(shared.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: shared.tls.Certificate().Raw}), 0o600); err != nil {
			log.Fatal(err)
		}
		if u := os.Getenv("E2E_REPLICA_URL"); u != "" {
			shared.url, shared.external = u, true
			return m.Run()
		}
		shared.stateDir = filepath.Join(dir, "replica")
		srv, err := server.Open(server.Config{StateDir: shared.stateDir, OutcallCAFile: shared.caFile,
			Logger: slog.New(slog.NewTextHandler(devNull{}, nil))})
		if err != nil {
			log.Fatal(err)
		}
		shared.server = srv
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		hs := &http.Server{Handler: srv}
		go hs.Serve(ln)
		defer func() { hs.Close(); srv.Close() }()
		shared.url = "http://" + ln.Addr().String()
		return m.Run()
	}()
	os.Exit(code)
}

type devNull struct{}

func (devNull) Write(p []byte) (int, error) { return len(p), nil }

// ours skips tests that need our replica's configuration.
func ours(t *testing.T, why string) {
	t.Helper()
	if shared.external {
		t.Skipf("needs the in-process replica: %s", why)
	}
}

// module builds and links a test canister (cached per test binary).
func module(t testing.TB, pkg, did string) []byte {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if m, ok := modules.Load(pkg); ok {
		return m.([]byte)
	}
	raw, err := gobuild.Wasm(filepath.Join("..", pkg))
	if err != nil {
		t.Fatal(err)
	}
	candid, err := os.ReadFile(filepath.Join("..", pkg, did))
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := link.Link(raw, link.Options{Candid: candid})
	if err != nil {
		t.Fatalf("linking %s: %v", pkg, err)
	}
	modules.Store(pkg, out)
	return out
}

func basicModule(t testing.TB) []byte {
	return module(t, "internal/testcanister/basic", "basic.did")
}

func gzipped(t testing.TB, m []byte) []byte {
	t.Helper()
	gz, err := link.Gzip(m)
	if err != nil {
		t.Fatal(err)
	}
	return gz
}

// newAgent returns an agent-go agent with default settings for a fresh identity.
func newAgent(t testing.TB, id identity.Identity) *agent.Agent {
	t.Helper()
	u, err := url.Parse(shared.url)
	if err != nil {
		t.Fatal(err)
	}
	a, err := agent.New(agent.Config{Identity: id, ClientConfig: []agent.ClientOption{agent.WithHostURL(u)}, FetchRootKey: true})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func newIdentity(t testing.TB) *identity.Ed25519Identity {
	t.Helper()
	id, err := identity.NewRandomEd25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// install creates a canister controlled by id and installs module with the Candid text arg.
func install(t testing.TB, id identity.Identity, module []byte, arg string) principal.Principal {
	t.Helper()
	argBytes, err := deploy.ArgFromText(arg)
	if err != nil {
		t.Fatal(err)
	}
	res, err := deploy.Deploy(deploy.Options{URL: shared.url, Identity: id, Name: "test",
		IDsFile: filepath.Join(t.TempDir(), "ids.json"), Module: module, Arg: argBytes})
	if err != nil {
		t.Fatal(err)
	}
	return res.CanisterID
}

// route serves path on the shared TLS server and returns its URL.
func route(t testing.TB, h http.HandlerFunc) string {
	t.Helper()
	tlsRoutes.Lock()
	defer tlsRoutes.Unlock()
	path := fmt.Sprintf("/%s", url.PathEscape(t.Name()))
	shared.tlsMux.HandleFunc(path, h)
	return shared.tls.URL + path
}

var _ = tls.VersionTLS12

// managementCanister is aaaaa-aa (non-nil empty Raw, or agent-go omits canister_id).
var managementCanister = principal.Principal{Raw: []byte{}}

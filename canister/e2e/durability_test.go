package e2e

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aviate-labs/agent-go"
	"github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/certification"
	"github.com/aviate-labs/agent-go/certification/hashtree"
	"github.com/aviate-labs/agent-go/identity"
	"github.com/aviate-labs/agent-go/principal"
	"github.com/fxamacker/cbor/v2"
)

// signedCall is one signed envelope of an update call, kept to be resubmitted byte for byte.
type signedCall struct {
	id   agent.RequestID
	body []byte
}

func signCall(t *testing.T, id identity.Identity, canister principal.Principal, method string, arg []byte) signedCall {
	t.Helper()
	nonce := make([]byte, 16)
	if _, err := rand.Read(nonce); err != nil {
		t.Fatal(err)
	}
	req := agent.Request{Type: agent.RequestTypeCall, Sender: id.Sender(), CanisterID: canister, MethodName: method,
		Arguments: arg, IngressExpiry: uint64(time.Now().Add(4 * time.Minute).UnixNano()), Nonce: nonce}
	rid := agent.NewRequestID(req)
	sig, err := rid.Sign(id)
	if err != nil {
		t.Fatal(err)
	}
	body, err := cbor.Marshal(agent.Envelope{Content: req, SenderPubKey: id.PublicKey(), SenderSig: sig})
	if err != nil {
		t.Fatal(err)
	}
	return signedCall{id: rid, body: body}
}

// submit posts the envelope to the synchronous call endpoint and returns the certified reply.
// A transport error (the replica is gone) is returned as is.
func (c signedCall) submit(url string, canister principal.Principal) ([]byte, error) {
	resp, err := http.Post(url+"/api/v3/canister/"+canister.String()+"/call", "application/cbor", bytes.NewReader(c.body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	var answer struct {
		Status      string `cbor:"status"`
		Certificate []byte `cbor:"certificate"`
	}
	if err := cbor.Unmarshal(b, &answer); err != nil {
		return nil, err
	}
	if answer.Status != "replied" {
		return nil, fmt.Errorf("answer %q", answer.Status)
	}
	var cert certification.Certificate
	if err := cbor.Unmarshal(answer.Certificate, &cert); err != nil {
		return nil, err
	}
	return cert.Tree.Lookup(hashtree.Label("request_status"), c.id[:], hashtree.Label("reply"))
}

// TestResubmissionAfterKill: 50 signed updates, the replica killed with SIGKILL while they
// run, then the same 50 envelopes resubmitted to the restarted replica. Every update executes
// exactly once: an acknowledged one is answered from the ingress history with its original
// reply (read_state's request_status still reports it), one the kill interrupted runs now.
func TestResubmissionAfterKill(t *testing.T) {
	ours(t, "kills and restarts the replica process")
	bin := buildReplica(t)
	state := filepath.Join(t.TempDir(), "state")
	addr := freeAddr(t)
	p := startReplica(t, bin, state, addr)
	withURL(t, p.url)

	owner := newIdentity(t)
	c := install(t, owner, gzipped(t, basicModule(t)), "(null)")
	noArg, err := candid.Marshal([]any{})
	if err != nil {
		t.Fatal(err)
	}
	const total, killAfter = 50, 20
	calls := make([]signedCall, total)
	for i := range calls {
		calls[i] = signCall(t, owner, c, "increment", noArg)
	}

	// Four clients submit; the replica is killed once 20 updates were acknowledged, while
	// others are in flight.
	var (
		mu    sync.Mutex
		acked = map[int]uint64{}
		next  atomic.Int64
		wg    sync.WaitGroup
		kill  sync.Once
	)
	killed := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= total {
					return
				}
				reply, err := calls[i].submit(p.url, c)
				if err != nil {
					return // the replica is gone
				}
				var n uint64
				if err := candid.Unmarshal(reply, []any{&n}); err != nil {
					t.Errorf("reply %d: %v", i, err)
					return
				}
				mu.Lock()
				acked[i] = n
				done := len(acked) >= killAfter
				mu.Unlock()
				if done {
					kill.Do(func() {
						p.cmd.Process.Signal(syscall.SIGKILL)
						close(killed)
					})
				}
			}
		}()
	}
	select {
	case <-killed:
	case <-time.After(2 * time.Minute):
		t.Fatal("20 updates were not acknowledged within 2 minutes")
	}
	wg.Wait()
	p.cmd.Wait()
	if len(acked) < killAfter || len(acked) == total {
		t.Fatalf("%d updates acknowledged before the kill, want at least %d and not all", len(acked), killAfter)
	}

	p = startReplica(t, bin, state, addr)
	setSharedURL(p.url)
	a := newAgent(t, owner)
	var durable uint64
	if err := a.Query(c, "get", []any{}, []any{&durable}); err != nil {
		t.Fatal(err)
	}
	if durable < uint64(len(acked)) {
		t.Fatalf("the counter is %d after the restart, but %d updates were acknowledged", durable, len(acked))
	}
	// read_state still reports an acknowledged call.
	for i := range acked {
		status, _, err := a.RequestStatus(c, calls[i].id)
		if err != nil || string(status) != "replied" {
			t.Fatalf("request_status of acknowledged call %d after the restart: %q, %v", i, status, err)
		}
		break
	}

	answers := make([]uint64, total)
	for i, call := range calls {
		reply, err := call.submit(p.url, c)
		if err != nil {
			t.Fatalf("resubmitting call %d: %v", i, err)
		}
		if err := candid.Unmarshal(reply, []any{&answers[i]}); err != nil {
			t.Fatal(err)
		}
		if n, ok := acked[i]; ok && answers[i] != n {
			t.Errorf("acknowledged call %d answered %d before the kill and %d after: it ran again", i, n, answers[i])
		}
	}
	var final uint64
	if err := a.Query(c, "get", []any{}, []any{&final}); err != nil {
		t.Fatal(err)
	}
	sorted := slices.Clone(answers)
	slices.Sort(sorted)
	for i, n := range sorted {
		if n != uint64(i+1) {
			t.Fatalf("the 50 calls answered %v: not each of 1..50 once", sorted)
		}
	}
	if final != total {
		t.Fatalf("counter %d after resubmitting the %d envelopes, want %d: each executed once", final, total, total)
	}
	t.Logf("%d acknowledged before the kill, %d durable, %d executed after the restart; 50 executions in all",
		len(acked), durable, total-durable)
}

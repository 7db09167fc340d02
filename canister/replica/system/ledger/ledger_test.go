package ledger

import (
	"bytes"
	"testing"

	"github.com/aviate-labs/agent-go/principal"
)

const (
	fee   = 100
	grant = 1_000_000
	now   = 10 * TxWindow
)

func newLedger() *Ledger { return &Ledger{KV: MapKV{}, Fee: fee, Grant: grant} }

var (
	alice = []byte("alice")
	bob   = []byte("bob")
)

func u(v uint64) *uint64 { return &v }

// Transfers move amount plus the fee out of the sender's balance; refusals carry the fields
// of the ICRC-1 errors and change nothing.
func TestTransfer(t *testing.T) {
	tests := []struct {
		name     string
		amount   uint64
		fee      *uint64
		created  *uint64
		want     ErrorCode
		balances [2]uint64 // alice, bob afterwards
	}{
		{"ok", 1000, nil, nil, 0, [2]uint64{grant - 1100, 1000}},
		{"explicit fee", 1000, u(fee), nil, 0, [2]uint64{grant - 1100, 1000}},
		{"bad fee", 1000, u(fee + 1), nil, ErrBadFee, [2]uint64{grant, 0}},
		{"insufficient", grant, nil, nil, ErrInsufficientFunds, [2]uint64{grant, 0}},
		{"overflow", ^uint64(0), nil, nil, ErrInsufficientFunds, [2]uint64{grant, 0}},
		{"too old", 1, nil, u(now - TxWindow - PermittedDrift - 1), ErrTooOld, [2]uint64{grant, 0}},
		{"in the future", 1, nil, u(now + PermittedDrift + 1), ErrCreatedInFuture, [2]uint64{grant, 0}},
		{"in the window", 1, nil, u(now - TxWindow), 0, [2]uint64{grant - 101, 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := newLedger()
			l.Fund(alice, now)
			_, err := l.Transfer(Request{Caller: alice, CreatedAt: tc.created, Payload: []byte("p")}, alice, bob, tc.amount, tc.fee, nil, now)
			switch {
			case tc.want == 0 && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != 0 && (err == nil || err.Code != tc.want):
				t.Fatalf("got %v, want error %d", err, tc.want)
			}
			if tc.want == ErrInsufficientFunds && err.Balance != grant {
				t.Errorf("InsufficientFunds balance %d", err.Balance)
			}
			if tc.want == ErrBadFee && err.ExpectedFee != fee {
				t.Errorf("BadFee expected_fee %d", err.ExpectedFee)
			}
			if got := [2]uint64{l.BalanceOf(alice, true), l.BalanceOf(bob, false)}; got != tc.balances {
				t.Errorf("balances %v, want %v", got, tc.balances)
			}
			if want := l.BalanceOf(alice, true) + l.BalanceOf(bob, false); l.TotalSupply() != want {
				t.Errorf("total supply %d, balances sum %d", l.TotalSupply(), want)
			}
		})
	}
}

// The grant shows in the balance of an eligible account before its first operation, is
// recorded once (a Mint block) by Fund, and never twice.
func TestGrant(t *testing.T) {
	l := newLedger()
	if got := l.BalanceOf(alice, true); got != grant {
		t.Errorf("unfunded eligible balance %d, want the grant", got)
	}
	if got := l.BalanceOf(alice, false); got != 0 {
		t.Errorf("ineligible balance %d", got)
	}
	l.Fund(alice, now)
	l.Fund(alice, now)
	if got := l.BalanceOf(alice, true); got != grant {
		t.Errorf("after funding twice %d", got)
	}
	if l.Blocks() != 1 || l.TotalSupply() != grant {
		t.Errorf("blocks %d, supply %d", l.Blocks(), l.TotalSupply())
	}
	b, ok := l.Block(0)
	if !ok || b.Kind != Mint || !bytes.Equal(b.To, alice) || b.Amount != grant {
		t.Errorf("grant block %+v", b)
	}
}

// A request with created_at_time is executed once: an equal one is a duplicate of it.
func TestDeduplication(t *testing.T) {
	l := newLedger()
	l.Fund(alice, now)
	req := Request{Caller: alice, CreatedAt: u(now), Payload: []byte("same")}
	idx, err := l.Transfer(req, alice, bob, 5, nil, nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Transfer(req, alice, bob, 5, nil, nil, now); err == nil || err.Code != ErrDuplicate || err.DuplicateOf != idx {
		t.Fatalf("repeat: %v", err)
	}
	other := req
	other.Payload = []byte("other")
	if _, err := l.Transfer(other, alice, bob, 5, nil, nil, now); err != nil {
		t.Fatalf("different request refused: %v", err)
	}
	if _, err := l.Transfer(Request{Caller: alice, Payload: []byte("same")}, alice, bob, 5, nil, nil, now); err != nil {
		t.Fatalf("request without created_at_time refused: %v", err)
	}
	if got := l.BalanceOf(bob, false); got != 15 {
		t.Errorf("bob %d, want 15", got)
	}
}

// Burn takes amount plus fee; Mint credits; both are blocks that round-trip.
func TestBurnMintBlocks(t *testing.T) {
	l := newLedger()
	l.Fund(alice, now)
	idx, err := l.Burn(Request{Caller: alice}, alice, 400, []byte("m"), now+1)
	if err != nil {
		t.Fatal(err)
	}
	if got := l.BalanceOf(alice, true); got != grant-500 {
		t.Errorf("after burn %d", got)
	}
	if _, err := l.Burn(Request{Caller: alice}, alice, grant, nil, now); err == nil || err.Code != ErrInsufficientFunds {
		t.Errorf("overdraft burn: %v", err)
	}
	l.Mint(alice, 400, nil, now+2)
	if got := l.BalanceOf(alice, true); got != grant-100 || l.TotalSupply() != grant-100 {
		t.Errorf("after mint %d, supply %d", got, l.TotalSupply())
	}
	b, ok := l.Block(idx)
	if !ok || b.Kind != Burn || b.Amount != 400 || b.Fee != fee || string(b.Memo) != "m" || b.Timestamp != now+1 || !bytes.Equal(b.From, alice) {
		t.Errorf("burn block %+v", b)
	}
	if _, ok := l.Block(99); ok {
		t.Error("block 99 exists")
	}
}

// Account identifiers agree with agent-go's; subaccounts must be 32 bytes.
func TestAccountIdentifier(t *testing.T) {
	for _, p := range []principal.Principal{principal.AnonymousID, principal.MustDecode("ryjl3-tyaaa-aaaaa-aaaba-cai")} {
		for _, sub := range [][32]byte{{}, {1, 2, 3}} {
			var subarg []byte
			if sub != ([32]byte{}) {
				subarg = sub[:]
			}
			got, ok := AccountIdentifier(p.Raw, subarg)
			want := principal.NewAccountID(p, sub)
			if !ok || !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%s %x: %x, want %x", p, sub, got, want.Bytes())
			}
		}
	}
	if _, ok := AccountIdentifier([]byte{1}, []byte{1, 2}); ok {
		t.Error("a 2-byte subaccount accepted")
	}
	if _, ok := AccountKey([]byte{1}, make([]byte, 31)); ok {
		t.Error("a 31-byte subaccount accepted")
	}
	k1, _ := AccountKey([]byte{1}, nil)
	k2, _ := AccountKey([]byte{1}, make([]byte, 32))
	if !bytes.Equal(k1, k2) {
		t.Error("no subaccount and the zero subaccount are different accounts")
	}
}

// Developer identities are funded, canisters and subaccounts are not.
func TestFundable(t *testing.T) {
	selfAuth := append(bytes.Repeat([]byte{7}, 28), 0x02)
	tests := []struct {
		name  string
		owner []byte
		sub   []byte
		want  bool
	}{
		{"self-authenticating", selfAuth, nil, true},
		{"zero subaccount", selfAuth, make([]byte, 32), true},
		{"other subaccount", selfAuth, append([]byte{1}, make([]byte, 31)...), false},
		{"anonymous", []byte{4}, nil, true},
		{"canister", []byte{0, 0, 0, 0, 0, 0, 0, 1, 1, 1}, nil, false},
		{"management", nil, nil, false},
	}
	for _, tc := range tests {
		if got := Fundable(tc.owner, tc.sub); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if sub := PrincipalSubaccount([]byte{9, 8}); !bytes.Equal(sub[:3], []byte{2, 9, 8}) || len(sub) != 32 {
		t.Errorf("PrincipalSubaccount %x", sub)
	}
}

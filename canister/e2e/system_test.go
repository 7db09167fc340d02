package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/aviate-labs/agent-go"
	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	cdkprincipal "github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/replica/network"
	"github.com/gocanister/stripe-ic/canister/replica/server"
	"github.com/gocanister/stripe-ic/canister/replica/system/ledger"
)

// update calls method of a system canister with arg encoded by the CDK's codec (the one
// the canisters decode with) and decodes the reply into out.
func systemUpdate(t *testing.T, a *agent.Agent, canister principal.Principal, method string, arg, out any) {
	t.Helper()
	b, err := candid.Marshal(arg)
	if err != nil {
		t.Fatal(err)
	}
	req, err := a.CreateRawAPIRequest(agent.RequestTypeCall, canister, method, b)
	if err != nil {
		t.Fatal(err)
	}
	var reply []byte
	if err := req.WithEffectiveCanisterID(canister).CallAndWait(&reply); err != nil {
		t.Fatalf("%s.%s: %v", canister, method, err)
	}
	if err := candid.Unmarshal(reply, out); err != nil {
		t.Fatalf("%s.%s reply: %v", canister, method, err)
	}
}

type account struct {
	Owner      cdkprincipal.Principal `ic:"owner"`
	Subaccount *[]byte                `ic:"subaccount"`
}

type balanceError struct {
	Balance candid.Nat `ic:"balance"`
}

type createResult struct {
	Ok *struct {
		BlockID    candid.Nat             `ic:"block_id"`
		CanisterID cdkprincipal.Principal `ic:"canister_id"`
	} `ic:"Ok,variant"`
	Err *struct {
		InsufficientFunds *balanceError `ic:"InsufficientFunds,variant"`
		FailedToCreate    *struct {
			Error       string      `ic:"error"`
			RefundBlock *candid.Nat `ic:"refund_block"`
		} `ic:"FailedToCreate,variant"`
	} `ic:"Err,variant"`
}

type createArgs struct {
	Amount       candid.Nat `ic:"amount"`
	CreationArgs *struct {
		SubnetSelection *struct {
			Subnet *struct {
				Subnet cdkprincipal.Principal `ic:"subnet"`
			} `ic:"Subnet,variant"`
		} `ic:"subnet_selection"`
	} `ic:"creation_args"`
}

type withdrawResult struct {
	Ok  *candid.Nat `ic:"Ok,variant"`
	Err *struct {
		InvalidReceiver *struct {
			Receiver cdkprincipal.Principal `ic:"receiver"`
		} `ic:"InvalidReceiver,variant"`
		InsufficientFunds *balanceError `ic:"InsufficientFunds,variant"`
	} `ic:"Err,variant"`
}

type icpTransferResult struct {
	Ok  *uint64 `ic:"Ok,variant"`
	Err *struct {
		InsufficientFunds *struct {
			Balance struct {
				E8s uint64 `ic:"e8s"`
			} `ic:"balance"`
		} `ic:"InsufficientFunds,variant"`
	} `ic:"Err,variant"`
}

type tokens struct {
	E8s uint64 `ic:"e8s"`
}

type icpTransferArgs struct {
	Memo   uint64 `ic:"memo"`
	Amount tokens `ic:"amount"`
	Fee    tokens `ic:"fee"`
	To     []byte `ic:"to"`
}

type notifyResult struct {
	Ok *struct {
		Balance candid.Nat `ic:"balance"`
		Minted  candid.Nat `ic:"minted"`
	} `ic:"Ok,variant"`
	Err *struct {
		InvalidTransaction *string `ic:"InvalidTransaction,variant"`
	} `ic:"Err,variant"`
}

// The system canisters' refusals, as icp-cli reads them: the cycles ledger refuses what a
// balance cannot pay and a withdrawal to a principal that is no canister, refunds a creation
// on a subnet the CMC does not know; the CMC mints a block once and refuses transfers that do
// not pay it.
func TestSystemCanisterRefusals(t *testing.T) {
	systemCanisters(t)
	id := newIdentity(t)
	a := newAgent(t, id)
	me := cdkprincipal.FromBytes(id.Sender().Raw)
	const grant = 1_000_000_000_000_000

	var created createResult
	systemUpdate(t, a, network.CyclesLedger, "create_canister", createArgs{Amount: grant}, &created)
	if created.Err == nil || created.Err.InsufficientFunds == nil || created.Err.InsufficientFunds.Balance != grant {
		t.Fatalf("create_canister beyond the balance: %+v", created)
	}
	bad := createArgs{Amount: 2_000_000_000_000}
	bad.CreationArgs = &struct {
		SubnetSelection *struct {
			Subnet *struct {
				Subnet cdkprincipal.Principal `ic:"subnet"`
			} `ic:"Subnet,variant"`
		} `ic:"subnet_selection"`
	}{SubnetSelection: &struct {
		Subnet *struct {
			Subnet cdkprincipal.Principal `ic:"subnet"`
		} `ic:"Subnet,variant"`
	}{Subnet: &struct {
		Subnet cdkprincipal.Principal `ic:"subnet"`
	}{cdkprincipal.FromBytes([]byte{9, 9, 9})}}}
	systemUpdate(t, a, network.CyclesLedger, "create_canister", bad, &created)
	if created.Err == nil || created.Err.FailedToCreate == nil || created.Err.FailedToCreate.RefundBlock == nil {
		t.Fatalf("create_canister on an unknown subnet: %+v", created)
	}
	var balance candid.Nat
	balanceOf := func() uint64 {
		// icrc1_balance_of is a query, which agent-go cannot verify on the root subnet (it
		// assumes mainnet's subnet id): call it as an update.
		systemUpdate(t, a, network.CyclesLedger, "icrc1_balance_of", account{Owner: me}, &balance)
		return uint64(balance)
	}
	if got := balanceOf(); got != grant-100_000_000 {
		t.Errorf("after a refunded creation the balance is %d, want the grant less one fee", got)
	}

	var w withdrawResult
	systemUpdate(t, a, network.CyclesLedger, "withdraw", struct {
		Amount candid.Nat             `ic:"amount"`
		To     cdkprincipal.Principal `ic:"to"`
	}{1_000_000, me}, &w)
	if w.Err == nil || w.Err.InvalidReceiver == nil {
		t.Fatalf("withdraw to a user principal: %+v", w)
	}

	// An ICP transfer to someone else is no payment to the CMC.
	other, _ := ledger.AccountIdentifier([]byte{7, 7, 7}, nil)
	var tr icpTransferResult
	systemUpdate(t, a, network.ICPLedger, "transfer", icpTransferArgs{Memo: 0x544e494d, Amount: tokens{100_000_000}, Fee: tokens{10_000}, To: other}, &tr)
	if tr.Ok == nil {
		t.Fatalf("ICP transfer: %+v", tr)
	}
	var n notifyResult
	systemUpdate(t, a, network.CMC, "notify_mint_cycles", struct {
		BlockIndex uint64 `ic:"block_index"`
	}{*tr.Ok}, &n)
	if n.Err == nil || n.Err.InvalidTransaction == nil {
		t.Fatalf("notify of a transfer to another account: %+v", n)
	}

	// Paid to the CMC with the MINT memo: minted once, the repeat gets the same answer.
	cmcAccount, _ := ledger.AccountIdentifier(network.CMC.Raw, ledger.PrincipalSubaccount(id.Sender().Raw))
	systemUpdate(t, a, network.ICPLedger, "transfer", icpTransferArgs{Memo: 0x544e494d, Amount: tokens{100_000_000}, Fee: tokens{10_000}, To: cmcAccount}, &tr)
	before := balanceOf()
	var first, again notifyResult
	systemUpdate(t, a, network.CMC, "notify_mint_cycles", struct {
		BlockIndex uint64 `ic:"block_index"`
	}{*tr.Ok}, &first)
	systemUpdate(t, a, network.CMC, "notify_mint_cycles", struct {
		BlockIndex uint64 `ic:"block_index"`
	}{*tr.Ok}, &again)
	if first.Ok == nil || again.Ok == nil || first.Ok.Minted != again.Ok.Minted || first.Ok.Balance != again.Ok.Balance {
		t.Fatalf("notify twice: %+v then %+v", first, again)
	}
	if got := balanceOf(); got != before+uint64(first.Ok.Minted)-100_000_000 {
		t.Errorf("balance %d after minting %d on %d", got, first.Ok.Minted, before)
	}
}

// The replica binary installs the system canisters from -system-canisters at start; their
// balances survive a restart, which neither reinstalls them nor changes the root key.
func TestSystemCanistersSurviveRestart(t *testing.T) {
	ours(t, "restarts the replica process")
	mods := systemModules(t)
	// The layout `make` builds: bin/replica finds its modules in ../system by default.
	dir := t.TempDir()
	exe, err := os.ReadFile(buildReplica(t))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "bin", "replica")
	for _, d := range []string{"bin", "system"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, m := range [][]byte{mods.CyclesLedger, mods.CMC, mods.ICPLedger} {
		if err := os.WriteFile(filepath.Join(dir, "system", server.SystemModuleFiles[i]), m, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	state := filepath.Join(t.TempDir(), "state")
	addr := freeAddr(t)
	start := func() *replicaProcess {
		p := startReplica(t, bin, state, addr)
		withURL(t, p.url)
		return p
	}
	p := start()
	rootKey := fetchRootKey(t, p.url)
	id := newIdentity(t)
	a := newAgent(t, id)
	me := cdkprincipal.FromBytes(id.Sender().Raw)
	var res struct {
		Ok *candid.Nat `ic:"Ok,variant"`
	}
	systemUpdate(t, a, network.CyclesLedger, "icrc1_transfer", struct {
		To     account    `ic:"to"`
		Amount candid.Nat `ic:"amount"`
	}{account{Owner: cdkprincipal.FromBytes([]byte{7, 7})}, 5_000_000}, &res)
	if res.Ok == nil {
		t.Fatalf("icrc1_transfer: %+v", res)
	}
	var before candid.Nat
	systemUpdate(t, a, network.CyclesLedger, "icrc1_balance_of", account{Owner: me}, &before)

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("replica exited with %v:\n%s", err, p.out.String())
	}
	p = start()
	if got := fetchRootKey(t, p.url); got != rootKey {
		t.Fatal("the root key changed across a restart")
	}
	a = newAgent(t, id)
	var after candid.Nat
	systemUpdate(t, a, network.CyclesLedger, "icrc1_balance_of", account{Owner: me}, &after)
	if after != before || before != 1_000_000_000_000_000-5_000_000-100_000_000 {
		t.Errorf("balance %d before the restart, %d after", before, after)
	}
	if strings.Contains(p.out.String(), "installed system canister") {
		t.Errorf("the restart reinstalled the system canisters:\n%s", p.out.String())
	}
}

// Command system_canisters is the local network's system canisters, written with the CDK:
// the subsets of the cycles ledger, the cycles minting canister (CMC) and the ICP ledger that
// icp-cli relies on, at their mainnet ids. One Go program is built once and linked three
// times, each with its own Candid interface (cycles_ledger.did, cmc.did, icp_ledger.did);
// each installed copy plays the role its canister id names and traps on the methods of the
// others. The replica installs them when it starts (package replica/server).
//
// Local-network behaviour, as icp-cli's own local network has it: every developer identity
// (the default account of a self-authenticating or the anonymous principal) holds 1,000 T
// cycles on the cycles ledger and 1,000,000 ICP on the ICP ledger before its first
// transaction. The CMC mints cycles from its own balance, which the replica makes large.
//
// Balances and blocks live in stable memory (cdk/stablestore), so upgrades keep them.
package main

import (
	"errors"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
	"github.com/gocanister/stripe-ic/canister/replica/system/ledger"
)

// role is which system canister this copy is.
type role int

const (
	roleUnknown role = iota
	roleCyclesLedger
	roleCMC
	roleICPLedger
)

// The mainnet ids (the canister index, then 0x01 0x01).
var (
	icpLedgerID    = principal.FromBytes([]byte{0, 0, 0, 0, 0, 0, 0, 2, 1, 1})  // ryjl3-tyaaa-aaaaa-aaaba-cai
	cmcID          = principal.FromBytes([]byte{0, 0, 0, 0, 0, 0, 0, 4, 1, 1})  // rkp4c-7iaaa-aaaaa-aaaca-cai
	cyclesLedgerID = principal.FromBytes([]byte{0, 0, 0, 0, 2, 16, 0, 2, 1, 1}) // um5iw-rqaaa-aaaaq-qaaba-cai
	management     = principal.FromBytes(nil)
)

// state is the canister's one state root, set up by init and post_upgrade.
var state struct {
	role   role
	store  *stablestore.Store
	ledger *ledger.Ledger
	cmc    cmcConfig
}

// storeKV adapts the stable store to the ledger's KV (a failed write traps: it would leave
// the books inconsistent).
type storeKV struct{ s *stablestore.Store }

func (k storeKV) Get(key []byte) ([]byte, bool) { return k.s.Get(key) }
func (k storeKV) Set(key, value []byte) {
	if err := k.s.Put(key, value); err != nil {
		cdk.Trap("system canister: stable memory: " + err.Error())
	}
}

//go:wasmexport system.init
func initHook() { cdk.Init(setup) }

//go:wasmexport system.post_upgrade
func postUpgrade() { cdk.PostUpgrade(setup) }

func setup(m *cdk.Message) {
	st, err := stablestore.Open(cdk.Stable(), 0)
	if err != nil {
		cdk.Trap("system canister: opening stable memory: " + err.Error())
	}
	state.store = st
	switch cdk.Self() {
	case cyclesLedgerID:
		state.role = roleCyclesLedger
		state.ledger = &ledger.Ledger{KV: storeKV{st}, Fee: cyclesFee, Grant: cyclesGrant}
	case icpLedgerID:
		state.role = roleICPLedger
		state.ledger = &ledger.Ledger{KV: storeKV{st}, Fee: icpFee, Grant: icpGrant}
	case cmcID:
		state.role = roleCMC
		setupCMC(m)
	default:
		cdk.Trap("system canister: " + cdk.Self().String() + " is not a system canister id (cycles ledger, CMC, ICP ledger)")
	}
}

// serve runs h for a method of role r; on a canister of another role the method does not
// exist.
func serve(r role, kind func(func(*cdk.Message)), h func(*cdk.Message)) {
	kind(func(m *cdk.Message) {
		if state.role != r {
			cdk.Trap("this canister has no method of that name (it is not the " + roleName(r) + ")")
		}
		h(m)
	})
}

func roleName(r role) string {
	switch r {
	case roleCyclesLedger:
		return "cycles ledger"
	case roleCMC:
		return "cycles minting canister"
	case roleICPLedger:
		return "ICP ledger"
	}
	return "unknown"
}

func now() uint64 { return uint64(cdk.Time().UnixNano()) }

// Account is an ICRC-1 account.
type Account struct {
	Owner      principal.Principal `ic:"owner"`
	Subaccount *[]byte             `ic:"subaccount"`
}

func (a Account) sub() []byte {
	if a.Subaccount == nil {
		return nil
	}
	return *a.Subaccount
}

// key returns the ledger key of the account, trapping on a malformed subaccount.
func (a Account) key() []byte {
	k, ok := ledger.AccountKey(a.Owner.Bytes(), a.sub())
	if !ok {
		cdk.Trap("the subaccount must be 32 bytes")
	}
	return k
}

func (a Account) fundable() bool { return ledger.Fundable(a.Owner.Bytes(), a.sub()) }

// TransferArg is ICRC-1's icrc1_transfer argument.
type TransferArg struct {
	FromSubaccount *[]byte     `ic:"from_subaccount"`
	To             Account     `ic:"to"`
	Amount         candid.Nat  `ic:"amount"`
	Fee            *candid.Nat `ic:"fee"`
	Memo           *[]byte     `ic:"memo"`
	CreatedAtTime  *uint64     `ic:"created_at_time"`
}

// The records of ICRC-1's error variants, which the cycles ledger's other methods' errors
// share.
type (
	badFee struct {
		ExpectedFee candid.Nat `ic:"expected_fee"`
	}
	insufficientFunds struct {
		Balance candid.Nat `ic:"balance"`
	}
	createdInFuture struct {
		LedgerTime uint64 `ic:"ledger_time"`
	}
	duplicate struct {
		DuplicateOf candid.Nat `ic:"duplicate_of"`
	}
)

// TransferError is ICRC-1's icrc1_transfer error.
type TransferError struct {
	BadFee  *badFee `ic:"BadFee,variant"`
	BadBurn *struct {
		MinBurnAmount candid.Nat `ic:"min_burn_amount"`
	} `ic:"BadBurn,variant"`
	InsufficientFunds      *insufficientFunds `ic:"InsufficientFunds,variant"`
	TooOld                 *candid.Null       `ic:"TooOld,variant"`
	CreatedInFuture        *createdInFuture   `ic:"CreatedInFuture,variant"`
	TemporarilyUnavailable *candid.Null       `ic:"TemporarilyUnavailable,variant"`
	Duplicate              *duplicate         `ic:"Duplicate,variant"`
	GenericError           *genericError      `ic:"GenericError,variant"`
}

type genericError struct {
	ErrorCode candid.Nat `ic:"error_code"`
	Message   string     `ic:"message"`
}

// TransferResult is icrc1_transfer's result.
type TransferResult struct {
	Ok  *candid.Nat    `ic:"Ok,variant"`
	Err *TransferError `ic:"Err,variant"`
}

func transferError(e *ledger.Error) *TransferError {
	var out TransferError
	switch e.Code {
	case ledger.ErrInsufficientFunds:
		out.InsufficientFunds = &insufficientFunds{candid.Nat(e.Balance)}
	case ledger.ErrBadFee:
		out.BadFee = &badFee{candid.Nat(e.ExpectedFee)}
	case ledger.ErrDuplicate:
		out.Duplicate = &duplicate{candid.Nat(e.DuplicateOf)}
	case ledger.ErrTooOld:
		out.TooOld = new(candid.Null)
	case ledger.ErrCreatedInFuture:
		out.CreatedInFuture = &createdInFuture{e.LedgerTime}
	default:
		out.GenericError = &genericError{ErrorCode: 1, Message: e.Error()}
	}
	return &out
}

// MetadataValue is ICRC-1's metadata value.
type MetadataValue struct {
	Nat  *candid.Nat `ic:"Nat,variant"`
	Int  *candid.Int `ic:"Int,variant"`
	Text *string     `ic:"Text,variant"`
	Blob *[]byte     `ic:"Blob,variant"`
}

// MetadataEntry is one icrc1_metadata entry.
type MetadataEntry struct {
	Key   string        `ic:"0"`
	Value MetadataValue `ic:"1"`
}

// Standard is one icrc1_supported_standards entry.
type Standard struct {
	Name string `ic:"name"`
	URL  string `ic:"url"`
}

// token describes the ledger of this copy for the icrc1_* methods both ledgers share.
type token struct {
	name, symbol string
	decimals     uint8
}

func thisToken() token {
	switch state.role {
	case roleCyclesLedger:
		return token{"Trillion Cycles", "TCYCLES", 12}
	case roleICPLedger:
		return token{"Internet Computer", "ICP", 8}
	}
	cdk.Trap("this canister has no method of that name (it is not a ledger)")
	return token{}
}

// ledgerQuery serves a query both ledgers have.
func ledgerQuery(h func(m *cdk.Message, t token)) {
	cdk.Query(func(m *cdk.Message) { h(m, thisToken()) })
}

//go:wasmexport query.icrc1_name
func icrc1Name() { ledgerQuery(func(m *cdk.Message, t token) { m.Reply(t.name) }) }

//go:wasmexport query.icrc1_symbol
func icrc1Symbol() { ledgerQuery(func(m *cdk.Message, t token) { m.Reply(t.symbol) }) }

//go:wasmexport query.icrc1_decimals
func icrc1Decimals() { ledgerQuery(func(m *cdk.Message, t token) { m.Reply(t.decimals) }) }

//go:wasmexport query.icrc1_fee
func icrc1Fee() { ledgerQuery(func(m *cdk.Message, _ token) { m.Reply(candid.Nat(state.ledger.Fee)) }) }

//go:wasmexport query.icrc1_total_supply
func icrc1TotalSupply() {
	ledgerQuery(func(m *cdk.Message, _ token) { m.Reply(candid.Nat(state.ledger.TotalSupply())) })
}

//go:wasmexport query.icrc1_minting_account
func icrc1MintingAccount() {
	ledgerQuery(func(m *cdk.Message, _ token) { m.Reply((*Account)(nil)) })
}

//go:wasmexport query.icrc1_metadata
func icrc1Metadata() {
	ledgerQuery(func(m *cdk.Message, t token) {
		name, symbol := t.name, t.symbol
		fee, decimals := candid.Nat(state.ledger.Fee), candid.Nat(t.decimals)
		m.Reply([]MetadataEntry{
			{"icrc1:name", MetadataValue{Text: &name}},
			{"icrc1:symbol", MetadataValue{Text: &symbol}},
			{"icrc1:decimals", MetadataValue{Nat: &decimals}},
			{"icrc1:fee", MetadataValue{Nat: &fee}},
		})
	})
}

//go:wasmexport query.icrc1_supported_standards
func icrc1SupportedStandards() {
	ledgerQuery(func(m *cdk.Message, _ token) {
		m.Reply([]Standard{{"ICRC-1", "https://github.com/dfinity/ICRC-1/tree/main/standards/ICRC-1"}})
	})
}

// accountKeyOf is the ledger key of an ICRC-1 account on this ledger: the account itself on
// the cycles ledger, its account identifier on the ICP ledger.
func accountKeyOf(a Account) []byte {
	if state.role == roleICPLedger {
		id, ok := ledger.AccountIdentifier(a.Owner.Bytes(), a.sub())
		if !ok {
			cdk.Trap("the subaccount must be 32 bytes")
		}
		return id
	}
	return a.key()
}

//go:wasmexport query.icrc1_balance_of
func icrc1BalanceOf() {
	ledgerQuery(func(m *cdk.Message, _ token) {
		var a Account
		m.MustArgs(&a)
		m.Reply(candid.Nat(state.ledger.BalanceOf(accountKeyOf(a), a.fundable())))
	})
}

//go:wasmexport update.icrc1_transfer
func icrc1Transfer() {
	cdk.Update(func(m *cdk.Message) {
		thisToken()
		var arg TransferArg
		m.MustArgs(&arg)
		from := Account{Owner: m.Caller(), Subaccount: arg.FromSubaccount}
		t := now()
		fromKey := accountKeyOf(from)
		if from.fundable() {
			state.ledger.Fund(fromKey, t)
		}
		var fee *uint64
		if arg.Fee != nil {
			f := uint64(*arg.Fee)
			fee = &f
		}
		var memo []byte
		if arg.Memo != nil {
			memo = *arg.Memo
		}
		req := ledger.Request{Caller: m.Caller().Bytes(), CreatedAt: arg.CreatedAtTime, Payload: m.ArgData()}
		idx, err := state.ledger.Transfer(req, fromKey, accountKeyOf(arg.To), uint64(arg.Amount), fee, memo, t)
		if err != nil {
			m.Reply(TransferResult{Err: transferError(err)})
			return
		}
		n := candid.Nat(idx)
		m.Reply(TransferResult{Ok: &n})
	})
}

func main() {}

// call sends r and blocks until its answer: the reply's Candid bytes or a *cdk.CallError.
func call(r cdk.Request) ([]byte, error) {
	f, err := cdk.Send(r)
	if err != nil {
		return nil, err
	}
	return f.Wait()
}

// callDecode is call with r's argument encoded from args and the reply decoded into out.
func callDecode(r cdk.Request, out any, args ...any) error {
	arg, err := candid.Marshal(args...)
	if err != nil {
		return errors.New("encoding the arguments of " + r.Method + ": " + err.Error())
	}
	r.Arg = arg
	f, err := cdk.Send(r)
	if err != nil {
		return err
	}
	return f.Decode(out)
}

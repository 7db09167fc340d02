package main

import (
	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
	"github.com/gocanister/stripe-ic/canister/cdk/ic00"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/replica/system/ledger"
)

// The cycles ledger's constants (mainnet's fee; icp-cli's local network grant).
const (
	cyclesFee   = 100_000_000           // 100 M cycles per block
	cyclesGrant = 1_000_000_000_000_000 // 1,000 T cycles per developer identity
	icpFee      = 10_000                // 0.0001 ICP
	icpGrant    = 100_000_000_000_000   // 1,000,000 ICP per developer identity
	e8sPerICP   = 100_000_000           // ICP has 8 decimals
	_           = e8sPerICP             // (documentation)
)

// DepositArgs is the cycles ledger's deposit argument.
type DepositArgs struct {
	To   Account `ic:"to"`
	Memo *[]byte `ic:"memo"`
}

// DepositResult is deposit's result.
type DepositResult struct {
	Balance    candid.Nat `ic:"balance"`
	BlockIndex candid.Nat `ic:"block_index"`
}

//go:wasmexport update.deposit
func deposit() {
	serve(roleCyclesLedger, cdk.Update, func(m *cdk.Message) {
		var arg DepositArgs
		m.MustArgs(&arg)
		got := m.AcceptCycles(m.CyclesAvailable())
		amount, ok := got.Uint64()
		if !ok {
			cdk.Trap("deposit: more than 2^64 cycles attached")
		}
		if amount <= cyclesFee {
			cdk.Trap("deposit: the attached cycles do not cover the fee of 100_000_000 cycles")
		}
		to := arg.To.key()
		t := now()
		if arg.To.fundable() {
			state.ledger.Fund(to, t)
		}
		var memo []byte
		if arg.Memo != nil {
			memo = *arg.Memo
		}
		// The deposit pays the block fee: the cycles above it are credited.
		idx := state.ledger.Mint(to, amount-cyclesFee, memo, t)
		m.Reply(DepositResult{Balance: candid.Nat(state.ledger.BalanceOf(to, false)), BlockIndex: candid.Nat(idx)})
	})
}

// WithdrawArgs is withdraw's argument.
type WithdrawArgs struct {
	Amount         candid.Nat          `ic:"amount"`
	FromSubaccount *[]byte             `ic:"from_subaccount"`
	To             principal.Principal `ic:"to"`
	CreatedAtTime  *uint64             `ic:"created_at_time"`
}

// RejectionCode is the reject code of a failed withdrawal.
type RejectionCode struct {
	NoError            *candid.Null `ic:"NoError,variant"`
	CanisterError      *candid.Null `ic:"CanisterError,variant"`
	SysTransient       *candid.Null `ic:"SysTransient,variant"`
	DestinationInvalid *candid.Null `ic:"DestinationInvalid,variant"`
	Unknown            *candid.Null `ic:"Unknown,variant"`
	SysFatal           *candid.Null `ic:"SysFatal,variant"`
	CanisterReject     *candid.Null `ic:"CanisterReject,variant"`
}

func rejectionCode(code uint32) RejectionCode {
	var rc RejectionCode
	switch code {
	case ic0.RejectSysFatal:
		rc.SysFatal = new(candid.Null)
	case ic0.RejectSysTransient:
		rc.SysTransient = new(candid.Null)
	case ic0.RejectDestinationInvalid:
		rc.DestinationInvalid = new(candid.Null)
	case ic0.RejectCanisterReject:
		rc.CanisterReject = new(candid.Null)
	case ic0.RejectCanisterError:
		rc.CanisterError = new(candid.Null)
	default:
		rc.Unknown = new(candid.Null)
	}
	return rc
}

type failedToWithdraw struct {
	FeeBlock        *candid.Nat   `ic:"fee_block"`
	RejectionCode   RejectionCode `ic:"rejection_code"`
	RejectionReason string        `ic:"rejection_reason"`
}

// WithdrawError is withdraw's error.
type WithdrawError struct {
	GenericError           *genericError     `ic:"GenericError,variant"`
	TemporarilyUnavailable *candid.Null      `ic:"TemporarilyUnavailable,variant"`
	FailedToWithdraw       *failedToWithdraw `ic:"FailedToWithdraw,variant"`
	Duplicate              *duplicate        `ic:"Duplicate,variant"`
	BadFee                 *badFee           `ic:"BadFee,variant"`
	InvalidReceiver        *struct {
		Receiver principal.Principal `ic:"receiver"`
	} `ic:"InvalidReceiver,variant"`
	CreatedInFuture   *createdInFuture   `ic:"CreatedInFuture,variant"`
	TooOld            *candid.Null       `ic:"TooOld,variant"`
	InsufficientFunds *insufficientFunds `ic:"InsufficientFunds,variant"`
}

// WithdrawResult is withdraw's result.
type WithdrawResult struct {
	Ok  *candid.Nat    `ic:"Ok,variant"`
	Err *WithdrawError `ic:"Err,variant"`
}

func withdrawError(e *ledger.Error) *WithdrawError {
	t := transferError(e)
	return &WithdrawError{GenericError: t.GenericError, Duplicate: t.Duplicate, BadFee: t.BadFee,
		CreatedInFuture: t.CreatedInFuture, TooOld: t.TooOld, InsufficientFunds: t.InsufficientFunds}
}

// isCanister reports whether p has the form of a canister id (opaque class, 10 bytes).
func isCanister(p principal.Principal) bool {
	b := p.Bytes()
	return len(b) == 10 && b[9] == 1
}

//go:wasmexport update.withdraw
func withdraw() {
	serve(roleCyclesLedger, cdk.Update, func(m *cdk.Message) {
		var arg WithdrawArgs
		m.MustArgs(&arg)
		if !isCanister(arg.To) {
			m.Reply(WithdrawResult{Err: &WithdrawError{InvalidReceiver: &struct {
				Receiver principal.Principal `ic:"receiver"`
			}{arg.To}}})
			return
		}
		fromKey, idx, lerr := burn(m, arg.FromSubaccount, arg.Amount, arg.CreatedAtTime)
		if lerr != nil {
			m.Reply(WithdrawResult{Err: withdrawError(lerr)})
			return
		}
		// The burn is committed before the call (an await is a commit point); a failed
		// deposit gives the amount back, the fee stays burnt.
		_, err := call(cdk.Request{Callee: management, Method: "deposit_cycles",
			Arg: mustMarshal(struct {
				CanisterID principal.Principal `ic:"canister_id"`
			}{arg.To}), Cycles: ic0.U128From(uint64(arg.Amount))})
		if err != nil {
			state.ledger.Mint(fromKey, uint64(arg.Amount), nil, now())
			fee := candid.Nat(idx)
			code, reason := callReject(err)
			m.Reply(WithdrawResult{Err: &WithdrawError{FailedToWithdraw: &failedToWithdraw{
				FeeBlock: &fee, RejectionCode: rejectionCode(code), RejectionReason: reason}}})
			return
		}
		n := candid.Nat(idx)
		m.Reply(WithdrawResult{Ok: &n})
	})
}

// burn burns amount from the caller's account sub (a developer identity's default account
// gets its grant first) for a withdrawal or a canister; the account's key is for a refund.
func burn(m *cdk.Message, sub *[]byte, amount candid.Nat, createdAt *uint64) (fromKey []byte, idx uint64, err *ledger.Error) {
	from := Account{Owner: m.Caller(), Subaccount: sub}
	fromKey = from.key()
	t := now()
	if from.fundable() {
		state.ledger.Fund(fromKey, t)
	}
	req := ledger.Request{Caller: m.Caller().Bytes(), CreatedAt: createdAt, Payload: m.ArgData()}
	idx, err = state.ledger.Burn(req, fromKey, uint64(amount), nil, t)
	return fromKey, idx, err
}

func callReject(err error) (uint32, string) {
	if ce, ok := err.(*cdk.CallError); ok {
		return uint32(ce.Code), ce.Message
	}
	return ic0.RejectSysTransient, err.Error()
}

func mustMarshal(v any) []byte {
	b, err := candid.Marshal(v)
	if err != nil {
		cdk.Trap("encoding a call argument: " + err.Error())
	}
	return b
}

// SubnetSelection picks the subnet of a new canister.
type SubnetSelection struct {
	Filter *struct {
		SubnetType *string `ic:"subnet_type"`
	} `ic:"Filter,variant"`
	Subnet *struct {
		Subnet principal.Principal `ic:"subnet"`
	} `ic:"Subnet,variant"`
}

// CreationArgs are create_canister's creation arguments.
type CreationArgs struct {
	SubnetSelection *SubnetSelection       `ic:"subnet_selection"`
	Settings        *ic00.CanisterSettings `ic:"settings"`
}

// CreateCanisterArgs is the cycles ledger's create_canister argument.
type CreateCanisterArgs struct {
	FromSubaccount *[]byte       `ic:"from_subaccount"`
	CreatedAtTime  *uint64       `ic:"created_at_time"`
	Amount         candid.Nat    `ic:"amount"`
	CreationArgs   *CreationArgs `ic:"creation_args"`
}

type failedToCreate struct {
	Error       string      `ic:"error"`
	RefundBlock *candid.Nat `ic:"refund_block"`
	FeeBlock    *candid.Nat `ic:"fee_block"`
}

// CreateCanisterError is create_canister's error.
type CreateCanisterError struct {
	GenericError           *genericError `ic:"GenericError,variant"`
	TemporarilyUnavailable *candid.Null  `ic:"TemporarilyUnavailable,variant"`
	Duplicate              *struct {
		DuplicateOf candid.Nat           `ic:"duplicate_of"`
		CanisterID  *principal.Principal `ic:"canister_id"`
	} `ic:"Duplicate,variant"`
	CreatedInFuture   *createdInFuture   `ic:"CreatedInFuture,variant"`
	FailedToCreate    *failedToCreate    `ic:"FailedToCreate,variant"`
	TooOld            *candid.Null       `ic:"TooOld,variant"`
	InsufficientFunds *insufficientFunds `ic:"InsufficientFunds,variant"`
}

type createdCanister struct {
	BlockID    candid.Nat          `ic:"block_id"`
	CanisterID principal.Principal `ic:"canister_id"`
}

// CreateCanisterResponse is create_canister's result.
type CreateCanisterResponse struct {
	Ok  *createdCanister     `ic:"Ok,variant"`
	Err *CreateCanisterError `ic:"Err,variant"`
}

//go:wasmexport update.create_canister
func createCanister() {
	cdk.Update(func(m *cdk.Message) {
		switch state.role {
		case roleCyclesLedger:
			ledgerCreateCanister(m)
		case roleCMC:
			cmcCreateCanister(m)
		default:
			cdk.Trap("this canister has no method create_canister")
		}
	})
}

// ledgerCreateCanister burns amount plus the fee from the caller's account and has the CMC
// create a canister with amount cycles, as the cycles ledger does.
func ledgerCreateCanister(m *cdk.Message) {
	var arg CreateCanisterArgs
	m.MustArgs(&arg)
	fromKey, idx, lerr := burn(m, arg.FromSubaccount, arg.Amount, arg.CreatedAtTime)
	if lerr != nil {
		t := transferError(lerr)
		var out CreateCanisterError
		out.GenericError, out.TooOld, out.CreatedInFuture, out.InsufficientFunds = t.GenericError, t.TooOld, t.CreatedInFuture, t.InsufficientFunds
		if t.Duplicate != nil {
			out.Duplicate = &struct {
				DuplicateOf candid.Nat           `ic:"duplicate_of"`
				CanisterID  *principal.Principal `ic:"canister_id"`
			}{DuplicateOf: t.Duplicate.DuplicateOf}
		}
		m.Reply(CreateCanisterResponse{Err: &out})
		return
	}
	cmcArg := CmcCreateCanisterArg{}
	if ca := arg.CreationArgs; ca != nil {
		cmcArg.Settings, cmcArg.SubnetSelection = ca.Settings, ca.SubnetSelection
	}
	// The caller controls the new canister unless the settings name controllers.
	cmcArg.Settings = withController(cmcArg.Settings, m.Caller())
	var res CmcCreateCanisterResult
	err := callDecode(cdk.Request{Callee: cmcID, Method: "create_canister",
		Cycles: ic0.U128From(uint64(arg.Amount))}, &res, cmcArg)
	reason := ""
	switch {
	case err != nil:
		reason = err.Error()
	case res.Err != nil && res.Err.Refunded != nil:
		reason = res.Err.Refunded.CreateError
	case res.Ok == nil:
		reason = "the cycles minting canister answered neither Ok nor Err"
	}
	if reason != "" {
		refund := candid.Nat(state.ledger.Mint(fromKey, uint64(arg.Amount), nil, now()))
		fee := candid.Nat(idx)
		m.Reply(CreateCanisterResponse{Err: &CreateCanisterError{FailedToCreate: &failedToCreate{
			Error: reason, RefundBlock: &refund, FeeBlock: &fee}}})
		return
	}
	m.Reply(CreateCanisterResponse{Ok: &createdCanister{BlockID: candid.Nat(idx), CanisterID: *res.Ok}})
}

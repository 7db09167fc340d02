package main

import (
	"encoding/binary"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/replica/system/ledger"
)

// Tokens is an ICP amount.
type Tokens struct {
	E8s uint64 `ic:"e8s"`
}

// ICPTransferArgs is the ICP ledger's (legacy) transfer argument.
type ICPTransferArgs struct {
	Memo           uint64  `ic:"memo"`
	Amount         Tokens  `ic:"amount"`
	Fee            Tokens  `ic:"fee"`
	FromSubaccount *[]byte `ic:"from_subaccount"`
	To             []byte  `ic:"to"`
	CreatedAtTime  *struct {
		TimestampNanos uint64 `ic:"timestamp_nanos"`
	} `ic:"created_at_time"`
}

// ICPTransferError is transfer's error.
type ICPTransferError struct {
	BadFee *struct {
		ExpectedFee Tokens `ic:"expected_fee"`
	} `ic:"BadFee,variant"`
	InsufficientFunds *struct {
		Balance Tokens `ic:"balance"`
	} `ic:"InsufficientFunds,variant"`
	TxTooOld *struct {
		AllowedWindowNanos uint64 `ic:"allowed_window_nanos"`
	} `ic:"TxTooOld,variant"`
	TxCreatedInFuture *candid.Null `ic:"TxCreatedInFuture,variant"`
	TxDuplicate       *struct {
		DuplicateOf uint64 `ic:"duplicate_of"`
	} `ic:"TxDuplicate,variant"`
}

// ICPTransferResult is transfer's result.
type ICPTransferResult struct {
	Ok  *uint64           `ic:"Ok,variant"`
	Err *ICPTransferError `ic:"Err,variant"`
}

// icpFundable reports whether the caller's account identifier key gets the grant: the
// default account of a developer identity.
func callerAccount(m *cdk.Message, sub *[]byte) (key []byte, fundable bool) {
	a := Account{Owner: m.Caller(), Subaccount: sub}
	return accountKeyOf(a), a.fundable()
}

//go:wasmexport update.transfer
func icpTransfer() {
	serve(roleICPLedger, cdk.Update, func(m *cdk.Message) {
		var arg ICPTransferArgs
		m.MustArgs(&arg)
		if len(arg.To) != 32 {
			cdk.Trap("transfer: the destination account identifier must be 32 bytes")
		}
		from, fundable := callerAccount(m, arg.FromSubaccount)
		t := now()
		if fundable {
			state.ledger.Fund(from, t)
		}
		var created *uint64
		if arg.CreatedAtTime != nil {
			created = &arg.CreatedAtTime.TimestampNanos
		}
		fee := arg.Fee.E8s
		memo := binary.BigEndian.AppendUint64(nil, arg.Memo)
		req := ledger.Request{Caller: m.Caller().Bytes(), CreatedAt: created, Payload: m.ArgData()}
		idx, err := state.ledger.Transfer(req, from, arg.To, arg.Amount.E8s, &fee, memo, t)
		if err != nil {
			var out ICPTransferError
			switch err.Code {
			case ledger.ErrBadFee:
				out.BadFee = &struct {
					ExpectedFee Tokens `ic:"expected_fee"`
				}{Tokens{err.ExpectedFee}}
			case ledger.ErrInsufficientFunds:
				out.InsufficientFunds = &struct {
					Balance Tokens `ic:"balance"`
				}{Tokens{err.Balance}}
			case ledger.ErrTooOld:
				out.TxTooOld = &struct {
					AllowedWindowNanos uint64 `ic:"allowed_window_nanos"`
				}{ledger.TxWindow}
			case ledger.ErrCreatedInFuture:
				out.TxCreatedInFuture = new(candid.Null)
			case ledger.ErrDuplicate:
				out.TxDuplicate = &struct {
					DuplicateOf uint64 `ic:"duplicate_of"`
				}{err.DuplicateOf}
			}
			m.Reply(ICPTransferResult{Err: &out})
			return
		}
		m.Reply(ICPTransferResult{Ok: &idx})
	})
}

//go:wasmexport query.account_balance
func accountBalance() {
	serve(roleICPLedger, cdk.Query, func(m *cdk.Message) {
		var arg struct {
			Account []byte `ic:"account"`
		}
		m.MustArgs(&arg)
		// The grant is visible to its identity: the caller's own default account.
		own, fundable := callerAccount(m, nil)
		m.Reply(Tokens{state.ledger.BalanceOf(arg.Account, fundable && string(own) == string(arg.Account))})
	})
}

// local_transfer reveals a transfer block to the CMC, which checks the ICP transfers it is
// notified of (on the IC the CMC reads the ledger's blocks; this is the local network's
// narrow form of it). It answers null for an index that is not a transfer.
//
//go:wasmexport query.local_transfer
func localTransfer() {
	serve(roleICPLedger, cdk.Query, func(m *cdk.Message) {
		var idx uint64
		m.MustArgs(&idx)
		b, ok := state.ledger.Block(idx)
		if !ok || b.Kind != ledger.Transfer || len(b.Memo) != 8 {
			m.Reply((*ICPBlock)(nil))
			return
		}
		m.Reply(&ICPBlock{From: b.From, To: b.To, Amount: b.Amount, Memo: binary.BigEndian.Uint64(b.Memo)})
	})
}

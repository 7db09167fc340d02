package main

import (
	"encoding/binary"

	"github.com/gocanister/stripe-ic/canister/cdk"
	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/ic0"
	"github.com/gocanister/stripe-ic/canister/cdk/ic00"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/replica/system/ledger"
)

// CMC memos of ICP transfers (the ASCII of "MINT" and "CREA", little-endian).
const (
	memoMintCycles     = 0x544e494d
	memoCreateCanister = 0x41455243
)

// defaultXDRPermyriadPerICP is the conversion rate when the install argument names none:
// 1 ICP = 4 XDR = 4 T cycles (so 1 e8s buys 40,000 cycles).
const defaultXDRPermyriadPerICP = 40_000

// CMCInit is the CMC's install argument: the subnets new canisters go to and the rate.
type CMCInit struct {
	DefaultSubnets     []principal.Principal `ic:"default_subnets"`
	XDRPermyriadPerICP *uint64               `ic:"xdr_permyriad_per_icp"`
}

type cmcConfig struct {
	subnets []principal.Principal
	rate    uint64
}

// CMC state keys in the stable store.
var (
	keyCMCConfig = []byte("config")
	prefixMinted = []byte("m") // ICP block index -> notify_mint_cycles result (Candid)
)

func setupCMC(m *cdk.Message) {
	var arg *CMCInit
	if err := m.Args(&arg); err != nil {
		cdk.Trap("cmc: the argument must be (opt record { default_subnets : vec principal; xdr_permyriad_per_icp : opt nat64 }): " + err.Error())
	}
	if arg == nil {
		stored, ok := state.store.Get(keyCMCConfig)
		if !ok {
			cdk.Trap("cmc: an install argument naming the default subnets is required")
		}
		arg = new(CMCInit)
		if err := candid.Unmarshal(stored, arg); err != nil {
			cdk.Trap("cmc: stored configuration: " + err.Error())
		}
	} else if err := state.store.Put(keyCMCConfig, mustMarshal(*arg)); err != nil {
		cdk.Trap("cmc: stable memory: " + err.Error())
	}
	state.cmc = cmcConfig{subnets: arg.DefaultSubnets, rate: defaultXDRPermyriadPerICP}
	if arg.XDRPermyriadPerICP != nil && *arg.XDRPermyriadPerICP > 0 {
		state.cmc.rate = *arg.XDRPermyriadPerICP
	}
}

//go:wasmexport query.get_default_subnets
func getDefaultSubnets() {
	serve(roleCMC, cdk.Query, func(m *cdk.Message) { m.Reply(state.cmc.subnets) })
}

// ConversionRate is get_icp_xdr_conversion_rate's result (the certificate fields are empty:
// the rate is a local constant).
type ConversionRate struct {
	Data struct {
		TimestampSeconds   uint64 `ic:"timestamp_seconds"`
		XDRPermyriadPerICP uint64 `ic:"xdr_permyriad_per_icp"`
	} `ic:"data"`
	HashTree    []byte `ic:"hash_tree"`
	Certificate []byte `ic:"certificate"`
}

//go:wasmexport query.get_icp_xdr_conversion_rate
func getICPXDRConversionRate() {
	serve(roleCMC, cdk.Query, func(m *cdk.Message) {
		var r ConversionRate
		r.Data.TimestampSeconds = uint64(cdk.Time().Unix())
		r.Data.XDRPermyriadPerICP = state.cmc.rate
		r.HashTree, r.Certificate = []byte{}, []byte{}
		m.Reply(r)
	})
}

// CmcCreateCanisterArg is the CMC's create_canister argument.
type CmcCreateCanisterArg struct {
	Settings        *ic00.CanisterSettings `ic:"settings"`
	SubnetType      *string                `ic:"subnet_type"`
	SubnetSelection *SubnetSelection       `ic:"subnet_selection"`
}

// CmcCreateCanisterError is its error.
type CmcCreateCanisterError struct {
	Refunded *struct {
		RefundAmount candid.Nat `ic:"refund_amount"`
		CreateError  string     `ic:"create_error"`
	} `ic:"Refunded,variant"`
}

// CmcCreateCanisterResult is its result.
type CmcCreateCanisterResult struct {
	Ok  *principal.Principal    `ic:"Ok,variant"`
	Err *CmcCreateCanisterError `ic:"Err,variant"`
}

func refunded(amount uint64, msg string) CmcCreateCanisterResult {
	return CmcCreateCanisterResult{Err: &CmcCreateCanisterError{Refunded: &struct {
		RefundAmount candid.Nat `ic:"refund_amount"`
		CreateError  string     `ic:"create_error"`
	}{candid.Nat(amount), msg}}}
}

// checkSubnet refuses a subnet selection this network has no subnet for.
func checkSubnet(sel *SubnetSelection) string {
	if sel == nil || sel.Subnet == nil {
		return ""
	}
	for _, s := range state.cmc.subnets {
		if s == sel.Subnet.Subnet {
			return ""
		}
	}
	return "subnet " + sel.Subnet.Subnet.String() + " is not a subnet canisters can be created on (see get_default_subnets)"
}

// cmcCreateCanister creates a canister with the attached cycles on the default subnet. The
// cycles are only accepted once the selection is known to be valid, so a refusal leaves them
// with the caller.
func cmcCreateCanister(m *cdk.Message) {
	var arg CmcCreateCanisterArg
	m.MustArgs(&arg)
	avail, _ := m.CyclesAvailable().Uint64()
	if msg := checkSubnet(arg.SubnetSelection); msg != "" {
		m.Reply(refunded(avail, msg))
		return
	}
	id, err := createOnSubnet(m, arg.Settings, m.AcceptCycles(m.CyclesAvailable()))
	if err != nil {
		// The management canister refunded the cycles to this canister: pay them back
		// into the cycles ledger account the caller names, if the caller is the ledger.
		m.Reply(refunded(avail, err.Error()))
		return
	}
	m.Reply(CmcCreateCanisterResult{Ok: &id})
}

func createOnSubnet(m *cdk.Message, settings *ic00.CanisterSettings, cycles cdk.Cycles) (principal.Principal, error) {
	var out struct {
		CanisterID principal.Principal `ic:"canister_id"`
	}
	err := callDecode(cdk.Request{Callee: management, Method: "create_canister", Cycles: cycles}, &out,
		struct {
			Settings *ic00.CanisterSettings `ic:"settings"`
		}{settings})
	return out.CanisterID, err
}

// NotifyMintArgs is notify_mint_cycles' argument.
type NotifyMintArgs struct {
	BlockIndex   uint64  `ic:"block_index"`
	DepositMemo  *[]byte `ic:"deposit_memo"`
	ToSubaccount *[]byte `ic:"to_subaccount"`
}

// NotifyError is the error of notify_mint_cycles and notify_create_canister.
type NotifyError struct {
	Refunded *struct {
		BlockIndex *uint64 `ic:"block_index"`
		Reason     string  `ic:"reason"`
	} `ic:"Refunded,variant"`
	InvalidTransaction *string      `ic:"InvalidTransaction,variant"`
	Other              *otherError  `ic:"Other,variant"`
	Processing         *candid.Null `ic:"Processing,variant"`
	TransactionTooOld  *uint64      `ic:"TransactionTooOld,variant"`
}

type otherError struct {
	ErrorMessage string `ic:"error_message"`
	ErrorCode    uint64 `ic:"error_code"`
}

func invalid(msg string) *NotifyError { return &NotifyError{InvalidTransaction: &msg} }

func other(code uint64, msg string) *NotifyError {
	return &NotifyError{Other: &otherError{ErrorMessage: msg, ErrorCode: code}}
}

// NotifyMintResult is notify_mint_cycles' result.
type NotifyMintResult struct {
	Ok *struct {
		Balance    candid.Nat `ic:"balance"`
		BlockIndex candid.Nat `ic:"block_index"`
		Minted     candid.Nat `ic:"minted"`
	} `ic:"Ok,variant"`
	Err *NotifyError `ic:"Err,variant"`
}

// ICPBlock is what the ICP ledger's local_transfer method reveals of a transfer block.
type ICPBlock struct {
	From   []byte `ic:"from"`
	To     []byte `ic:"to"`
	Amount uint64 `ic:"amount"`
	Memo   uint64 `ic:"memo"`
}

// notify is what notify_mint_cycles and notify_create_canister share: the ICP transfer at
// blockIndex must go to the CMC account of the caller with memo; each block is used once,
// stored under key, and a repeated notification gets the first answer (Processing while the
// first is in flight). check, if not nil, refuses a first notification before the block is
// fetched; use turns the cycles the block buys into the answer, or fails, after which the
// block may be notified again. fail makes an error the method's result.
func notify[R any](m *cdk.Message, key []byte, blockIndex, memo uint64, memoName string,
	fail func(*NotifyError) R, check func() *NotifyError, use func(cycles uint64) (R, *NotifyError)) {
	if done, ok := state.store.Get(key); ok {
		if len(done) == 0 {
			m.Reply(fail(&NotifyError{Processing: new(candid.Null)}))
		} else {
			m.ReplyRaw(done)
		}
		return
	}
	if check != nil {
		if err := check(); err != nil {
			m.Reply(fail(err))
			return
		}
	}
	var block *ICPBlock
	if err := callDecode(cdk.Request{Callee: icpLedgerID, Method: "local_transfer"}, &block, blockIndex); err != nil {
		m.Reply(fail(other(1, "fetching the ICP block: "+err.Error())))
		return
	}
	caller := m.Caller()
	want, _ := ledger.AccountIdentifier(cmcID.Bytes(), ledger.PrincipalSubaccount(caller.Bytes()))
	switch {
	case block == nil:
		m.Reply(fail(invalid("block " + itoa(blockIndex) + " is not a transfer of the ICP ledger")))
		return
	case string(block.To) != string(want):
		m.Reply(fail(invalid("the transfer does not go to the CMC account of the caller " + caller.String())))
		return
	case block.Memo != memo:
		m.Reply(fail(invalid("the transfer's memo is not " + memoName)))
		return
	}
	if err := state.store.Put(key, nil); err != nil { // processing: a concurrent notify waits
		cdk.Trap("cmc: stable memory: " + err.Error())
	}
	cycles := block.Amount * state.cmc.rate
	if block.Amount != 0 && cycles/block.Amount != state.cmc.rate {
		cdk.Trap("cmc: the cycles overflow 64 bits")
	}
	res, nerr := use(cycles)
	if nerr != nil {
		if _, err := state.store.Remove(key); err != nil {
			cdk.Trap("cmc: stable memory: " + err.Error())
		}
		m.Reply(fail(nerr))
		return
	}
	reply := mustMarshal(res)
	if err := state.store.Put(key, reply); err != nil {
		cdk.Trap("cmc: stable memory: " + err.Error())
	}
	m.ReplyRaw(reply)
}

// notify_mint_cycles turns an ICP transfer to the CMC (memo MINT, to the subaccount of the
// caller) into cycles on the caller's cycles ledger account: the ICP ledger's block is
// checked, then the cycles (e8s times the rate) are deposited to the cycles ledger.
//
//go:wasmexport update.notify_mint_cycles
func notifyMintCycles() {
	serve(roleCMC, cdk.Update, func(m *cdk.Message) {
		var arg NotifyMintArgs
		m.MustArgs(&arg)
		key := binary.BigEndian.AppendUint64(append([]byte(nil), prefixMinted...), arg.BlockIndex)
		fail := func(e *NotifyError) NotifyMintResult { return NotifyMintResult{Err: e} }
		notify(m, key, arg.BlockIndex, memoMintCycles, "MINT (0x544e494d)", fail, nil, func(cycles uint64) (NotifyMintResult, *NotifyError) {
			var dep DepositResult
			err := callDecode(cdk.Request{Callee: cyclesLedgerID, Method: "deposit", Cycles: ic0.U128From(cycles)}, &dep,
				DepositArgs{To: Account{Owner: m.Caller(), Subaccount: arg.ToSubaccount}, Memo: arg.DepositMemo})
			if err != nil {
				return NotifyMintResult{}, other(2, "depositing to the cycles ledger: "+err.Error())
			}
			var res NotifyMintResult
			res.Ok = &struct {
				Balance    candid.Nat `ic:"balance"`
				BlockIndex candid.Nat `ic:"block_index"`
				Minted     candid.Nat `ic:"minted"`
			}{dep.Balance, dep.BlockIndex, candid.Nat(cycles)}
			return res, nil
		})
	})
}

func itoa(v uint64) string {
	if v == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for v > 0 {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b[i:])
}

// NotifyCreateArg is notify_create_canister's argument.
type NotifyCreateArg struct {
	BlockIndex      uint64                 `ic:"block_index"`
	Controller      principal.Principal    `ic:"controller"`
	SubnetSelection *SubnetSelection       `ic:"subnet_selection"`
	Settings        *ic00.CanisterSettings `ic:"settings"`
}

// NotifyCreateResult is notify_create_canister's result.
type NotifyCreateResult struct {
	Ok  *principal.Principal `ic:"Ok,variant"`
	Err *NotifyError         `ic:"Err,variant"`
}

// notify_create_canister turns an ICP transfer to the CMC (memo CREA, to the subaccount of
// the caller, who must be the controller named) into a canister funded with the cycles the
// ICP buy, on the selected subnet.
//
//go:wasmexport update.notify_create_canister
func notifyCreateCanister() {
	serve(roleCMC, cdk.Update, func(m *cdk.Message) {
		var arg NotifyCreateArg
		m.MustArgs(&arg)
		key := binary.BigEndian.AppendUint64([]byte("c"), arg.BlockIndex)
		fail := func(e *NotifyError) NotifyCreateResult { return NotifyCreateResult{Err: e} }
		check := func() *NotifyError {
			if caller := m.Caller(); arg.Controller != caller {
				return invalid("the controller must be the caller " + caller.String())
			}
			if msg := checkSubnet(arg.SubnetSelection); msg != "" {
				return invalid(msg)
			}
			return nil
		}
		notify(m, key, arg.BlockIndex, memoCreateCanister, "CREA (0x41455243)", fail, check, func(cycles uint64) (NotifyCreateResult, *NotifyError) {
			id, err := createOnSubnet(m, withController(arg.Settings, m.Caller()), ic0.U128From(cycles))
			if err != nil {
				return NotifyCreateResult{}, other(1, "creating the canister: "+err.Error())
			}
			return NotifyCreateResult{Ok: &id}, nil
		})
	})
}

// withController returns settings s (allocated if nil) naming c as the controller unless s
// names controllers.
func withController(s *ic00.CanisterSettings, c principal.Principal) *ic00.CanisterSettings {
	if s == nil {
		s = new(ic00.CanisterSettings)
	}
	if s.Controllers == nil {
		cs := []principal.Principal{c}
		s.Controllers = &cs
	}
	return s
}

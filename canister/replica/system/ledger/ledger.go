// Package ledger is the bookkeeping of the local network's token ledgers (the cycles ledger
// and the ICP ledger, canister/cmd/system_canisters): balances by account key, a block log,
// ICRC-1's fee, deduplication and time-window rules, and the initial grant that funds
// developer identities the way icp-cli's local network does. It is plain Go over a key-value
// store (stable memory in the canister, a map in tests) and knows nothing of the IC.
package ledger

import (
	"crypto/sha256"
	"encoding/binary"
)

// KV is the store the ledger keeps its state in.
type KV interface {
	Get(key []byte) ([]byte, bool)
	Set(key, value []byte)
}

// MapKV is a KV in a Go map (tests, and code that keeps the ledger on the heap).
type MapKV map[string][]byte

// Get implements KV.
func (m MapKV) Get(key []byte) ([]byte, bool) { v, ok := m[string(key)]; return v, ok }

// Set implements KV.
func (m MapKV) Set(key, value []byte) { m[string(key)] = append([]byte(nil), value...) }

// Key prefixes.
const (
	pBalance = 'b' // account -> balance (8 bytes BE)
	pGranted = 'g' // account -> granted marker
	pBlock   = 't' // block index (8 bytes BE) -> Block
	pDedup   = 'd' // request hash -> block index
	pNext    = 'n' // the next block index
	pSupply  = 's' // total supply
)

// Kind is a block's operation.
type Kind byte

// Block operations.
const (
	Mint Kind = iota + 1
	Burn
	Transfer
)

// Block is one entry of the log.
type Block struct {
	Kind      Kind
	From, To  []byte // account keys (From empty for Mint, To empty for Burn)
	Amount    uint64
	Fee       uint64
	Memo      []byte
	Timestamp uint64 // ledger time, nanoseconds
}

// Error is a refused operation, with the fields the ICRC-1 error variants carry.
type Error struct {
	Code        ErrorCode
	Balance     uint64 // InsufficientFunds
	ExpectedFee uint64 // BadFee
	DuplicateOf uint64 // Duplicate
	LedgerTime  uint64 // CreatedInFuture
}

// ErrorCode names the ICRC-1 transfer errors.
type ErrorCode int

// Error codes.
const (
	ErrInsufficientFunds ErrorCode = iota + 1
	ErrBadFee
	ErrDuplicate
	ErrTooOld
	ErrCreatedInFuture
)

func (e *Error) Error() string {
	switch e.Code {
	case ErrInsufficientFunds:
		return "insufficient funds"
	case ErrBadFee:
		return "bad fee"
	case ErrDuplicate:
		return "duplicate transaction"
	case ErrTooOld:
		return "transaction too old"
	case ErrCreatedInFuture:
		return "transaction created in the future"
	}
	return "ledger error"
}

// Time windows of deduplication (ICRC-1: transactions older than the window are refused,
// those too far in the future too).
const (
	TxWindow       = 24 * 60 * 60 * 1_000_000_000 // nanoseconds
	PermittedDrift = 2 * 60 * 1_000_000_000
)

// Ledger is a token ledger over a KV.
type Ledger struct {
	KV  KV
	Fee uint64
	// Grant is the balance an account eligible for funding (see Funded) holds before its first
	// operation, as icp-cli's local network seeds its identities.
	Grant uint64
}

func key(prefix byte, b []byte) []byte { return append([]byte{prefix}, b...) }

func u64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}

func be(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// granted reports whether account has received (or given up) its grant.
func (l *Ledger) granted(account []byte) bool {
	_, ok := l.KV.Get(key(pGranted, account))
	return ok
}

// BalanceOf returns account's balance; funded says whether the account is eligible for the
// grant, which it holds until its first operation records it.
func (l *Ledger) BalanceOf(account []byte, funded bool) uint64 {
	v, _ := l.KV.Get(key(pBalance, account))
	bal := u64(v)
	if funded && l.Grant > 0 && !l.granted(account) {
		bal += l.Grant
	}
	return bal
}

// Fund records the grant of an eligible account (a Mint block) if it has not had it yet.
// Updates call it before touching an account.
func (l *Ledger) Fund(account []byte, now uint64) {
	if l.Grant == 0 || l.granted(account) {
		return
	}
	l.KV.Set(key(pGranted, account), []byte{1})
	l.credit(account, l.Grant)
	l.append(Block{Kind: Mint, To: account, Amount: l.Grant, Timestamp: now})
}

func (l *Ledger) credit(account []byte, amount uint64) {
	v, _ := l.KV.Get(key(pBalance, account))
	l.KV.Set(key(pBalance, account), be(u64(v)+amount))
}

func (l *Ledger) setBalance(account []byte, amount uint64) {
	l.KV.Set(key(pBalance, account), be(amount))
}

// TotalSupply is the sum of all balances.
func (l *Ledger) TotalSupply() uint64 {
	v, _ := l.KV.Get([]byte{pSupply})
	return u64(v)
}

// Blocks is the number of blocks.
func (l *Ledger) Blocks() uint64 {
	v, _ := l.KV.Get([]byte{pNext})
	return u64(v)
}

func (l *Ledger) append(b Block) uint64 {
	idx := l.Blocks()
	l.KV.Set([]byte{pNext}, be(idx+1))
	l.KV.Set(key(pBlock, be(idx)), encodeBlock(b))
	supply := l.TotalSupply()
	switch b.Kind {
	case Mint:
		supply += b.Amount
	case Burn:
		supply -= b.Amount + b.Fee
	case Transfer:
		supply -= b.Fee
	}
	l.KV.Set([]byte{pSupply}, be(supply))
	return idx
}

// Block returns block idx.
func (l *Ledger) Block(idx uint64) (Block, bool) {
	v, ok := l.KV.Get(key(pBlock, be(idx)))
	if !ok {
		return Block{}, false
	}
	return decodeBlock(v)
}

// Request is an operation's deduplication identity: with CreatedAt set, an equal request
// within the window is a duplicate (ICRC-1).
type Request struct {
	Caller    []byte
	CreatedAt *uint64
	Payload   []byte // the operation's encoded argument
}

func (r Request) hash() []byte {
	h := sha256.New()
	h.Write(be(uint64(len(r.Caller))))
	h.Write(r.Caller)
	h.Write(be(*r.CreatedAt))
	h.Write(r.Payload)
	return h.Sum(nil)
}

// check applies the time-window and deduplication rules.
func (l *Ledger) check(r Request, now uint64) *Error {
	if r.CreatedAt == nil {
		return nil
	}
	switch t := *r.CreatedAt; {
	case t+TxWindow+PermittedDrift < now:
		return &Error{Code: ErrTooOld}
	case t > now+PermittedDrift:
		return &Error{Code: ErrCreatedInFuture, LedgerTime: now}
	}
	if v, ok := l.KV.Get(key(pDedup, r.hash())); ok {
		return &Error{Code: ErrDuplicate, DuplicateOf: u64(v)}
	}
	return nil
}

func (l *Ledger) remember(r Request, idx uint64) {
	if r.CreatedAt != nil {
		l.KV.Set(key(pDedup, r.hash()), be(idx))
	}
}

// debit checks request r and takes amount plus the fee from an account.
func (l *Ledger) debit(r Request, from []byte, amount, now uint64) *Error {
	if err := l.check(r, now); err != nil {
		return err
	}
	bal := l.BalanceOf(from, false)
	need := amount + l.Fee
	if need < amount || bal < need {
		return &Error{Code: ErrInsufficientFunds, Balance: bal}
	}
	l.setBalance(from, bal-need)
	return nil
}

// Transfer moves amount from one account to another, charging the fee (which must be the
// ledger's when given).
func (l *Ledger) Transfer(r Request, from, to []byte, amount uint64, fee *uint64, memo []byte, now uint64) (uint64, *Error) {
	if fee != nil && *fee != l.Fee {
		return 0, &Error{Code: ErrBadFee, ExpectedFee: l.Fee}
	}
	if err := l.debit(r, from, amount, now); err != nil {
		return 0, err
	}
	l.credit(to, amount)
	idx := l.append(Block{Kind: Transfer, From: from, To: to, Amount: amount, Fee: l.Fee, Memo: memo, Timestamp: now})
	l.remember(r, idx)
	return idx, nil
}

// Burn removes amount plus the fee from an account (cycles leaving the ledger: withdraw,
// create_canister).
func (l *Ledger) Burn(r Request, from []byte, amount uint64, memo []byte, now uint64) (uint64, *Error) {
	if err := l.debit(r, from, amount, now); err != nil {
		return 0, err
	}
	idx := l.append(Block{Kind: Burn, From: from, Amount: amount, Fee: l.Fee, Memo: memo, Timestamp: now})
	l.remember(r, idx)
	return idx, nil
}

// Mint credits amount to an account (cycles entering the ledger: deposit, refunds).
func (l *Ledger) Mint(to []byte, amount uint64, memo []byte, now uint64) uint64 {
	l.credit(to, amount)
	return l.append(Block{Kind: Mint, To: to, Amount: amount, Memo: memo, Timestamp: now})
}

func appendBytes(b, v []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}

func encodeBlock(b Block) []byte {
	out := []byte{byte(b.Kind)}
	out = appendBytes(out, b.From)
	out = appendBytes(out, b.To)
	out = binary.BigEndian.AppendUint64(out, b.Amount)
	out = binary.BigEndian.AppendUint64(out, b.Fee)
	out = appendBytes(out, b.Memo)
	return binary.BigEndian.AppendUint64(out, b.Timestamp)
}

func decodeBlock(v []byte) (Block, bool) {
	var b Block
	if len(v) < 1 {
		return b, false
	}
	b.Kind, v = Kind(v[0]), v[1:]
	field := func() ([]byte, bool) {
		if len(v) < 4 {
			return nil, false
		}
		n := binary.BigEndian.Uint32(v)
		if uint32(len(v)-4) < n {
			return nil, false
		}
		out := v[4 : 4+n]
		v = v[4+n:]
		return out, true
	}
	num := func() (uint64, bool) {
		if len(v) < 8 {
			return 0, false
		}
		n := binary.BigEndian.Uint64(v)
		v = v[8:]
		return n, true
	}
	var ok [7]bool
	b.From, ok[0] = field()
	b.To, ok[1] = field()
	b.Amount, ok[2] = num()
	b.Fee, ok[3] = num()
	b.Memo, ok[4] = field()
	b.Timestamp, ok[5] = num()
	ok[6] = len(v) == 0
	for _, o := range ok {
		if !o {
			return Block{}, false
		}
	}
	return b, true
}

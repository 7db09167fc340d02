// Package network is the layout of the local network the replica plays, as dfx's and
// PocketIC's local networks have it and as the tools that talk to it expect: a root (NNS)
// subnet hosting the system canisters at their mainnet ids, and an application subnet whose
// canister range user canisters are created in. The replica builds its topology from it;
// deploy tools use it to name an effective canister id on the application subnet.
package network

import (
	"bytes"
	"encoding/binary"

	"github.com/aviate-labs/agent-go/principal"
)

// Canister indexes (the 8-byte prefix of a canister id) of the subnets' ranges.
const (
	// NNSFirstIndex..NNSLastIndex is the mainnet NNS subnet's range (ICP ledger, CMC, ...).
	NNSFirstIndex = 0x0000_0000_0000_0000
	NNSLastIndex  = 0x0000_0000_000F_FFFF
	// FiduciaryFirstIndex..FiduciaryLastIndex is the mainnet range of the cycles ledger's
	// subnet; the local network keeps it on the root subnet.
	FiduciaryFirstIndex = 0x0000_0000_0210_0000
	FiduciaryLastIndex  = 0x0000_0000_021F_FFFF
	// AppFirstIndex..AppLastIndex is the application subnet's range, the one PocketIC gives
	// its first application subnet: the first user canister is bnz7o-iuaaa-aaaaa-qaaaa-cai.
	AppFirstIndex = 0x8000_0000_0010_0000
	AppLastIndex  = 0x8000_0000_001F_FFFF
)

// The system canisters at their mainnet ids.
var (
	ICPLedger    = CanisterID(2)           // ryjl3-tyaaa-aaaaa-aaaba-cai
	CMC          = CanisterID(4)           // rkp4c-7iaaa-aaaaa-aaaca-cai, the cycles minting canister
	CyclesLedger = CanisterID(0x0210_0002) // um5iw-rqaaa-aaaaq-qaaba-cai
)

// CanisterID is the canister id of the index-th canister of the IC's id space: the 8-byte
// big-endian index followed by 0x01 0x01.
func CanisterID(index uint64) principal.Principal {
	raw := make([]byte, 10)
	binary.BigEndian.PutUint64(raw, index)
	raw[8], raw[9] = 1, 1
	return principal.Principal{Raw: raw}
}

// Range is a range of canister ids, both ends included; ids compare as bytes, as in the
// IC's routing table.
type Range struct {
	From, To principal.Principal
}

// Contains reports whether id is in r.
func (r Range) Contains(id principal.Principal) bool {
	return bytes.Compare(r.From.Raw, id.Raw) <= 0 && bytes.Compare(id.Raw, r.To.Raw) <= 0
}

func span(first, last uint64) Range { return Range{From: CanisterID(first), To: CanisterID(last)} }

// RootRanges are the root subnet's canister ranges.
func RootRanges() []Range {
	return []Range{span(NNSFirstIndex, NNSLastIndex), span(FiduciaryFirstIndex, FiduciaryLastIndex)}
}

// AppRanges are the application subnet's canister ranges.
func AppRanges() []Range {
	return []Range{span(AppFirstIndex, AppLastIndex)}
}

// AppEffectiveID is an effective canister id on the application subnet, for calls that may go
// to any subnet (provisional_create_canister_with_cycles): agents verify the answer's
// certificate for it, and only an id in the subnet's range passes.
func AppEffectiveID() principal.Principal { return CanisterID(AppFirstIndex) }

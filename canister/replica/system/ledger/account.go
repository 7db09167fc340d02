package ledger

import (
	"crypto/sha256"
	"encoding/binary"
	"hash/crc32"
)

// SubaccountLen is the length of a subaccount.
const SubaccountLen = 32

// defaultSubaccount is the all-zero subaccount, which a missing subaccount means.
var defaultSubaccount [SubaccountLen]byte

// normSubaccount returns the 32-byte subaccount (the default one for nil); ok is false for
// any other length.
func normSubaccount(sub []byte) ([]byte, bool) {
	if sub == nil {
		return defaultSubaccount[:], true
	}
	return sub, len(sub) == SubaccountLen
}

// AccountKey is the key of an ICRC-1 account (owner, subaccount): the owner's length and
// bytes, then the 32-byte subaccount. ok is false for a subaccount that is not 32 bytes.
func AccountKey(owner, subaccount []byte) ([]byte, bool) {
	sub, ok := normSubaccount(subaccount)
	if !ok {
		return nil, false
	}
	k := append([]byte{byte(len(owner))}, owner...)
	return append(k, sub...), true
}

// AccountIdentifier is the ICP ledger's account identifier of (owner, subaccount): the
// CRC-32 of the hash, then SHA-224("\x0Aaccount-id" · owner · subaccount).
func AccountIdentifier(owner, subaccount []byte) ([]byte, bool) {
	sub, ok := normSubaccount(subaccount)
	if !ok {
		return nil, false
	}
	h := sha256.New224()
	h.Write([]byte("\x0Aaccount-id"))
	h.Write(owner)
	h.Write(sub)
	sum := h.Sum(nil)
	return append(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(sum)), sum...), true
}

// PrincipalSubaccount is the subaccount the CMC derives from a principal (ic-ledger-types'
// Subaccount::from(principal)): its length, its bytes, zeros.
func PrincipalSubaccount(p []byte) []byte {
	sub := make([]byte, SubaccountLen)
	sub[0] = byte(len(p))
	copy(sub[1:], p)
	return sub
}

// Fundable reports whether an account receives the local network's grant: the default
// subaccount of a user principal (self-authenticating, or anonymous) - the identities of
// developer tools, not canisters.
func Fundable(owner, subaccount []byte) bool {
	if len(owner) == 0 {
		return false
	}
	if sub, ok := normSubaccount(subaccount); !ok || string(sub) != string(defaultSubaccount[:]) {
		return false
	}
	class := owner[len(owner)-1]
	return class == 0x02 || (class == 0x04 && len(owner) == 1)
}

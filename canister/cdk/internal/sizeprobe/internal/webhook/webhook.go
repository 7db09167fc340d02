// Package webhook is the Stripe canister's base work for the size probes that measure it
// (cdkjsonhmac, cdkagentcandidjsonhmac): an HMAC-SHA256 signature check and encoding/json.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/json"
	"errors"
)

// Item is the record the probes store: Candid and JSON.
type Item struct {
	Name  string  `ic:"name" json:"name"`
	Count uint64  `ic:"count" json:"count"`
	Note  *string `ic:"note" json:"note,omitempty"`
}

var errBadSignature = errors.New("bad signature")

// Add verifies sig over body, decodes body into a new item appended to items and returns
// all items as JSON.
func Add(items *[]Item, body, sig []byte) (string, error) {
	mac := hmac.New(sha256.New, []byte("whsec_test"))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), sig) {
		return "", errBadSignature
	}
	var it Item
	if err := json.Unmarshal(body, &it); err != nil {
		return "", err
	}
	*items = append(*items, it)
	out, _ := json.Marshal(*items)
	return string(out), nil
}

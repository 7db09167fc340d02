package sandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// expandable names the fields Stripe returns as an id string unless the
// request asks to expand them. stripe-go models them as pointers to full
// structs, so a marshalled stripe-go value carries objects where Stripe sends
// ids; render collapses them back.
var expandable = []string{
	"application", "balance_transaction", "customer", "invoice", "latest_charge",
	"on_behalf_of", "payment_intent", "payment_link", "payment_method", "product",
	"review", "setup_intent", "subscription",
}

// omittedWhenNull lists fields Stripe leaves out instead of sending null
// (its OpenAPI spec marks them neither nullable nor required): expandable-only
// lists, embedded-mode fields, secrets shown once, Connect-only fields.
var omittedWhenNull = []string{
	"account", "amount_details", "branding_settings", "context", "currency_options",
	"excluded_payment_method_types", "hooks", "hosted_confirmation", "line_items",
	"name_collection", "payment_details", "presentment_details", "previous_attributes",
	"radar_options", "redirect", "redirect_on_completion", "return_url", "secret", "taxes",
	"tiers", "transfer",
}

// render encodes a stripe-go value the way Stripe's API writes it: expandable
// fields collapsed to ids (except the top-level fields named in expand) and
// empty strings as null (stripe-go has no omitempty and Stripe sends null for
// unset strings).
func render(v any, expand []string) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep int64 amounts and timestamps exact
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("re-decode %T: %w", v, err)
	}
	tree = normalize(tree, expand, true)
	out, err := json.MarshalIndent(tree, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode %T: %w", v, err)
	}
	return append(out, '\n'), nil
}

func normalize(v any, expand []string, top bool) any {
	switch t := v.(type) {
	case string:
		if t == "" {
			return nil
		}
		return t
	case []any:
		for i := range t {
			t[i] = normalize(t[i], nil, false)
		}
		return t
	case map[string]any:
		for k, child := range t {
			if obj, ok := child.(map[string]any); ok && slices.Contains(expandable, k) &&
				!(top && slices.Contains(expand, k)) {
				if id, ok := obj["id"].(string); ok && id != "" {
					t[k] = id
					continue
				}
				t[k] = nil
				continue
			}
			if k == "metadata" && child == nil {
				// Stripe always sends metadata as an object.
				t[k] = map[string]any{}
				continue
			}
			n := normalize(child, nil, false)
			if n == nil && slices.Contains(omittedWhenNull, k) {
				delete(t, k)
				continue
			}
			t[k] = n
		}
		return t
	default:
		return v
	}
}

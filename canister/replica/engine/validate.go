package engine

import (
	"errors"
	"strings"

	"github.com/gocanister/stripe-ic/canister/wasm/validate"
)

// validate applies Config.Validate, or the IC's module rules as implemented by
// canister/wasm/validate, reporting violations with the replica's section prefixes.
func (e *Engine) validate(raw []byte) error {
	if e.cfg.Validate != nil {
		return e.cfg.Validate(raw)
	}
	var vs []validate.Violation
	for _, v := range validate.Check(raw) {
		// Refuse exactly what the IC refuses at install. It does not analyse what the start
		// function calls (a forbidden System API call traps at run time with the
		// contract-violation error, which the engine reproduces), and it ignores foreign
		// custom sections and leftover non-canister exports.
		if v.Rule.RejectedByIC() {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return nil
	}
	var prefix string
	switch vs[0].Rule {
	case validate.RuleDecode:
		prefix = "Failed to decode wasm module: "
	case validate.RuleImport, validate.RuleImportSignature:
		prefix = "Wasm module has an invalid import section. "
	case validate.RuleExport, validate.RuleExportType, validate.RulePlaceholder:
		prefix = "Wasm module has an invalid export section. "
	case validate.RuleDuplicateMethod:
		prefix = "Wasm module has an invalid export section. "
	case validate.RuleCustomSection:
		prefix = "Wasm module has an invalid custom section. "
	case validate.RuleDataOffset:
		prefix = "Wasm module has an invalid data section. "
	}
	msgs := make([]string, len(vs))
	for i, v := range vs {
		msgs[i] = v.String()
	}
	return errors.New(prefix + strings.Join(msgs, "; "))
}

package e2e

import (
	"testing"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/replica/engine"
)

// paidDuring runs f and returns the cycles canister c lost (balance read before and after) and
// the fees the in-process replica charged it meanwhile, by kind. It checks that the two agree:
// every cycle spent is a fee of the IC's table. The balance reads and the fee counters are not
// taken at the same instants, so a storage charge (every 10 s) may fall on either side.
func paidDuring(t *testing.T, c principal.Principal, balance func() uint64, f func()) (spent uint64, paid engine.Charges) {
	t.Helper()
	before := shared.server.Charges(c)
	b0 := balance()
	f()
	spent = b0 - balance()
	after := shared.server.Charges(c)
	for _, fee := range engine.Fees() {
		paid[fee] = after[fee] - before[fee]
	}
	if spent > paid.Total() || spent+paid[engine.FeeStorage] < paid.Total() {
		t.Errorf("the canister spent %d cycles but paid fees of %d: %v", spent, paid.Total(), feesString(paid))
	}
	return spent, paid
}

// feesString lists the non-zero fees.
func feesString(c engine.Charges) string {
	s := ""
	for _, f := range engine.Fees() {
		if c[f] != 0 {
			if s != "" {
				s += ", "
			}
			s += f.String() + " " + formatCycles(c[f])
		}
	}
	return s
}

func formatCycles(n uint64) string {
	digits := []byte{}
	for i, d := range []byte(uintString(n)) {
		if i > 0 && (len(uintString(n))-i)%3 == 0 {
			digits = append(digits, '_')
		}
		digits = append(digits, d)
	}
	return string(digits)
}

func uintString(n uint64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

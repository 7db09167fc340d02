package sandbox

import (
	"strconv"
	"strings"
)

// zeroDecimal lists the currencies Stripe expresses in whole units
// (https://docs.stripe.com/currencies#zero-decimal).
var zeroDecimal = map[string]bool{
	"bif": true, "clp": true, "djf": true, "gnf": true, "jpy": true, "kmf": true,
	"krw": true, "mga": true, "pyg": true, "rwf": true, "ugx": true, "vnd": true,
	"vuv": true, "xaf": true, "xof": true, "xpf": true,
}

// threeDecimal lists the currencies Stripe expresses in thousandths.
var threeDecimal = map[string]bool{"bhd": true, "jod": true, "kwd": true, "omr": true, "tnd": true}

var currencySymbols = map[string]string{
	"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "krw": "₩", "inr": "₹", "chf": "CHF ",
	"cad": "CA$", "aud": "A$", "cny": "CN¥",
}

// decimals returns how many minor-unit digits a currency has at Stripe.
func decimals(currency string) int {
	c := strings.ToLower(currency)
	switch {
	case zeroDecimal[c]:
		return 0
	case threeDecimal[c]:
		return 3
	default:
		return 2
	}
}

// formatAmount renders an amount in minor units for display, e.g. 1234 usd ->
// "$12.34" and 1234 jpy -> "¥1,234".
func formatAmount(amount int64, currency string) string {
	c := strings.ToLower(currency)
	neg := amount < 0
	if neg {
		amount = -amount
	}
	d := decimals(c)
	unit := int64(1)
	for range d {
		unit *= 10
	}
	whole := groupThousands(strconv.FormatInt(amount/unit, 10))
	if d > 0 {
		frac := strconv.FormatInt(amount%unit, 10)
		whole += "." + strings.Repeat("0", d-len(frac)) + frac
	}
	sym, ok := currencySymbols[c]
	if !ok {
		sym = strings.ToUpper(c) + " "
	}
	if neg {
		return "-" + sym + whole
	}
	return sym + whole
}

func groupThousands(digits string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	lead := len(digits) % 3
	if lead > 0 {
		b.WriteString(digits[:lead])
	}
	for i := lead; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

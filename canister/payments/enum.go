package payments

import (
	"errors"
	"strconv"
	"strings"

	"github.com/gocanister/stripe-ic/canister/internal/errfmt"
)

// Status and EventKind are small enums named by tables indexed by value (an empty name
// is no value). These helpers give both the same String, parsing and list parsing.

// enumName is v's name, or kind(v) for a value with none.
func enumName[T ~uint8](names []string, v T, kind string) string {
	if int(v) < len(names) && names[v] != "" {
		return names[v]
	}
	return kind + "(" + errfmt.Int(uint8(v)) + ")"
}

// parseEnum finds the value named name; prefix, when not empty, may be left off the name.
func parseEnum[T ~uint8](names []string, name, prefix, what string) (T, error) {
	for i, n := range names {
		if n != "" && (n == name || prefix != "" && n == prefix+name) {
			return T(i), nil
		}
	}
	return 0, errors.New("unknown " + what + " " + strconv.Quote(clip(name)))
}

// parseEach parses a list of names (a filter), each trimmed of spaces.
func parseEach[T any](names []string, parse func(string) (T, error)) ([]T, error) {
	var out []T
	for _, n := range names {
		v, err := parse(strings.TrimSpace(n))
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

package principal_test

import (
	"bytes"
	"errors"
	"testing"

	agent "github.com/aviate-labs/agent-go/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

func TestStringParse(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		text string
	}{
		{"management", nil, "aaaaa-aa"},
		{"anonymous", []byte{4}, "2vxsx-fae"},
		{"ledger", []byte{0, 0, 0, 0, 0, 0, 0, 2, 1, 1}, "ryjl3-tyaaa-aaaaa-aaaba-cai"},
		{"self-authenticating", bytes.Repeat([]byte{0xab}, 28), ""},
		{"max", bytes.Repeat([]byte{0x7f}, 29), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := principal.FromBytes(tt.raw)
			want := tt.text
			if want == "" {
				want = agent.Principal{Raw: tt.raw}.String()
			}
			if got := p.String(); got != want {
				t.Fatalf("String() = %q, want %q", got, want)
			}
			q, err := principal.Parse(want)
			if err != nil {
				t.Fatalf("Parse(%q): %v", want, err)
			}
			if q != p || !bytes.Equal(q.Bytes(), tt.raw) && len(tt.raw) > 0 {
				t.Fatalf("Parse(%q) = %x, want %x", want, q.Bytes(), tt.raw)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		text string
		want error
	}{
		{"", principal.ErrFormat},
		{"aaaaa-a", principal.ErrFormat},
		{"AAAAA-AA", principal.ErrFormat},
		{"aaaa-aaa", principal.ErrFormat},
		{"aaaaa-ab", principal.ErrFormat},
		{"3vxsx-fae", principal.ErrChecksum},
		{"2vxsx-fae-", principal.ErrFormat},
		{"2vxsx-faf", principal.ErrChecksum},
		{"ryjl3-tyaaa-aaaaa-aaaba-cai0", principal.ErrFormat},
	}
	for _, tt := range tests {
		if _, err := principal.Parse(tt.text); !errors.Is(err, tt.want) {
			t.Errorf("Parse(%q) error = %v, want %v", tt.text, err, tt.want)
		}
	}
}

func TestAnonymousAndZero(t *testing.T) {
	if !principal.Anonymous.IsAnonymous() || principal.ManagementCanister.IsAnonymous() {
		t.Fatal("IsAnonymous wrong")
	}
	if principal.ManagementCanister != (principal.Principal{}) {
		t.Fatal("management canister is not the zero value")
	}
	m := map[principal.Principal]int{principal.Anonymous: 1}
	if m[principal.FromBytes([]byte{4})] != 1 {
		t.Fatal("principal not usable as map key")
	}
}

func TestTextMarshal(t *testing.T) {
	var p principal.Principal
	if err := p.UnmarshalText([]byte("ryjl3-tyaaa-aaaaa-aaaba-cai")); err != nil {
		t.Fatal(err)
	}
	b, _ := p.MarshalText()
	if string(b) != "ryjl3-tyaaa-aaaaa-aaaba-cai" {
		t.Fatalf("MarshalText = %s", b)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("aaaaa-aa")
	f.Add("ryjl3-tyaaa-aaaaa-aaaba-cai")
	f.Fuzz(func(t *testing.T, s string) {
		p, err := principal.Parse(s)
		if err != nil {
			return
		}
		if p.String() != s {
			t.Fatalf("Parse(%q).String() = %q", s, p.String())
		}
	})
}

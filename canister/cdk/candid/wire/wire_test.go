package wire_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/aviate-labs/agent-go/candid/idl"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	"github.com/gocanister/stripe-ic/canister/cdk/candid/opcode"
	"github.com/gocanister/stripe-ic/canister/cdk/candid/wire"
	"github.com/gocanister/stripe-ic/canister/cdk/principal"
)

// The field hash agrees with agent-go's on ASCII names, and with the conformance suite on a
// non-ASCII one (construct.test.did's record { ☃ : null } has field id 11272781; agent-go
// hashes code points instead of UTF-8 bytes there).
func TestHash(t *testing.T) {
	for _, name := range []string{"", "a", "canister_id", "streaming_strategy", "Callback", "4294967295x"} {
		if got, want := wire.Hash(name), uint32(idl.Hash(name).Uint64()); got != want {
			t.Errorf("Hash(%q) = %d, agent-go %d", name, got, want)
		}
	}
	if got := wire.Hash("☃"); got != 11272781 {
		t.Errorf("Hash(☃) = %d, want 11272781", got)
	}
}

type token struct {
	Key   string     `ic:"key"`
	Index candid.Nat `ic:"index"`
}

type envelope struct {
	Before []byte              `ic:"before"`
	Owner  principal.Principal `ic:"owner"`
	Token  token               `ic:"token"`
	Tail   *string             `ic:"tail"`
}

// SeekField, Raw and Message hand a value on with its type: the result decodes to the value.
func TestSeekRawMessage(t *testing.T) {
	owner := principal.FromBytes([]byte{1, 2, 3})
	tail := "t"
	msg, err := candid.Marshal(envelope{Before: []byte("xyz"), Owner: owner, Token: token{Key: "k", Index: 7}, Tail: &tail})
	if err != nil {
		t.Fatal(err)
	}
	r, err := wire.NewReader(msg)
	if err != nil {
		t.Fatal(err)
	}
	start := r.Pos
	ref, found, err := r.SeekField(r.Args[0], "owner")
	if err != nil || !found || r.Kind(ref) != opcode.Principal {
		t.Fatalf("owner: %d %v %v", ref, found, err)
	}
	p, err := r.Principal()
	if err != nil || p != owner {
		t.Fatalf("owner = %v, %v", p, err)
	}
	r.Pos = start
	ref, found, err = r.SeekField(r.Args[0], "token")
	if err != nil || !found {
		t.Fatalf("token: %v %v", found, err)
	}
	raw, err := r.Raw(ref)
	if err != nil {
		t.Fatal(err)
	}
	var got token
	if err := candid.Unmarshal(r.Message(ref, raw), &got); err != nil || got != (token{Key: "k", Index: 7}) {
		t.Fatalf("token message decodes to %+v, %v", got, err)
	}
	r.Pos = start
	if _, found, err := r.SeekField(r.Args[0], "absent"); found || err != nil || r.Pos != start {
		t.Fatalf("absent field: found %v, err %v, moved %d", found, err, r.Pos-start)
	}
	if _, found, _ := r.SeekField(opcode.Text, "owner"); found {
		t.Fatal("a field of a text value")
	}
}

// Hostile messages are refused with the reader's errors, quickly.
func TestReaderLimits(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want error
	}{
		{"no magic", "DIDX\x00\x00", wire.ErrMagic},
		{"huge table", "DIDL\xff\xff\xff\xff\x0f", wire.ErrTypeTable},
		{"bad reference", "DIDL\x01\x6e\x05\x01\x00", wire.ErrTypeTable},
		{"infinite record", "DIDL\x01\x6c\x01\x00\x00\x01\x00", wire.ErrTooDeep},
		{"huge vec of null", "DIDL\x01\x6d\x7f\x01\x00\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", wire.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := wire.NewReader([]byte(tt.msg))
			if err == nil {
				err = r.Skip(r.Args[0])
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

// FuzzSkip reads the header and skips every value of arbitrary input: no panic, no runaway,
// and whatever is skipped without error is exactly what the CDK's decoder accepts as a
// sequence of reserved values, and cut out by Raw, re-reads as a message of its own.
func FuzzSkip(f *testing.F) {
	for _, s := range []string{
		"DIDL\x00\x00",
		"DIDL\x00\x01\x7f",
		"DIDL\x01\x6e\x7c\x01\x00\x01\x2a",
		"DIDL\x01\x6d\x7b\x01\x00\x02\x01\x02",
		"DIDL\x01\x6c\x02\x00\x7c\x01\x7e\x01\x00\x2a\x01",
		"DIDL\x01\x6b\x02\x00\x7f\x01\x7c\x01\x00\x01\x2a",
		"DIDL\x02\x6e\x01\x6c\x02\xa0\xd2\xac\xa8\x04\x7c\x90\xed\xda\xe7\x04\x00\x01\x00\x01\x01\x01\x02\x00",
		"DIDL\x01\x69\x02\x01\x61\x01\x01\x62\x01\x6a\x00\x00\x00\x01\x00\x01\x0a\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01",
		"DIDL\x01\x6a\x01\x71\x01\x7e\x01\x01\x01\x00\x01\x01\x01\x03abc",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := wire.NewReader(data)
		if err != nil {
			return
		}
		var values [][]byte
		for _, ref := range r.Args {
			raw, err := r.Raw(ref)
			if err != nil {
				return
			}
			values = append(values, raw)
		}
		if r.Pos != len(data) {
			return
		}
		reserved := make([]any, len(r.Args))
		for i := range reserved {
			reserved[i] = new(candid.Reserved)
		}
		if err := candid.Unmarshal(data, reserved...); err != nil {
			t.Fatalf("wire skips %x, the decoder refuses it: %v", data, err)
		}
		for i, ref := range r.Args {
			one, err := wire.NewReader(r.Message(ref, values[i]))
			if err != nil {
				t.Fatalf("value %d as a message: %v", i, err)
			}
			again, err := one.Raw(one.Args[0])
			if err != nil || !bytes.Equal(again, values[i]) || one.Pos != len(one.Data) {
				t.Fatalf("value %d re-read as %x (%v), want %x", i, again, err, values[i])
			}
		}
	})
}

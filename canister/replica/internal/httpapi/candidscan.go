package httpapi

import (
	"github.com/gocanister/stripe-ic/canister/cdk/candid/opcode"
	"github.com/gocanister/stripe-ic/canister/cdk/candid/wire"
)

// candidRecordPrincipal returns the principal in field name of the first argument, which must
// be a record; found is false when there is no such field of type principal. The wire reader
// checks every length against the input and bounds its work, so hostile arguments cannot make
// it allocate or loop without limit; only the fields before the principal are read.
func candidRecordPrincipal(arg []byte, name string) (p []byte, found bool, err error) {
	r, err := wire.NewReader(arg)
	if err != nil || len(r.Args) == 0 {
		return nil, false, err
	}
	ref, found, err := r.SeekField(r.Args[0], name)
	if err != nil || !found || r.Kind(ref) != opcode.Principal {
		return nil, false, err
	}
	id, err := r.Principal()
	if err != nil {
		return nil, false, err
	}
	return id.Bytes(), true, nil
}

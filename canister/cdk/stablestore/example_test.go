package stablestore_test

import (
	"bytes"
	"fmt"

	"github.com/gocanister/stripe-ic/canister/cdk/stablestore"
)

func Example() {
	// A canister passes cdk.Stable() (in init and again in post_upgrade); tests use a Buffer.
	mem := stablestore.NewBuffer(0)
	st, err := stablestore.Open(mem, 0)
	if err != nil {
		panic(err)
	}
	st.Set([]byte("r/cs_test_b"), []byte("second"))
	st.Set([]byte("r/cs_test_a"), []byte("first"))
	st.Set([]byte("z/other"), []byte("elsewhere"))

	// After an upgrade: Open reads the header only, the entries are where they were.
	st, err = stablestore.Open(mem, 0)
	if err != nil {
		panic(err)
	}
	// A prefix scan: start at the prefix, stop at the first key without it.
	st.Ascend([]byte("r/"), func(k, v []byte) bool {
		if !bytes.HasPrefix(k, []byte("r/")) {
			return false
		}
		fmt.Printf("%s = %s\n", k, v)
		return true
	})
	fmt.Println(st.Len(), "entries")
	// Output:
	// r/cs_test_a = first
	// r/cs_test_b = second
	// 3 entries
}

package httpgateway

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
)

// EncodeResponse writes exactly what the reflection-based encoder writes, for responses
// of every shape (sizes that need multi-byte LEB128 lengths included).
func TestEncodeResponseMatchesCandid(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	yes, no := true, false
	for i := range 300 {
		resp := Response{StatusCode: uint16(r.IntN(1000)), Headers: []HeaderField{}, Body: make([]byte, r.IntN(400))}
		if i%7 == 0 {
			resp.Body = make([]byte, 20000)
		}
		for range r.IntN(5) {
			resp.Headers = append(resp.Headers, HeaderField{strings.Repeat("n", r.IntN(200)), strings.Repeat("v", r.IntN(3000))})
		}
		switch i % 3 {
		case 1:
			resp.Upgrade = &yes
		case 2:
			resp.Upgrade = &no
		}
		want, err := candid.Marshal(resp)
		if err != nil {
			t.Fatal(err)
		}
		if got := EncodeResponse(&resp); !bytes.Equal(got, want) {
			t.Fatalf("response %d: EncodeResponse differs from candid.Marshal\n got %x\nwant %x", i, got[:min(80, len(got))], want[:min(80, len(want))])
		}
	}
}

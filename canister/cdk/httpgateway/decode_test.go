package httpgateway

import (
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
)

// DecodeRequest agrees with the general decoder on what the gateway sends (an
// HttpRequest with or without certificate_version, an HttpUpdateRequest), and on corrupted
// encodings it either agrees or declines (the caller then uses the general decoder).
func TestDecodeRequestMatchesCandid(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	v2 := uint16(2)
	var encodings [][]byte
	for i := range 200 {
		req := Request{Method: []string{"GET", "POST", "HEAD"}[i%3], URL: "/checkout/cs_test_" + string(rune('a'+i%26)), Headers: []HeaderField{}, Body: make([]byte, r.IntN(300))}
		for range r.IntN(6) {
			req.Headers = append(req.Headers, HeaderField{"h" + string(rune('a'+r.IntN(26))), string(make([]byte, r.IntN(200)))})
		}
		var b []byte
		var err error
		switch i % 3 {
		case 0:
			req.CertificateVersion = &v2
			b, err = candid.Marshal(req)
		case 1:
			b, err = candid.Marshal(req)
		default:
			b, err = candid.Marshal(UpdateRequest{Method: req.Method, URL: req.URL, Headers: req.Headers, Body: req.Body})
		}
		if err != nil {
			t.Fatal(err)
		}
		got, ok := DecodeRequest(b)
		if !ok {
			t.Fatalf("request %d: declined %x", i, b[:min(len(b), 60)])
		}
		var want Request
		if err := candid.Unmarshal(b, &want); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("request %d: %+v, want %+v", i, got, want)
		}
		encodings = append(encodings, b)
	}
	// Corruptions: whatever DecodeRequest accepts, the general decoder decodes the same.
	accepted := 0
	for i := range 20000 {
		b := append([]byte(nil), encodings[i%len(encodings)]...)
		for range 1 + r.IntN(3) {
			b[r.IntN(len(b))] = byte(r.Uint32())
		}
		if r.IntN(4) == 0 {
			b = b[:r.IntN(len(b))]
		}
		got, ok := DecodeRequest(b)
		if !ok {
			continue
		}
		accepted++
		var want Request
		if err := candid.Unmarshal(b, &want); err != nil {
			t.Fatalf("corruption %d: accepted what the general decoder refuses (%v): %x", i, err, b)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("corruption %d: %+v, general decoder %+v", i, got, want)
		}
	}
	t.Logf("%d corrupted encodings accepted, all as the general decoder reads them", accepted)
}

package httpgateway

import "github.com/gocanister/stripe-ic/canister/cdk/leb128"

// responseTypes is the Candid header of a Response as package candid encodes it: "DIDL",
// the type table (vec nat8; record { text; text }; vec of it; opt bool; the response
// record with body, headers, upgrade and status_code in field-id order) and one argument
// of the record type.
const responseTypes = "DIDL\x05" +
	"\x6d\x7b" +
	"\x6c\x02\x00\x71\x01\x71" +
	"\x6d\x01" +
	"\x6e\x7e" +
	"\x6c\x04\xa2\xf5\xed\x88\x04\x00\xc6\xa4\xa1\x98\x06\x02\x9c\xe9\xc6\x99\x06\x03\x9a\xa1\xb2\xf9\x0c\x7a" +
	"\x01\x04"

// EncodeResponse returns the Candid reply of http_request (and http_request_update) for
// r, byte for byte what candid.Marshal(r) gives, without reflection: an answer with a
// certificate header of kilobytes costs a few thousand instructions instead of hundreds of
// thousands. Reply with it through Message.ReplyRaw.
func EncodeResponse(r *Response) []byte {
	n := len(responseTypes) + 16 + len(r.Body)
	for _, h := range r.Headers {
		n += 10 + len(h.Name) + len(h.Value)
	}
	b := make([]byte, 0, n)
	b = append(b, responseTypes...)
	b = leb128.AppendUnsigned(b, uint64(len(r.Body)))
	b = append(b, r.Body...)
	b = leb128.AppendUnsigned(b, uint64(len(r.Headers)))
	for _, h := range r.Headers {
		b = leb128.AppendUnsigned(b, uint64(len(h.Name)))
		b = append(b, h.Name...)
		b = leb128.AppendUnsigned(b, uint64(len(h.Value)))
		b = append(b, h.Value...)
	}
	switch {
	case r.Upgrade == nil:
		b = append(b, 0)
	case *r.Upgrade:
		b = append(b, 1, 1)
	default:
		b = append(b, 1, 0)
	}
	return append(b, byte(r.StatusCode), byte(r.StatusCode>>8))
}

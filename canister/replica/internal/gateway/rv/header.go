package rv

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/fxamacker/cbor/v2"
)

// CertificateHeader holds the fields of an IC-Certificate header, still
// encoded (CBOR) as carried in the header.
type CertificateHeader struct {
	Certificate []byte // CBOR certificate
	Tree        []byte // CBOR hash tree
	// Version is the response verification version; 0 when the header has
	// no version field (which means version 1).
	Version  int
	ExprPath []byte // CBOR array of text; v2 only
}

// ParseCertificateHeader parses an IC-Certificate header value, a structured
// header dictionary (RFC 8941) such as
//
//	certificate=:<base64>:, tree=:<base64>:, version=2, expr_path=:<base64>:
//
// Unknown keys are ignored; a repeated key's last value wins.
func ParseCertificateHeader(value string) (CertificateHeader, error) {
	var h CertificateHeader
	if strings.TrimSpace(value) == "" {
		return h, errors.New("empty IC-Certificate header")
	}
	for member := range strings.SplitSeq(value, ",") {
		member = strings.Trim(member, " \t")
		key, val, ok := strings.Cut(member, "=")
		if !ok {
			return CertificateHeader{}, fmt.Errorf("IC-Certificate member %q has no value", truncate(member))
		}
		switch key {
		case "certificate", "tree", "expr_path":
			b, err := byteSequence(val)
			if err != nil {
				return CertificateHeader{}, fmt.Errorf("IC-Certificate %s: %w", key, err)
			}
			switch key {
			case "certificate":
				h.Certificate = b
			case "tree":
				h.Tree = b
			default:
				h.ExprPath = b
			}
		case "version":
			v, err := strconv.Atoi(val)
			if err != nil || v < 0 || len(val) > 15 {
				return CertificateHeader{}, fmt.Errorf("IC-Certificate version %q is not a non-negative integer", truncate(val))
			}
			h.Version = v
		default:
			// RFC 8941 dictionaries are extensible; unknown members are ignored.
		}
	}
	if h.Certificate == nil {
		return CertificateHeader{}, errors.New("IC-Certificate header has no certificate")
	}
	if h.Tree == nil {
		return CertificateHeader{}, errors.New("IC-Certificate header has no tree")
	}
	return h, nil
}

// byteSequence decodes an RFC 8941 byte sequence, :<base64>:.
func byteSequence(v string) ([]byte, error) {
	if len(v) < 2 || v[0] != ':' || v[len(v)-1] != ':' {
		return nil, errors.New("not a :base64: byte sequence")
	}
	b, err := base64.StdEncoding.DecodeString(v[1 : len(v)-1])
	if err != nil {
		return nil, fmt.Errorf("invalid base64: %w", err)
	}
	return b, nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// selfDescribeTag is the CBOR tag 55799 the IC may put in front of expr_path.
var selfDescribeTag = []byte{0xd9, 0xd9, 0xf7}

// DecodeExprPath decodes the CBOR expr_path field into its segments.
func DecodeExprPath(b []byte) ([]string, error) {
	var path []string
	if err := cbor.Unmarshal(bytes.TrimPrefix(b, selfDescribeTag), &path); err != nil {
		return nil, fmt.Errorf("decode expr_path: %w", err)
	}
	return path, nil
}

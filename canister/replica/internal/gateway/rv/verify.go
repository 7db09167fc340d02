// Package rv implements response verification (versions 1 and 2) of the IC
// HTTP Gateway Protocol: parsing the IC-Certificate and
// IC-CertificateExpression headers, checking the certificate against the
// root key, the canister's certified data against the supplied tree, the
// expression path and the request/response hashes.
//
// It follows the reference implementation (dfinity/response-verification)
// step by step so that a response this package accepts is one the production
// HTTP gateways accept, and the other way round.
package rv

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
)

// DefaultMaxCertTimeOffset is how far the certificate time may be from now,
// in either direction (the reference gateway's 5 minutes).
const DefaultMaxCertTimeOffset = 5 * time.Minute

// maxDecodedBody bounds gzip/deflate expansion during v1 verification.
const maxDecodedBody = 64 << 20

var errInvalidPath = errors.New("request URL path is not valid percent-encoded UTF-8")

// Params are the inputs of a verification besides the request/response pair.
type Params struct {
	CanisterID principal.Principal
	RootKey    []byte // DER-encoded BLS root public key
	Now        time.Time
	// MaxCertTimeOffset defaults to DefaultMaxCertTimeOffset.
	MaxCertTimeOffset time.Duration
}

// Result describes a successful verification.
type Result struct {
	Version int // 1 or 2
	// Skip is set when the canister certifiably skipped certification (v2).
	Skip bool
	// CertifiedHeaders are, for a v2 certification that is not skipped, the
	// response headers covered by it (lower-cased names). Gateways return
	// only these.
	CertifiedHeaders []Header
}

// Verify checks a response to req received from the canister in p.
func Verify(req Request, resp Response, p Params) (Result, error) {
	if p.MaxCertTimeOffset == 0 {
		p.MaxCertTimeOffset = DefaultMaxCertTimeOffset
	}
	certValue, ok := headerValue(resp.Headers, certificateHeader)
	if !ok {
		return Result{}, errors.New("response has no IC-Certificate header")
	}
	ch, err := ParseCertificateHeader(certValue)
	if err != nil {
		return Result{}, err
	}
	tree, err := hashtree.Decode(ch.Tree)
	if err != nil {
		return Result{}, fmt.Errorf("IC-Certificate tree: %w", err)
	}
	cert, err := certify.ParseCertificate(ch.Certificate)
	if err != nil {
		return Result{}, err
	}
	switch ch.Version {
	case 0, 1:
		return verifyV1(req, resp, p, cert, tree)
	case 2:
		return verifyV2(req, resp, p, cert, tree, ch)
	default:
		return Result{}, fmt.Errorf("unsupported response verification version %d (supported: 1, 2)", ch.Version)
	}
}

// verifyCertificate checks time, signature (and delegation) and that the
// canister's certified data is the root hash of tree.
func verifyCertificate(p Params, cert *certify.Certificate, tree hashtree.Node) error {
	certTime, err := cert.Time()
	if err != nil {
		return err
	}
	switch {
	case certTime.After(p.Now.Add(p.MaxCertTimeOffset)):
		return fmt.Errorf("certificate time %s is too far in the future (now %s)", certTime.UTC().Format(time.RFC3339), p.Now.UTC().Format(time.RFC3339))
	case certTime.Before(p.Now.Add(-p.MaxCertTimeOffset)):
		return fmt.Errorf("certificate time %s is too far in the past (now %s)", certTime.UTC().Format(time.RFC3339), p.Now.UTC().Format(time.RFC3339))
	}
	if err := cert.Verify(p.RootKey, p.CanisterID.Raw); err != nil {
		return fmt.Errorf("certificate verification failed: %w", err)
	}
	certified, res := hashtree.Lookup(cert.Tree, []byte("canister"), p.CanisterID.Raw, []byte("certified_data"))
	if res != hashtree.Found {
		return fmt.Errorf("certificate does not reveal the canister's certified data (%s)", res)
	}
	digest := tree.Digest()
	if !bytes.Equal(certified, digest[:]) {
		return fmt.Errorf("certified data %x does not match the tree's root hash %x", certified, digest)
	}
	return nil
}

func verifyV2(req Request, resp Response, p Params, cert *certify.Certificate, tree hashtree.Node, ch CertificateHeader) (Result, error) {
	exprValue, ok := headerValue(resp.Headers, certificateExpressionHeader)
	if !ok {
		return Result{}, errors.New("response has no IC-CertificateExpression header")
	}
	if ch.ExprPath == nil {
		return Result{}, errors.New("IC-Certificate header has no expr_path")
	}
	exprPath, err := DecodeExprPath(ch.ExprPath)
	if err != nil {
		return Result{}, err
	}
	certSpec, err := ParseExpression(exprValue)
	if err != nil {
		return Result{}, err
	}
	exprHash := sha256.Sum256([]byte(exprValue))
	reqPath, err := urlPath(req.URL)
	if err != nil {
		return Result{}, err
	}
	if err := verifyCertificate(p, cert, tree); err != nil {
		return Result{}, err
	}
	if err := validateExprPath(exprPath, reqPath, tree); err != nil {
		return Result{}, err
	}
	exprTree, res := hashtree.LookupSubtree(tree, append(labels(exprPath), exprHash[:])...)
	if res != hashtree.Found {
		return Result{}, fmt.Errorf("expression hash %x is not in the tree under expr_path %q (%s)", exprHash, exprPath, res)
	}
	if certSpec.Skip {
		return Result{Version: 2, Skip: true}, nil
	}
	reqLabel := []byte{}
	if certSpec.Request != nil {
		h := RequestHash(req, *certSpec.Request)
		reqLabel = h[:]
	}
	respHash := ResponseHash(resp, certSpec.Response)
	leaf, res := hashtree.LookupSubtree(exprTree, reqLabel, respHash[:])
	if res != hashtree.Found {
		return Result{}, fmt.Errorf("request hash %x / response hash %x are not certified (%s)", reqLabel, respHash, res)
	}
	if l, ok := leaf.(hashtree.Leaf); !ok || len(l) != 0 {
		return Result{}, errors.New("certified response hash is not an empty leaf")
	}
	return Result{
		Version:          2,
		CertifiedHeaders: FilterResponseHeaders(resp.Headers, certSpec.Response),
	}, nil
}

func verifyV1(req Request, resp Response, p Params, cert *certify.Certificate, tree hashtree.Node) (Result, error) {
	if err := verifyCertificate(p, cert, tree); err != nil {
		return Result{}, err
	}
	reqPath, err := urlPath(req.URL)
	if err != nil {
		return Result{}, err
	}
	want, res := hashtree.Lookup(tree, []byte("http_assets"), []byte(reqPath))
	if res != hashtree.Found {
		want, res = hashtree.Lookup(tree, []byte("http_assets"), []byte("/index.html"))
		if res != hashtree.Found {
			return Result{}, fmt.Errorf("no http_assets entry for %q or /index.html", reqPath)
		}
	}
	encoding, _ := headerValue(resp.Headers, "content-encoding")
	decoded, err := decodeBody(resp.Body, encoding)
	if err != nil {
		return Result{}, err
	}
	got := sha256.Sum256(decoded)
	if bytes.Equal(got[:], want) {
		return Result{Version: 1}, nil
	}
	if encoding != "" {
		raw := sha256.Sum256(resp.Body)
		if bytes.Equal(raw[:], want) {
			return Result{Version: 1}, nil
		}
	}
	return Result{}, fmt.Errorf("body hash %x does not match the certified asset hash %x", got, want)
}

// decodeBody undoes gzip or deflate content encoding for v1 verification.
func decodeBody(body []byte, encoding string) ([]byte, error) {
	var r io.Reader
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("decode gzip body: %w", err)
		}
		r = zr
	case "deflate":
		r = flate.NewReader(bytes.NewReader(body))
	default:
		return body, nil
	}
	out, err := io.ReadAll(io.LimitReader(r, maxDecodedBody+1))
	if err != nil {
		return nil, fmt.Errorf("decode %s body: %w", encoding, err)
	}
	if len(out) > maxDecodedBody {
		return nil, fmt.Errorf("decoded body exceeds %d bytes", maxDecodedBody)
	}
	return out, nil
}

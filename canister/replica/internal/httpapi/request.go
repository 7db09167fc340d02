package httpapi

import (
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
	"github.com/gocanister/stripe-ic/canister/cdk/reprhash"
)

// Request types of the content map.
const (
	RequestTypeCall      = "call"
	RequestTypeQuery     = "query"
	RequestTypeReadState = "read_state"
)

// Limits of the specification and of the replica.
const (
	maxNonceLen       = 32
	maxPaths          = 1000
	maxPathLabels     = 127
	maxDelegations    = 20
	maxDelegationTgts = 1000
)

// RequestID is the representation-independent hash of a request's content map.
type RequestID [32]byte

func (id RequestID) String() string { return fmt.Sprintf("0x%x", id[:]) }

// Content is the typed view of an envelope's content map. Fields the request type does not
// use are zero.
type Content struct {
	RequestType   string
	Sender        []byte
	Nonce         []byte
	IngressExpiry uint64 // nanoseconds since 1970-01-01
	CanisterID    []byte // nil when absent; empty for the management canister
	MethodName    string
	Arg           []byte
	Paths         [][][]byte
}

// Delegation is one element of sender_delegation.
type Delegation struct {
	PubKey      []byte
	Expiration  uint64
	Targets     [][]byte // nil: no restriction
	Permissions string   // "" when absent
	Signature   []byte
	hash        [32]byte // hash_of_map of the delegation map, the signed payload
}

// Envelope is a decoded request body: the content, its request id and the authentication
// fields. Absent optional fields are nil.
type Envelope struct {
	Content          Content
	RequestID        RequestID
	Size             int // bytes of the encoded envelope, what the IC charges reception for
	SenderPubKey     []byte
	SenderSig        []byte
	SenderDelegation []Delegation
}

// decMode decodes request bodies: duplicate map keys are refused (the specification forbids
// them) and maps must have text keys.
var decMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		DupMapKey:       cbor.DupMapKeyEnforcedAPF,
		DefaultMapType:  reflect.TypeOf(map[string]any(nil)),
		MaxNestedLevels: 16,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return dm
}()

// ParseEnvelope decodes a CBOR request envelope and computes the request id of its content.
// It checks the shape and types of the fields; it does not authenticate the request.
func ParseEnvelope(body []byte) (*Envelope, error) {
	var v any
	if err := decMode.Unmarshal(body, &v); err != nil {
		return nil, fmt.Errorf("invalid CBOR: %w", err)
	}
	if t, ok := v.(cbor.Tag); ok && t.Number == 55799 {
		v = t.Content
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("envelope is %s, not a map", cborKind(v))
	}
	rawContent, ok := m["content"]
	if !ok {
		return nil, errors.New("envelope has no content")
	}
	content, ok := rawContent.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("content is %s, not a map", cborKind(rawContent))
	}
	normalizePaths(content)
	id, err := hashOfMap(content)
	if err != nil {
		return nil, fmt.Errorf("content: %w", err)
	}
	env := &Envelope{RequestID: id, Size: len(body)}
	if env.Content, err = parseContent(content); err != nil {
		return nil, fmt.Errorf("content: %w", err)
	}
	if env.SenderPubKey, err = optBytes(m, "sender_pubkey"); err != nil {
		return nil, err
	}
	if env.SenderSig, err = optBytes(m, "sender_sig"); err != nil {
		return nil, err
	}
	if d, ok := m["sender_delegation"]; ok {
		if env.SenderDelegation, err = parseDelegations(d); err != nil {
			return nil, fmt.Errorf("sender_delegation: %w", err)
		}
	}
	return env, nil
}

func parseContent(m map[string]any) (Content, error) {
	var c Content
	var err error
	if c.RequestType, err = reqText(m, "request_type"); err != nil {
		return c, err
	}
	if c.Sender, err = reqBytes(m, "sender"); err != nil {
		return c, err
	}
	if len(c.Sender) > 29 {
		return c, fmt.Errorf("sender is %d bytes, a principal has at most 29", len(c.Sender))
	}
	exp, ok := m["ingress_expiry"]
	if !ok {
		return c, errors.New("missing field ingress_expiry")
	}
	if c.IngressExpiry, ok = exp.(uint64); !ok {
		return c, fmt.Errorf("ingress_expiry is %s, not a 64-bit natural", cborKind(exp))
	}
	if c.Nonce, err = optBytes(m, "nonce"); err != nil {
		return c, err
	}
	if len(c.Nonce) > maxNonceLen {
		return c, fmt.Errorf("nonce is %d bytes, at most %d allowed", len(c.Nonce), maxNonceLen)
	}
	switch c.RequestType {
	case RequestTypeCall, RequestTypeQuery:
		if c.CanisterID, err = reqBytes(m, "canister_id"); err != nil {
			return c, err
		}
		if len(c.CanisterID) > 29 {
			return c, fmt.Errorf("canister_id is %d bytes, a principal has at most 29", len(c.CanisterID))
		}
		if c.MethodName, err = reqText(m, "method_name"); err != nil {
			return c, err
		}
		if c.Arg, err = reqBytes(m, "arg"); err != nil {
			return c, err
		}
	case RequestTypeReadState:
		if c.Paths, err = parsePaths(m["paths"]); err != nil {
			return c, err
		}
	default:
		return c, fmt.Errorf("unknown request_type %q", c.RequestType)
	}
	return c, nil
}

// normalizePaths reads null as an empty path or label inside paths: agent-go encodes empty
// Go slices that way, and hashes them as empty.
func normalizePaths(content map[string]any) {
	paths, ok := content["paths"].([]any)
	if !ok {
		return
	}
	for i, p := range paths {
		switch p := p.(type) {
		case nil:
			paths[i] = []any{}
		case []any:
			for j, l := range p {
				if l == nil {
					p[j] = []byte{}
				}
			}
		}
	}
}

func parsePaths(v any) ([][][]byte, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("paths is %s, not an array", cborKind(v))
	}
	if len(arr) > maxPaths {
		return nil, fmt.Errorf("%d paths, at most %d allowed", len(arr), maxPaths)
	}
	paths := make([][][]byte, len(arr))
	for i, p := range arr {
		labels, ok := p.([]any)
		if !ok {
			return nil, fmt.Errorf("path %d is %s, not an array", i, cborKind(p))
		}
		if len(labels) > maxPathLabels {
			return nil, fmt.Errorf("path %d has %d labels, at most %d allowed", i, len(labels), maxPathLabels)
		}
		paths[i] = make([][]byte, len(labels))
		for j, l := range labels {
			b, ok := l.([]byte)
			if !ok {
				return nil, fmt.Errorf("path %d label %d is %s, not bytes", i, j, cborKind(l))
			}
			paths[i][j] = b
		}
	}
	return paths, nil
}

func parseDelegations(v any) ([]Delegation, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("is %s, not an array", cborKind(v))
	}
	if len(arr) > maxDelegations {
		return nil, fmt.Errorf("%d delegations, at most %d allowed", len(arr), maxDelegations)
	}
	out := make([]Delegation, len(arr))
	for i, e := range arr {
		sd, ok := e.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("element %d is %s, not a map", i, cborKind(e))
		}
		dv, ok := sd["delegation"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("element %d has no delegation map", i)
		}
		d := &out[i]
		var err error
		if d.Signature, err = reqBytes(sd, "signature"); err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		if d.hash, err = hashOfMap(dv); err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		if d.PubKey, err = reqBytes(dv, "pubkey"); err != nil {
			return nil, fmt.Errorf("element %d: %w", i, err)
		}
		if d.Expiration, ok = dv["expiration"].(uint64); !ok {
			return nil, fmt.Errorf("element %d: expiration is not a 64-bit natural", i)
		}
		if t, present := dv["targets"]; present {
			ts, ok := t.([]any)
			if !ok || len(ts) > maxDelegationTgts {
				return nil, fmt.Errorf("element %d: targets must be an array of at most %d principals", i, maxDelegationTgts)
			}
			d.Targets = make([][]byte, len(ts))
			for j, target := range ts {
				if d.Targets[j], ok = target.([]byte); !ok {
					return nil, fmt.Errorf("element %d: target %d is not bytes", i, j)
				}
			}
		}
		if p, present := dv["permissions"]; present {
			if d.Permissions, ok = p.(string); !ok {
				return nil, fmt.Errorf("element %d: permissions is not text", i)
			}
		}
	}
	return out, nil
}

func reqText(m map[string]any, key string) (string, error) {
	v, ok := m[key]
	if !ok {
		return "", fmt.Errorf("missing field %s", key)
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s is %s, not text", key, cborKind(v))
	}
	return s, nil
}

func reqBytes(m map[string]any, key string) ([]byte, error) {
	if _, ok := m[key]; !ok {
		return nil, fmt.Errorf("missing field %s", key)
	}
	return optBytes(m, key)
}

// optBytes returns the byte string at key, nil when the key is absent and a non-nil empty
// slice when it is present but empty.
func optBytes(m map[string]any, key string) ([]byte, error) {
	v, ok := m[key]
	if !ok {
		return nil, nil
	}
	b, ok := v.([]byte)
	if !ok {
		return nil, fmt.Errorf("%s is %s, not bytes", key, cborKind(v))
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

func cborKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "a map"
	case []any:
		return "an array"
	case []byte:
		return "bytes"
	case string:
		return "text"
	case uint64, int64, *big.Int, big.Int:
		return "an integer"
	case cbor.Tag, cbor.RawTag:
		return "a tagged value"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// hashOfMap is the representation-independent hash of a map (spec "hash-of-map").
func hashOfMap(m map[string]any) ([32]byte, error) {
	fields := make([]reprhash.Field, 0, len(m))
	for k, v := range m {
		vh, err := hashValue(v)
		if err != nil {
			return [32]byte{}, fmt.Errorf("field %s: %w", k, err)
		}
		fields = append(fields, reprhash.Field{Key: k, Value: vh})
	}
	return reprhash.Map(fields), nil
}

// hashValue hashes one field value: blobs as is, text as UTF-8, naturals as unsigned LEB128,
// negative integers as signed LEB128, arrays as the hash of their elements' hashes and maps
// recursively.
func hashValue(v any) ([32]byte, error) {
	switch v := v.(type) {
	case []byte:
		return reprhash.Blob(v), nil
	case string:
		if !utf8.ValidString(v) {
			return [32]byte{}, errors.New("text is not valid UTF-8")
		}
		return reprhash.Text(v), nil
	case uint64:
		return reprhash.Nat(v), nil
	case int64:
		return reprhash.Int(v), nil
	case big.Int:
		return hashBig(&v)
	case *big.Int:
		return hashBig(v)
	case []any:
		elems := make([]reprhash.Hash, len(v))
		for i, e := range v {
			eh, err := hashValue(e)
			if err != nil {
				return [32]byte{}, fmt.Errorf("element %d: %w", i, err)
			}
			elems[i] = eh
		}
		return reprhash.Array(elems), nil
	case map[string]any:
		return hashOfMap(v)
	default:
		return [32]byte{}, fmt.Errorf("%s cannot be hashed", cborKind(v))
	}
}

// hashBig hashes an integer sent as a CBOR bignum like the same integer sent plainly. No
// field of a request holds more than 64 bits (the IC's replica decodes them as u64), so a
// larger one is refused rather than hashed.
func hashBig(v *big.Int) ([32]byte, error) {
	switch {
	case v.IsUint64():
		return reprhash.Nat(v.Uint64()), nil
	case v.IsInt64():
		return reprhash.Int(v.Int64()), nil
	}
	return [32]byte{}, errors.New("an integer beyond 64 bits")
}

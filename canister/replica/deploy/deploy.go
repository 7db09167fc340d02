// Package deploy installs a canister module on a replica through its IC HTTP interface, the
// way `dfx deploy` does: create the canister if the ids file does not name it yet, install or
// upgrade the module (chunked when the install message would exceed the IC's 2 MiB ingress
// limit), and record the id in dfx's canister_ids.json format.
package deploy

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/aviate-labs/agent-go"
	agentcandid "github.com/aviate-labs/agent-go/candid"
	"github.com/aviate-labs/agent-go/identity"
	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	cdkprincipal "github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/mgmt"
	"github.com/gocanister/stripe-ic/canister/replica/network"
)

const (
	// maxInstallMessage is the largest module sent in one install_code (the IC's ingress
	// limit is for the whole message; leave room for the envelope and the argument).
	maxInstallMessage = protocol.MaxIngressBytes - 64<<10
	chunkSize         = mgmt.MaxChunkSize
)

// Mode selects how an existing canister is updated.
type Mode string

// Modes. Auto installs an empty canister and upgrades one that has a module.
const (
	Auto      Mode = "auto"
	Install   Mode = "install"
	Reinstall Mode = "reinstall"
	Upgrade   Mode = "upgrade"
)

// Options describe one deployment.
type Options struct {
	URL      string            // replica, e.g. http://127.0.0.1:4943
	Identity identity.Identity // the controller; nil uses the identity in IdentityFile
	// IdentityFile is a PEM Ed25519 key, created if missing (default .dfx/local/identity.pem).
	IdentityFile string
	Name         string // canister name in the ids file
	IDsFile      string // default .dfx/local/canister_ids.json
	Network      string // key inside the ids file; default "local"
	Module       []byte // raw or gzipped Wasm
	Arg          []byte // Candid-encoded init/upgrade argument (empty = "()")
	Mode         Mode
	Cycles       uint64 // cycles for a new canister (0 = the replica's default)
	Log          func(format string, args ...any)
}

// Result is what Deploy did.
type Result struct {
	CanisterID principal.Principal
	Created    bool
	Mode       Mode
	Chunked    bool
}

// ArgFromText encodes a Candid text value such as `(record { api_host = "..." })`. Parsing
// Candid text is what agent-go has and the CDK's codec has not.
func ArgFromText(text string) ([]byte, error) {
	if strings.TrimSpace(text) == "" {
		return []byte("DIDL\x00\x00"), nil
	}
	b, err := agentcandid.EncodeValueString(text)
	if err != nil {
		return nil, fmt.Errorf("deploy: argument %q is not valid Candid text: %w", text, err)
	}
	return b, nil
}

// Deploy creates (if needed) and installs the canister.
func Deploy(o Options) (Result, error) {
	if o.IDsFile == "" {
		o.IDsFile = filepath.Join(".dfx", "local", "canister_ids.json")
	}
	if o.Network == "" {
		o.Network = "local"
	}
	if o.Mode == "" {
		o.Mode = Auto
	}
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	if len(o.Arg) == 0 {
		o.Arg = []byte("DIDL\x00\x00")
	}
	id := o.Identity
	if id == nil {
		if o.IdentityFile == "" {
			o.IdentityFile = filepath.Join(".dfx", "local", "identity.pem")
		}
		var err error
		if id, err = LoadIdentity(o.IdentityFile); err != nil {
			return Result{}, err
		}
	}
	u, err := url.Parse(o.URL)
	if err != nil {
		return Result{}, fmt.Errorf("deploy: replica URL: %w", err)
	}
	a, err := agent.New(agent.Config{Identity: id, ClientConfig: []agent.ClientOption{agent.WithHostURL(u)}, FetchRootKey: true})
	if err != nil {
		return Result{}, fmt.Errorf("deploy: cannot reach the replica at %s (is it running? `make replica`): %w", o.URL, err)
	}
	ids, err := readIDs(o.IDsFile)
	if err != nil {
		return Result{}, err
	}
	var res Result
	if text, ok := ids[o.Name][o.Network]; ok {
		if res.CanisterID, err = principal.Decode(text); err != nil {
			return Result{}, fmt.Errorf("deploy: %s names %q for %s: %w", o.IDsFile, text, o.Name, err)
		}
	}
	hasModule := false
	if len(res.CanisterID.Raw) > 0 {
		var st mgmt.CanisterStatusResult
		err := call(a, res.CanisterID, "canister_status", mgmt.CanisterIDRecord{CanisterID: cdkID(res.CanisterID)}, &st)
		switch {
		case err == nil:
			hasModule = st.ModuleHash != nil
		case strings.Contains(err.Error(), "not found") || strings.Contains(err.Error(), protocol.ErrCanisterNotFound):
			o.Log("canister %s of %s no longer exists on this replica; creating a new one", res.CanisterID, o.Name)
			res.CanisterID = principal.Principal{}
		default:
			return Result{}, fmt.Errorf("deploy: canister_status of %s: %w", res.CanisterID, err)
		}
	}
	if len(res.CanisterID.Raw) == 0 {
		args := mgmt.ProvisionalCreateArgs{}
		if o.Cycles > 0 {
			n := candid.Nat(o.Cycles)
			args.Amount = &n
		}
		var out mgmt.CanisterIDRecord
		if err := call(a, network.AppEffectiveID(), "provisional_create_canister_with_cycles", args, &out); err != nil {
			return Result{}, fmt.Errorf("deploy: creating canister %s: %w", o.Name, err)
		}
		res.CanisterID, res.Created = principal.Principal{Raw: out.CanisterID.Bytes()}, true
		o.Log("created canister %s: %s", o.Name, res.CanisterID)
		if ids[o.Name] == nil {
			ids[o.Name] = map[string]string{}
		}
		ids[o.Name][o.Network] = res.CanisterID.String()
		if err := writeIDs(o.IDsFile, ids); err != nil {
			return res, err
		}
	}
	res.Mode = o.Mode
	if res.Mode == Auto {
		res.Mode = Install
		if hasModule {
			res.Mode = Upgrade
		}
	}
	var mode mgmt.InstallMode
	switch res.Mode {
	case Install:
		mode.Install = new(candid.Null)
	case Reinstall:
		mode.Reinstall = new(candid.Null)
	case Upgrade:
		var none *mgmt.UpgradeFlags
		mode.Upgrade = &none
	default:
		return res, fmt.Errorf("deploy: unknown mode %q", res.Mode)
	}
	if len(o.Module)+len(o.Arg) <= maxInstallMessage {
		err = call(a, res.CanisterID, "install_code", mgmt.InstallCodeArgs{
			Mode: mode, CanisterID: cdkID(res.CanisterID), WasmModule: o.Module, Arg: o.Arg,
		}, nil)
	} else {
		res.Chunked = true
		err = installChunked(a, res.CanisterID, mode, o)
	}
	if err != nil {
		return res, fmt.Errorf("deploy: %s of %s: %w", res.Mode, o.Name, err)
	}
	o.Log("%s %s (%d bytes) on %s", res.Mode, o.Name, len(o.Module), res.CanisterID)
	return res, nil
}

func installChunked(a *agent.Agent, id principal.Principal, mode mgmt.InstallMode, o Options) error {
	if err := call(a, id, "clear_chunk_store", mgmt.CanisterIDRecord{CanisterID: cdkID(id)}, nil); err != nil {
		return fmt.Errorf("clear_chunk_store: %w", err)
	}
	var hashes []mgmt.ChunkHash
	for off := 0; off < len(o.Module); off += chunkSize {
		chunk := o.Module[off:min(off+chunkSize, len(o.Module))]
		var h mgmt.ChunkHash
		if err := call(a, id, "upload_chunk", mgmt.UploadChunkArgs{CanisterID: cdkID(id), Chunk: chunk}, &h); err != nil {
			return fmt.Errorf("upload_chunk at offset %d: %w", off, err)
		}
		if sum := sha256.Sum256(chunk); !bytes.Equal(sum[:], h.Hash) {
			return fmt.Errorf("upload_chunk at offset %d: replica returned hash %x, want %x", off, h.Hash, sum)
		}
		hashes = append(hashes, h)
		o.Log("uploaded chunk %d (%d bytes)", len(hashes), len(chunk))
	}
	sum := sha256.Sum256(o.Module)
	return call(a, id, "install_chunked_code", mgmt.InstallChunkedCodeArgs{
		Mode: mode, TargetCanister: cdkID(id), ChunkHashesList: hashes, WasmModuleHash: sum[:], Arg: o.Arg,
	}, nil)
}

// call makes an update call to the management canister, routed by effective canister id
// ecid, with arg encoded by the CDK's codec (the one the replica decodes with), and decodes
// the reply into out (nil: a reply without values is expected, anything else is skipped).
func call(a *agent.Agent, ecid principal.Principal, method string, arg, out any) error {
	b, err := candid.Marshal(arg)
	if err != nil {
		return err
	}
	req, err := a.CreateRawAPIRequest(agent.RequestTypeCall, managementCanister, method, b)
	if err != nil {
		return err
	}
	var reply []byte
	if err := req.WithEffectiveCanisterID(ecid).CallAndWait(&reply); err != nil {
		return err
	}
	if out == nil {
		return candid.Unmarshal(reply)
	}
	return candid.Unmarshal(reply, out)
}

func cdkID(p principal.Principal) cdkprincipal.Principal { return cdkprincipal.FromBytes(p.Raw) }

// LoadIdentity reads an Ed25519 PEM identity, creating one if the file does not exist.
func LoadIdentity(path string) (*identity.Ed25519Identity, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		id, err := identity.NewEd25519IdentityFromPEM(b)
		if err != nil {
			return nil, fmt.Errorf("deploy: identity %s: %w", path, err)
		}
		return id, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("deploy: identity: %w", err)
	}
	id, err := identity.NewRandomEd25519Identity()
	if err != nil {
		return nil, fmt.Errorf("deploy: identity: %w", err)
	}
	pem, err := id.ToPEM()
	if err != nil {
		return nil, fmt.Errorf("deploy: identity: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("deploy: identity: %w", err)
	}
	if err := os.WriteFile(path, pem, 0o600); err != nil {
		return nil, fmt.Errorf("deploy: identity: %w", err)
	}
	return id, nil
}

// IDs is dfx's canister_ids.json: canister name -> network -> canister id.
type IDs map[string]map[string]string

func readIDs(path string) (IDs, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return IDs{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("deploy: %w", err)
	}
	ids := IDs{}
	if err := json.Unmarshal(b, &ids); err != nil {
		return nil, fmt.Errorf("deploy: %s is not dfx's canister_ids.json format: %w", path, err)
	}
	return ids, nil
}

// ReadIDs reads a canister_ids.json file (empty when missing).
func ReadIDs(path string) (IDs, error) { return readIDs(path) }

func writeIDs(path string, ids IDs) error {
	b, err := json.MarshalIndent(ids, "", "  ")
	if err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	return os.Rename(tmp, path)
}

// managementCanister is aaaaa-aa. Its Raw must be empty but not nil: agent-go leaves
// canister_id out of the request when Raw is nil.
var managementCanister = principal.Principal{Raw: []byte{}}

// Asset is one file of a canister's web page, for UploadAssets.
type Asset struct {
	Path        string `ic:"path"`
	ContentType string `ic:"content_type"`
	Content     []byte `ic:"content"`
}

// UploadAssets calls the canister's upload_assets method (controllers only) with the files,
// in batches that stay under the ingress message limit. identityFile defaults to the
// identity Deploy uses.
func UploadAssets(replicaURL, identityFile string, canister principal.Principal, assets []Asset) error {
	if identityFile == "" {
		identityFile = filepath.Join(".dfx", "local", "identity.pem")
	}
	id, err := LoadIdentity(identityFile)
	if err != nil {
		return err
	}
	u, err := url.Parse(replicaURL)
	if err != nil {
		return fmt.Errorf("deploy: replica URL: %w", err)
	}
	a, err := agent.New(agent.Config{Identity: id, ClientConfig: []agent.ClientOption{agent.WithHostURL(u)}, FetchRootKey: true})
	if err != nil {
		return fmt.Errorf("deploy: %w", err)
	}
	var batch []Asset
	size := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := a.Call(canister, "upload_assets", []any{batch}, []any{}); err != nil {
			return fmt.Errorf("deploy: upload_assets: %w", err)
		}
		batch, size = nil, 0
		return nil
	}
	for _, as := range assets {
		if size+len(as.Content) > maxInstallMessage && len(batch) > 0 {
			if err := flush(); err != nil {
				return err
			}
		}
		batch = append(batch, as)
		size += len(as.Content) + len(as.Path) + len(as.ContentType)
	}
	return flush()
}

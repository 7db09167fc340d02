package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/aviate-labs/agent-go/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/hashtree"
	"github.com/gocanister/stripe-ic/canister/cdk/leb128"
	"github.com/gocanister/stripe-ic/canister/replica/internal/certify"
)

// readPlan is what a read_state request needs from the replica's state.
type readPlan struct {
	requestID *RequestID    // the one request whose status is asked, if any
	canister  bool          // /canister/<ecid>/... is asked
	info      *CanisterInfo // the canister's info when checking the paths needed it
	exists    bool          // the canister exists (valid when info is set)
}

// Labels of the state tree.
var (
	lblTime        = []byte("time")
	lblNode        = []byte("node")
	lblPublicKey   = []byte("public_key")
	lblCanister    = []byte("canister")
	lblReqStatus   = []byte("request_status")
	lblModuleHash  = []byte("module_hash")
	lblControllers = []byte("controllers")
	lblMetadata    = []byte("metadata")
)

var requestStatusFields = map[string]bool{
	"status": true, "reply": true, "reject_code": true, "reject_message": true, "error_code": true,
}

var canisterFields = map[string]bool{
	"module_hash": true, "controllers": true, "canister_creation_timestamp": true, "last_install_timestamp": true,
}

var subnetFields = map[string]bool{
	"public_key": true, "type": true, "node": true, "canister_ranges": true, "metrics": true,
}

// handleReadState serves read_state at the canister endpoints (subnet false, path value
// "ecid") and the subnet endpoints (subnet true, path value "esid").
func (s *Server) handleReadState(subnet bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		env, err := s.readRequest(r, RequestTypeReadState)
		if err != nil {
			s.fail(w, err)
			return
		}
		var ecid []byte // nil at the subnet endpoints
		var sn *certify.Subnet
		if subnet {
			esid, err := principal.Decode(r.PathValue("esid"))
			if err == nil {
				sn = s.topo.Subnet(esid.Raw)
			}
			if sn == nil {
				s.fail(w, errorf(http.StatusBadRequest, "Effective subnet id %q is not a subnet of this network.", r.PathValue("esid")))
				return
			}
		} else {
			id, err := principal.Decode(r.PathValue("ecid"))
			if err != nil {
				s.fail(w, errorf(http.StatusBadRequest, "Invalid effective canister id %q: %v", r.PathValue("ecid"), err))
				return
			}
			if sn = s.subnetOf(id.Raw); sn == nil {
				s.fail(w, errorf(http.StatusBadRequest, "Effective canister id %s is not hosted by any subnet of this network.", id))
				return
			}
			ecid = id.Raw
		}
		plan, err := s.checkPaths(r.Context(), env, ecid)
		if err != nil {
			s.fail(w, err)
			return
		}
		cert, err := s.certify(sn, func(t *hashtree.Tree) error {
			return s.fillState(r.Context(), t, sn, plan, ecid)
		}, env.Content.Paths)
		if err != nil {
			s.fail(w, err)
			return
		}
		body, err := encodeCBOR(map[string]any{"certificate": cert})
		if err != nil {
			s.fail(w, err)
			return
		}
		writeCBOR(w, body)
	}
}

var errInvalidPath = errorf(http.StatusNotFound, "Invalid path requested.")

// checkPaths applies the specification's rules on which paths a read_state request may ask.
func (s *Server) checkPaths(ctx context.Context, env *Envelope, ecid []byte) (readPlan, error) {
	var plan readPlan
	sender := env.Content.Sender
	for _, p := range env.Content.Paths {
		if len(p) == 0 {
			return plan, errInvalidPath
		}
		switch string(p[0]) {
		case "time":
			if len(p) != 1 {
				return plan, errInvalidPath
			}
		case "api_boundary_nodes":
			if len(p) > 3 {
				return plan, errInvalidPath
			}
		case "canister_ranges":
			if ecid != nil {
				return plan, errorf(http.StatusBadRequest, "/canister_ranges can only be read at the subnet read_state endpoint.")
			}
			if len(p) != 2 {
				return plan, errInvalidPath
			}
		case "subnet":
			if !validSubnetPath(p) {
				return plan, errInvalidPath
			}
			if len(p) == 3 && string(p[2]) == "metrics" && ecid != nil {
				return plan, errorf(http.StatusBadRequest, "/subnet/<id>/metrics can only be read at the subnet read_state endpoint.")
			}
		case "request_status":
			if len(p) < 2 || len(p) > 3 || (len(p) == 3 && !requestStatusFields[string(p[2])]) {
				return plan, errInvalidPath
			}
			if len(p[1]) != len(RequestID{}) {
				return plan, errorf(http.StatusBadRequest, "Request id %x is not 32 bytes.", p[1])
			}
			id := RequestID(p[1])
			if plan.requestID != nil && *plan.requestID != id {
				return plan, errorf(http.StatusBadRequest, "Request IDs must be the same for requested paths.")
			}
			plan.requestID = &id
			if e, _, ok := s.history.statusOf(id); ok {
				if !bytes.Equal(e.sender, sender) {
					return plan, errorf(http.StatusForbidden, "Request %s was sent by another principal.", id)
				}
				if ecid != nil && !bytes.Equal(e.ecid, ecid) {
					return plan, errorf(http.StatusForbidden, "Request %s was sent to another effective canister id.", id)
				}
			}
		case "canister":
			if ecid == nil {
				return plan, errorf(http.StatusBadRequest, "/canister paths can only be read at the canister read_state endpoint.")
			}
			if len(p) < 3 {
				return plan, errInvalidPath
			}
			if !bytes.Equal(p[1], ecid) {
				return plan, errorf(http.StatusBadRequest,
					"Effective principal id in URL %s does not match requested principal id: %s.", fmtPrincipal(ecid), fmtPrincipal(p[1]))
			}
			switch {
			case len(p) == 3 && canisterFields[string(p[2])]:
			case len(p) == 4 && bytes.Equal(p[2], lblMetadata):
				if !utf8.Valid(p[3]) {
					return plan, errorf(http.StatusBadRequest, "Metadata name is not UTF-8.")
				}
				if plan.info == nil {
					ci, ok, err := s.cfg.Backend.Canister(ctx, principal.Principal{Raw: ecid})
					if err != nil {
						return plan, fmt.Errorf("canister %s: %w", fmtPrincipal(ecid), err)
					}
					plan.info, plan.exists = &ci, ok
				}
				if sec, ok := plan.info.Metadata[string(p[3])]; ok && sec.Private && !isController(plan.info, sender) {
					return plan, errorf(http.StatusForbidden,
						"Custom section %s can only be requested by the controllers of the canister.", p[3])
				}
			default:
				return plan, errInvalidPath
			}
			plan.canister = true
		default:
			return plan, errInvalidPath
		}
	}
	return plan, nil
}

func validSubnetPath(p [][]byte) bool {
	switch len(p) {
	case 1, 2:
		return true
	case 3:
		return subnetFields[string(p[2])]
	case 4:
		return bytes.Equal(p[2], lblNode)
	case 5:
		return bytes.Equal(p[2], lblNode) && bytes.Equal(p[4], lblPublicKey)
	}
	return false
}

func isController(info *CanisterInfo, p []byte) bool {
	for _, c := range info.Controllers {
		if bytes.Equal(c.Raw, p) {
			return true
		}
	}
	return false
}

// fillState writes the parts of subnet sn's state a read_state request can see into t.
// Everything that is not requested is pruned away afterwards, so only what the plan asks is
// loaded.
func (s *Server) fillState(ctx context.Context, t *hashtree.Tree, sn *certify.Subnet, plan readPlan, ecid []byte) error {
	for _, e := range s.topo.StateEntries(sn) {
		if err := t.Set(e.Path, e.Value); err != nil {
			return err
		}
	}
	if plan.canister {
		if plan.info == nil {
			info, ok, err := s.cfg.Backend.Canister(ctx, principal.Principal{Raw: ecid})
			if err != nil {
				return fmt.Errorf("canister %s: %w", fmtPrincipal(ecid), err)
			}
			plan.info, plan.exists = &info, ok
		}
		if plan.exists {
			if err := addCanister(t, ecid, *plan.info); err != nil {
				return err
			}
		}
	}
	if plan.requestID != nil {
		if e, finished, ok := s.history.statusOf(*plan.requestID); ok {
			return s.addRequestStatus(t, *plan.requestID, e, finished)
		}
	}
	return nil
}

func addCanister(t *hashtree.Tree, id []byte, info CanisterInfo) error {
	if info.ModuleHash != nil {
		if err := t.Set([][]byte{lblCanister, id, lblModuleHash}, info.ModuleHash); err != nil {
			return err
		}
	}
	ctrls := make([][]byte, len(info.Controllers))
	for i, c := range info.Controllers {
		ctrls[i] = c.Raw
	}
	if err := t.Set([][]byte{lblCanister, id, lblControllers}, certify.PrincipalList(ctrls)); err != nil {
		return err
	}
	for name, sec := range info.Metadata {
		if err := t.Set([][]byte{lblCanister, id, lblMetadata, []byte(name)}, sec.Content); err != nil {
			return err
		}
	}
	return nil
}

// addRequestStatus writes /request_status/<id>/... for a known call.
func (s *Server) addRequestStatus(t *hashtree.Tree, id RequestID, e *ingress, finished bool) error {
	base := [][]byte{lblReqStatus, id[:]}
	set := func(field string, v []byte) error {
		return t.Set(append(base[:2:2], []byte(field)), v)
	}
	if !finished {
		return set("status", []byte(statusProcessing))
	}
	if e.refusal != nil || e.internal != nil {
		return nil // never accepted: no status
	}
	if rej := e.result.Reject; rej != nil {
		for _, kv := range []struct {
			f string
			v []byte
		}{
			{"status", []byte(statusRejected)},
			{"reject_code", leb128.AppendUnsigned(nil, uint64(rej.Code))},
			{"reject_message", []byte(rej.Message)},
			{"error_code", []byte(rej.ErrorCode)},
		} {
			if err := set(kv.f, kv.v); err != nil {
				return err
			}
		}
		return nil
	}
	if err := set("status", []byte(statusReplied)); err != nil {
		return err
	}
	return set("reply", nonNil(e.result.Reply))
}

// certify builds a state tree of subnet sn with /time and whatever fill adds, prunes it to
// paths (and /time) and returns the encoded certificate, signed by sn (with its delegation).
func (s *Server) certify(sn *certify.Subnet, fill func(*hashtree.Tree) error, paths [][][]byte) ([]byte, error) {
	var t hashtree.Tree
	if err := t.Set([][]byte{lblTime}, leb128.AppendUnsigned(nil, uint64(s.cfg.Now().UnixNano()))); err != nil {
		return nil, err
	}
	if err := fill(&t); err != nil {
		return nil, err
	}
	reveal := append(append(make([][][]byte, 0, len(paths)+1), paths...), [][]byte{lblTime})
	cert, err := s.topo.Certify(sn, hashtree.Prune(t.HashTree(), reveal...))
	if err != nil {
		return nil, fmt.Errorf("certify state: %w", err)
	}
	return cert.Marshal(), nil
}

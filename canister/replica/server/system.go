package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aviate-labs/agent-go/principal"

	"github.com/gocanister/stripe-ic/canister/cdk/candid"
	cdkprincipal "github.com/gocanister/stripe-ic/canister/cdk/principal"
	"github.com/gocanister/stripe-ic/canister/replica/engine"
	"github.com/gocanister/stripe-ic/canister/replica/network"
)

// SystemModules are the modules of the system canisters icp-cli needs on a local network
// (built from canister/cmd/system_canisters by `make system-canisters`). The replica installs
// each one present at its mainnet id when it opens, and upgrades it when the module changed;
// their state (balances) survives restarts and upgrades.
type SystemModules struct {
	CyclesLedger, CMC, ICPLedger []byte
}

// SystemModuleFiles are the file names LoadSystemModules reads.
var SystemModuleFiles = [...]string{"cycles_ledger.wasm.gz", "cmc.wasm.gz", "icp_ledger.wasm.gz"}

// LoadSystemModules reads the system canister modules from dir. A directory without them
// is an error that says how to build them.
func LoadSystemModules(dir string) (SystemModules, error) {
	var out SystemModules
	dst := []*[]byte{&out.CyclesLedger, &out.CMC, &out.ICPLedger}
	for i, name := range SystemModuleFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				return SystemModules{}, fmt.Errorf("system canister module %s is missing in %s (build it with `make system-canisters`)", name, dir)
			}
			return SystemModules{}, fmt.Errorf("system canisters: %w", err)
		}
		*dst[i] = b
	}
	return out, nil
}

// Cycle balances the system canisters start with: the cycles ledger backs the cycles it
// hands out (create_canister, withdraw) with its own balance and the CMC mints from its own,
// so both get far more than a local network uses.
const (
	systemCyclesLarge = 1 << 62
	systemCycles      = 100_000_000_000_000
)

// nnsRoot is the NNS root canister (r7inp-6aaaa-aaaaa-aaabq-cai), which controls the system
// canisters on mainnet; here it names a controller nobody can act as.
var nnsRoot = network.CanisterID(3)

// installSystemCanisters creates, installs or upgrades the system canisters present in mods.
func (s *Server) installSystemCanisters(ctx context.Context, mods SystemModules) error {
	subnets := []cdkprincipal.Principal{cdkprincipal.FromBytes(s.api.SubnetID().Raw)}
	cmcArg, err := candid.Marshal(&struct {
		DefaultSubnets []cdkprincipal.Principal `ic:"default_subnets"`
	}{subnets})
	if err != nil {
		return fmt.Errorf("system canisters: %w", err)
	}
	none, _ := candid.Marshal()
	for _, c := range []struct {
		name   string
		id     principal.Principal
		module []byte
		arg    []byte
		cycles uint64
	}{
		{"cycles ledger", network.CyclesLedger, mods.CyclesLedger, none, systemCyclesLarge},
		{"cycles minting canister", network.CMC, mods.CMC, cmcArg, systemCyclesLarge},
		{"ICP ledger", network.ICPLedger, mods.ICPLedger, none, systemCycles},
	} {
		if c.module == nil {
			continue
		}
		if err := s.installSystemCanister(ctx, c.id, c.module, c.arg, c.cycles); err != nil {
			return fmt.Errorf("system canister %s (%s): %w", c.name, c.id, err)
		}
	}
	return nil
}

func (s *Server) installSystemCanister(ctx context.Context, id principal.Principal, module, arg []byte, cycles uint64) error {
	info, err := s.eng.Info(id)
	mode := engine.Upgrade
	switch {
	case err != nil:
		if _, err := s.eng.CreateCanister(engine.CreateOptions{ID: &id, Controllers: []principal.Principal{nnsRoot}, Cycles: cycles}); err != nil {
			return err
		}
		mode = engine.Install
	case info.ModuleHash == nil:
		mode = engine.Install
	default:
		if sum := sha256.Sum256(module); bytes.Equal(sum[:], info.ModuleHash) {
			return nil // up to date
		}
	}
	if err := s.eng.InstallCode(ctx, id, engine.InstallArgs{Mode: mode, Module: module, Arg: arg, Sender: nnsRoot}); err != nil {
		return err
	}
	if err := s.store.commit(ctx, id, 0, nil); err != nil {
		return err
	}
	s.log.Info("installed system canister", "canister", id.String(), "mode", mode.String())
	return nil
}

// InstallSystem installs (or upgrades) the system canisters of mods on a running replica, as
// Open does with Config.System; tests that need them call it once.
func (s *Server) InstallSystem(ctx context.Context, mods SystemModules) error {
	return s.installSystemCanisters(ctx, mods)
}

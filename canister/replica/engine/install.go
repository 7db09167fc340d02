package engine

import (
	"context"
	"fmt"

	"github.com/aviate-labs/agent-go/principal"
	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/internal/instrument"
)

// InstallMode is install_code's mode.
type InstallMode uint8

// Install modes.
const (
	Install InstallMode = iota
	Reinstall
	Upgrade
)

func (m InstallMode) String() string {
	switch m {
	case Install:
		return "install"
	case Reinstall:
		return "reinstall"
	case Upgrade:
		return "upgrade"
	}
	return "unknown"
}

// InstallArgs are the arguments of install_code.
type InstallArgs struct {
	Mode InstallMode
	// Module is the Wasm module, raw or gzipped.
	Module []byte
	// Arg is passed to canister_init / canister_post_upgrade.
	Arg []byte
	// Sender is msg_caller of init, pre_upgrade and post_upgrade.
	Sender principal.Principal
	// SkipPreUpgrade skips canister_pre_upgrade (upgrade option skip_pre_upgrade).
	SkipPreUpgrade bool
}

// InstallCode installs, reinstalls or upgrades a canister's module. The whole operation is
// atomic: if the module is invalid or start, init, pre_upgrade or post_upgrade trap (or use
// more than the install instruction limit together), the canister keeps its previous module
// and state and the error (a *protocol.Reject) is returned.
//
// Install and reinstall start from empty Wasm and stable memory and run canister_init(Arg).
// Upgrade runs canister_pre_upgrade on the old instance, keeps stable memory, drops Wasm
// memory and globals, and runs canister_post_upgrade(Arg) on the new one. Every mode runs the
// module's start function first, deactivates the global timer and increments the canister
// version; install and reinstall clear certified data.
func (e *Engine) InstallCode(ctx context.Context, id principal.Principal, args InstallArgs) error {
	c, err := e.get(id)
	if err != nil {
		return err
	}
	m, xerr := e.loadModule(ctx, args.Module)
	if xerr != nil {
		return xerr.reject(id)
	}
	var out error
	c.do(func() { out = c.install(m, args) })
	return out
}

func (c *canister) install(m *module, args InstallArgs) error {
	switch {
	case args.Mode == Install && c.mod != nil:
		return &protocol.Reject{Code: protocol.CanisterError, Message: fmt.Sprintf("Canister %s cannot be installed because the canister is not empty. Try installing with mode='reinstall' instead.", c.id), ErrorCode: protocol.ErrCanisterNonEmpty}
	case args.Mode == Upgrade && c.mod == nil:
		return errModuleNotFound().reject(c.id)
	}
	budget := c.e.cfg.Limits.Install
	// The whole install pays one execution fee, prepaid for the install limit above the
	// freezing threshold; the instructions it did not use come back, whatever the outcome.
	fees := newMeter(c.e.costs(), budget)
	if msg, ok := c.withdraw(args.Sender.Raw, fees.prepaid); !ok {
		return rejectOutOfCycles("Canister installation failed with `" + msg + "`.")
	}
	defer func() { c.cycles += fees.refund() }()
	// Effects of pre_upgrade, start and init/post_upgrade, applied if all of them succeed.
	cycles, certData, certSet, timer := c.cycles, []byte(nil), false, uint64(0)
	staged := func(x *execution) {
		budget -= x.used
		cycles = x.balance
		if x.certSet {
			certData, certSet = x.certData, true
		}
		if x.timerSet {
			timer = x.timer
		}
	}
	mark := len(c.journal)
	oldStable := c.stable
	fail := func(err *execError) error {
		c.undoStable(mark)
		if args.Mode != Upgrade {
			c.stable = oldStable
		}
		c.restoreImage(&c.img)
		return err.reject(c.id)
	}

	// pre_upgrade runs on the old instance with the budget of the whole upgrade.
	if args.Mode == Upgrade && !args.SkipPreUpgrade && c.mod.has("canister_pre_upgrade") {
		x := c.newExec(apiPreUpgrade, nil)
		x.meter = fees
		x.caller = args.Sender.Raw
		x.limit, x.limitShown = budget, c.e.cfg.Limits.Install
		if err := x.run("canister_pre_upgrade"); err != nil {
			return fail(err)
		}
		staged(x)
		timer = 0 // upgrading deactivates the timer, whatever pre_upgrade did
	}
	if args.Mode != Upgrade {
		c.stable = nil
	}

	in, err := c.e.instantiate(c.e.ctx, m)
	if err != nil {
		return fail(errInvalidWasm(err))
	}
	// Run start and init on the new instance; c.inst is swapped only on success.
	old := c.inst
	c.inst = in
	failNew := func(err *execError) error {
		c.inst = old
		in.close()
		return fail(err)
	}
	run := func(typ apiType, export string, arg []byte) *execError {
		x := c.newExec(typ, nil)
		x.meter = fees
		x.in = in
		x.caller, x.arg = args.Sender.Raw, arg
		x.limit, x.limitShown = budget, c.e.cfg.Limits.Install
		x.balance, x.timer = cycles, timer
		if err := x.run(export); err != nil {
			return err
		}
		staged(x)
		return nil
	}
	if m.info.HasStart {
		if err := run(apiStart, instrument.StartExport, nil); err != nil {
			return failNew(err)
		}
	}
	init := "canister_init"
	if args.Mode == Upgrade {
		init = "canister_post_upgrade"
	}
	if m.has(init) {
		if err := run(apiInit, init, args.Arg); err != nil {
			return failNew(err)
		}
	}

	if err := c.checkMemoryLimits(in); err != nil {
		return failNew(err)
	}
	old.close()
	c.dropSpare()
	c.mod = m
	c.img = image{}
	in.capture(&c.img)
	c.journal = c.journal[:0]
	c.version++
	c.cycles = cycles
	c.timer = timer // the timer is deactivated unless the new code set it
	if args.Mode != Upgrade {
		c.certifiedData = nil
		c.dropCallContexts()
	}
	if certSet {
		c.certifiedData = certData
	}
	c.e.committed(c)
	return nil
}

// UninstallCode removes a canister's module and all of its state but cycles and settings.
// Open call contexts are rejected.
func (e *Engine) UninstallCode(ctx context.Context, id principal.Principal) error {
	return e.onCanister(id, func(c *canister) error {
		c.uninstall()
		e.committed(c)
		return nil
	})
}

// uninstall drops c's module and state, keeping cycles and settings.
func (c *canister) uninstall() {
	c.inst.close()
	c.dropSpare()
	c.inst, c.mod, c.img = nil, nil, image{}
	c.stable, c.journal = nil, nil
	c.certifiedData = nil
	c.timer = 0
	c.version++
	c.dropCallContexts()
}

// dropCallContexts rejects the open call contexts of a canister whose code is replaced:
// callbacks of the old code can no longer run.
func (c *canister) dropCallContexts() {
	c.rejectCallContexts(&protocol.Reject{Code: protocol.CanisterReject, Message: "Canister has been uninstalled.", ErrorCode: protocol.ErrCanisterRejectedMessage})
}

// rejectCallContexts answers every open call context with rej and forgets them.
func (c *canister) rejectCallContexts(rej *protocol.Reject) {
	for _, cc := range c.contexts {
		if !cc.responded {
			c.respond(cc, result{reject: rej})
		}
		delete(c.contexts, cc.id)
	}
	c.checkStopped()
}

package engine

import (
	"context"
	"fmt"

	"github.com/gocanister/stripe-ic/canister/cdk/protocol"
	"github.com/gocanister/stripe-ic/canister/replica/internal/instrument"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// instance is one instantiation of a canister's module.
type instance struct {
	mod      api.Module
	mem      api.Memory // nil if the module has no memory
	globals  []globalRef
	counter  api.MutableGlobal
	dirty    api.MutableGlobal // dirty-page mask (see package instrument), nil without tracking
	callback api.Function      // the table-0 trampoline, nil without a table
	funcs    map[string]api.Function
}

// instantiate creates an instance of m without running its start function (the
// instrumentation moved it to an export).
func (e *Engine) instantiate(ctx context.Context, m *module) (*instance, error) {
	mod, err := e.rt.InstantiateModule(ctx, m.compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		return nil, fmt.Errorf("instantiating module: %w", err)
	}
	in := &instance{mod: mod, funcs: map[string]api.Function{}}
	if m.info.Memory != "" {
		in.mem = mod.ExportedMemory(m.info.Memory)
	}
	for _, g := range m.info.Globals {
		var ref globalRef
		if g.Setter != "" {
			ref.get, ref.set = mod.ExportedFunction(g.Export), mod.ExportedFunction(g.Setter)
			if ref.get == nil || ref.set == nil {
				_ = mod.Close(ctx)
				return nil, fmt.Errorf("instrumented v128 global %s lacks accessors", g.Export)
			}
		} else {
			mg, ok := mod.ExportedGlobal(g.Export).(api.MutableGlobal)
			if !ok {
				_ = mod.Close(ctx)
				return nil, fmt.Errorf("instrumented global %s is not mutable", g.Export)
			}
			ref.g = mg
		}
		in.globals = append(in.globals, ref)
	}
	counter, ok := mod.ExportedGlobal(instrument.CounterExport).(api.MutableGlobal)
	if !ok {
		_ = mod.Close(ctx)
		return nil, fmt.Errorf("instrumented module lacks %s", instrument.CounterExport)
	}
	in.counter = counter
	if m.info.DirtyTracking {
		if in.dirty, ok = mod.ExportedGlobal(instrument.DirtyExport).(api.MutableGlobal); !ok {
			_ = mod.Close(ctx)
			return nil, fmt.Errorf("instrumented module lacks %s", instrument.DirtyExport)
		}
	}
	if m.info.HasCallback {
		in.callback = mod.ExportedFunction(instrument.CallbackExport)
	}
	return in, nil
}

func (in *instance) function(name string) api.Function {
	f, ok := in.funcs[name]
	if !ok {
		f = in.mod.ExportedFunction(name)
		in.funcs[name] = f
	}
	return f
}

func (in *instance) close() {
	if in != nil {
		_ = in.mod.Close(context.Background())
	}
}

// image is a copy of the Wasm state of an instance: memory and mutable globals.
type image struct {
	mem     []byte
	globals []uint64
}

// capture copies the instance's state into img, reusing img's buffers.
func (in *instance) capture(img *image) {
	if in.mem != nil {
		buf, _ := in.mem.Read(0, in.mem.Size())
		if cap(img.mem) >= len(buf) {
			img.mem = img.mem[:len(buf)]
		} else {
			img.mem = make([]byte, len(buf))
		}
		copy(img.mem, buf)
	}
	in.captureGlobals(img)
	if in.dirty != nil {
		in.dirty.Set(0)
	}
}

// globalRef accesses one mutable global: through its export, or for a v128 global through
// the generated getter (two i64 results) and setter.
type globalRef struct {
	g        api.MutableGlobal
	get, set api.Function
}

func (in *instance) captureGlobals(img *image) {
	img.globals = img.globals[:0]
	for _, g := range in.globals {
		if g.g != nil {
			img.globals = append(img.globals, g.g.Get())
			continue
		}
		v, err := g.get.Call(context.Background())
		if err != nil || len(v) != 2 {
			panic(fmt.Sprintf("engine: reading a v128 global: %v", err))
		}
		img.globals = append(img.globals, v[0], v[1])
	}
}

// markDirty records that the host wrote [off, off+n) of Wasm memory.
func (in *instance) markDirty(off, n uint64) {
	if in.dirty == nil || n == 0 {
		return
	}
	first, last := off/wasmPage, (off+n-1)/wasmPage
	mask := in.dirty.Get()
	if last-first >= 63 {
		mask = ^uint64(0)
	} else {
		for p := first; p <= last; p++ {
			mask |= 1 << (p % 64)
		}
	}
	in.dirty.Set(mask)
}

// syncPages copies the pages that may differ between the instance's memory and img (those
// whose bit is set in the dirty mask) in the direction given, then clears the mask. It
// returns false when it cannot (no tracking, or the memory size changed).
func (in *instance) syncPages(img *image, toImage bool) bool {
	if in.dirty == nil || in.mem == nil || uint64(in.mem.Size()) != uint64(len(img.mem)) {
		return false
	}
	mask := in.dirty.Get()
	if mask != 0 {
		buf, _ := in.mem.Read(0, in.mem.Size())
		for p := uint64(0); p*wasmPage < uint64(len(buf)); p++ {
			if mask&(1<<(p%64)) == 0 {
				continue
			}
			page := buf[p*wasmPage : (p+1)*wasmPage]
			if toImage {
				copy(img.mem[p*wasmPage:], page)
			} else {
				copy(page, img.mem[p*wasmPage:])
			}
		}
		in.dirty.Set(0)
	}
	return true
}

// commitTo makes img equal to the instance's state, copying only dirty pages when possible.
func (in *instance) commitTo(img *image) {
	if !in.syncPages(img, true) {
		in.capture(img)
		return
	}
	in.captureGlobals(img)
}

// rollbackTo brings the instance back to img (which must be restorable), copying only dirty
// pages when possible.
func (in *instance) rollbackTo(img *image) error {
	if !in.syncPages(img, false) {
		return in.restore(img)
	}
	return in.restoreGlobals(img)
}

// restorable reports whether restore can bring the instance back to img in place: Wasm memory
// cannot shrink, so an instance whose memory grew past the image must be replaced.
func (in *instance) restorable(img *image) bool {
	return in.mem == nil || uint64(in.mem.Size()) <= uint64(len(img.mem))
}

// restore writes img back into the instance (which must be restorable).
func (in *instance) restore(img *image) error {
	if in.mem != nil {
		size := in.mem.Size()
		if uint64(size) < uint64(len(img.mem)) {
			if _, ok := in.mem.Grow(uint32((uint64(len(img.mem)) - uint64(size)) / wasmPage)); !ok {
				return fmt.Errorf("growing memory to %d bytes", len(img.mem))
			}
		}
		buf, _ := in.mem.Read(0, in.mem.Size())
		copy(buf, img.mem)
	}
	return in.restoreGlobals(img)
}

func (in *instance) restoreGlobals(img *image) error {
	vals := img.globals
	for _, g := range in.globals {
		n := 1
		if g.g == nil {
			n = 2
		}
		if len(vals) < n {
			return fmt.Errorf("image has too few global values")
		}
		if g.g != nil {
			g.g.Set(vals[0])
		} else if _, err := g.set.Call(context.Background(), vals[0], vals[1]); err != nil {
			return fmt.Errorf("restoring a v128 global: %w", err)
		}
		vals = vals[n:]
	}
	if len(vals) != 0 {
		return fmt.Errorf("image has %d extra global values", len(vals))
	}
	return nil
}

const wasmPage = protocol.WasmPageBytes

package engine

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gocanister/stripe-ic/canister/replica/internal/instrument"
	"github.com/gocanister/stripe-ic/canister/wasm"
	"github.com/tetratelabs/wazero"
)

// Limits on what install accepts (IC values).
const (
	maxModuleSize = 100 << 20 // uncompressed module
	gzipMagic     = "\x1f\x8b\x08"
)

// module is an instrumented, compiled canister module, shared by all canisters that install
// the same bytes.
type module struct {
	hash     [32]byte // sha256 of the module as installed (gzip or raw), the IC's module_hash
	wasm     []byte   // the module as installed
	compiled wazero.CompiledModule
	info     *instrument.Result
	methods  map[string]bool // exported function names
	metadata map[string]Metadata
}

// Metadata is a canister metadata section: a custom section "icp:public <name>" or
// "icp:private <name>" of the module.
type Metadata struct {
	Private bool // only controllers may read it
	Content []byte
}

// moduleMetadata extracts the metadata sections of a raw module.
func moduleMetadata(raw []byte) map[string]Metadata {
	m, err := wasm.Decode(raw)
	if err != nil {
		return nil
	}
	out := map[string]Metadata{}
	for _, c := range m.Customs {
		if name, ok := strings.CutPrefix(c.Name, "icp:public "); ok {
			out[name] = Metadata{Content: bytes.Clone(c.Data)}
		} else if name, ok := strings.CutPrefix(c.Name, "icp:private "); ok {
			out[name] = Metadata{Private: true, Content: bytes.Clone(c.Data)}
		}
	}
	return out
}

func (m *module) has(export string) bool { return m.methods[export] }

// decompress returns the raw module of a possibly gzipped one.
func decompress(b []byte) ([]byte, error) {
	if !strings.HasPrefix(string(b[:min(len(b), 3)]), gzipMagic) {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decompressing module: %w", err)
	}
	raw, err := io.ReadAll(io.LimitReader(zr, maxModuleSize+1))
	if err != nil {
		return nil, fmt.Errorf("decompressing module: %w", err)
	}
	if len(raw) > maxModuleSize {
		return nil, fmt.Errorf("decompressed module is larger than %d bytes", maxModuleSize)
	}
	return raw, nil
}

// loadModule validates, instruments and compiles a module, reusing an earlier compilation of
// the same bytes.
func (e *Engine) loadModule(ctx context.Context, b []byte) (*module, *execError) {
	hash := sha256.Sum256(b)
	e.mu.Lock()
	if m, ok := e.modules[hash]; ok {
		e.mu.Unlock()
		return m, nil
	}
	e.mu.Unlock()

	raw, err := decompress(b)
	if err != nil {
		return nil, errInvalidWasm(err)
	}
	if err := e.validate(raw); err != nil {
		return nil, errInvalidWasm(err)
	}
	info, err := instrumentCode(raw)
	if err != nil {
		return nil, errInvalidWasm(err)
	}
	compiled, err := e.rt.CompileModule(withProfiler(ctx, e.profiler), info.Module)
	if err != nil {
		return nil, errInvalidWasm(fmt.Errorf("Wasmtime failed to validate wasm module %w", err))
	}
	m := &module{hash: hash, wasm: bytes.Clone(b), compiled: compiled, info: info, methods: map[string]bool{},
		metadata: moduleMetadata(raw)}
	for name := range compiled.ExportedFunctions() {
		m.methods[name] = true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if old, ok := e.modules[hash]; ok {
		_ = compiled.Close(ctx)
		return old, nil
	}
	e.modules[hash] = m
	return m, nil
}

// instrumentCode instruments raw without its canister metadata (icp:public / icp:private
// sections, read from raw): modules that differ only in metadata - one program linked with
// several Candid interfaces - then instrument to the same bytes, which the runtime's
// compilation cache compiles once.
func instrumentCode(raw []byte) (*instrument.Result, error) {
	m, err := wasm.Decode(raw)
	if err != nil {
		return nil, fmt.Errorf("instrument: %w", err)
	}
	m.Customs = slices.DeleteFunc(m.Customs, func(c wasm.Custom) bool { return strings.HasPrefix(c.Name, "icp:") })
	return instrument.Module(m)
}

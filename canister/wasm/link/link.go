// Package link turns the module of a Go program built with GOOS=wasip1
// -buildmode=c-shared into an Internet Computer canister module, as fixed in
// canister/ABI.md: placeholder exports become canister_* exports wrapped so
// the Go runtime starts in canister_init / canister_post_upgrade, WASI and
// icwasm imports become deterministic in-module functions, callback.*
// exports are appended to table 0, the Candid interface is embedded, other
// custom sections are dropped and Go's many data segments are merged.
// The output depends only on the input bytes and options.
package link

import (
	"bytes"
	"compress/gzip"
	"fmt"

	"github.com/gocanister/stripe-ic/canister/wasm"
)

// CandidSection is the custom section holding the Candid service description.
const CandidSection = "icp:public candid:service"

// DefaultMaxDataGap is the largest run of zero bytes between two data
// segments that merging fills in. Measured on Go modules (the test canister
// and a 13 MB stripe-go build): Go leaves gaps of 8 bytes and more, filling
// gaps up to 64 bytes turns ~20,000-100,000 segments into 6-20, grows the raw
// module by ~10% and shrinks the gzipped one (what is installed) by ~6-7%.
const DefaultMaxDataGap = 64

// Options control Link.
type Options struct {
	// Candid is the service description embedded as CandidSection; the
	// section is omitted when Candid is nil.
	Candid []byte
	// MaxDataGap is the largest zero gap filled when merging data segments;
	// 0 means DefaultMaxDataGap, a negative value only joins adjacent ones.
	MaxDataGap int
	// KeepNames keeps the function names of the "name" section (renumbered,
	// with names for the linker's own functions) so traps in a local
	// replica show readable stack traces. The IC ignores the section; it
	// costs a few percent of module size.
	KeepNames bool
}

// Callback is a callback.<name> export placed in table 0.
type Callback struct {
	Name       string // the part after "callback."
	TableIndex uint32 // index in table 0, returned by icwasm.callback.<name>
	Func       uint32 // function index in the output module
}

// Report describes what Link did.
type Report struct {
	// Renamed maps each placeholder export to its IC export name.
	Renamed map[string]string
	// Dropped lists the exports of the input that are not in the output.
	Dropped []string
	// Replaced lists the imports ("module.name") replaced by in-module code.
	Replaced []string
	// Callbacks are the callback.<name> exports in table 0.
	Callbacks []Callback
	// FuncsBefore and FuncsAfter count functions, imports included.
	FuncsBefore, FuncsAfter int
	// DataBefore and DataAfter count data segments (merging reduces them).
	DataBefore, DataAfter int
}

// Link converts a Go wasip1 c-shared module into an IC module and returns the
// encoded output (not compressed; see Gzip).
func Link(in []byte, opts Options) ([]byte, *Report, error) {
	m, err := wasm.Decode(in)
	if err != nil {
		return nil, nil, fmt.Errorf("decoding input: %w", err)
	}
	rep, err := Module(m, opts)
	if err != nil {
		return nil, nil, err
	}
	return m.Encode(), rep, nil
}

// Module links m in place; see Link.
func Module(m *wasm.Module, opts Options) (*Report, error) {
	l := &linker{m: m, opts: opts, rep: &Report{Renamed: map[string]string{}}}
	if opts.KeepNames {
		l.oldNames, l.names = map[uint32]string{}, map[uint32]string{}
		if cs := m.CustomSection(NameSection); cs != nil {
			names, err := parseFuncNames(cs.Data)
			if err != nil {
				return nil, fmt.Errorf("link: %w", err)
			}
			l.oldNames = names
		}
	}
	l.rep.FuncsBefore = m.NumImportedFuncs() + len(m.Funcs)
	l.rep.DataBefore = len(m.Data)
	steps := []struct {
		name string
		fn   func() error
	}{
		{"exports", l.planExports},
		{"imports", l.planImports},
		{"renumbering", l.renumber},
		{"functions", l.buildFunctions},
		{"table", l.fillTable},
		{"exports", l.writeExports},
		{"data", l.mergeData},
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			return nil, fmt.Errorf("link: %s: %w", s.name, err)
		}
	}
	m.Customs = nil
	if l.names != nil {
		for i, im := range m.Imports {
			if im.Kind == wasm.ExternFunc {
				l.setName(uint32(i), im.Module+"."+im.Name)
			}
		}
		m.Customs = append(m.Customs, wasm.Custom{Name: NameSection, Data: encodeFuncNames(l.names), After: wasm.SectionData})
	}
	if opts.Candid != nil {
		m.Customs = append(m.Customs, wasm.Custom{Name: CandidSection, Data: opts.Candid, After: wasm.SectionData})
	}
	m.Canonicalize()
	l.rep.FuncsAfter = m.NumImportedFuncs() + len(m.Funcs)
	l.rep.DataAfter = len(m.Data)
	return l.rep, nil
}

// Gzip compresses a module deterministically: best compression, no name,
// no modification time, so equal input gives equal bytes.
func Gzip(module []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(module); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return buf.Bytes(), nil
}

// Command icwasm is the post-link toolchain of Go canisters.
//
//	icwasm link [-candid FILE.did] [-o OUT.wasm[.gz]] [-names] [-v] IN.wasm
//	icwasm validate FILE.wasm[.gz]
//
// link turns the module of a GOOS=wasip1 -buildmode=c-shared Go build into an
// Internet Computer module as described in canister/ABI.md; the output is
// gzipped when its name ends in .gz. validate checks a module (raw or gzip)
// against the rules the IC applies on install and prints each violation;
// the exit status is 1 if there is any.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/gocanister/stripe-ic/canister/wasm/link"
	"github.com/gocanister/stripe-ic/canister/wasm/validate"
)

const usage = `usage:
  icwasm link [-candid FILE.did] [-o OUT.wasm[.gz]] [-names] [-v] IN.wasm
  icwasm validate FILE.wasm[.gz]
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "link":
		err = runLink(args[1:], stdout, stderr)
	case "validate":
		var bad bool
		bad, err = runValidate(args[1:], stdout, stderr)
		if err == nil && bad {
			return 1
		}
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		err = fmt.Errorf("unknown command %q", args[0])
	}
	if errors.Is(err, errUsage) {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "icwasm: %v\n", err)
		return 1
	}
	return 0
}

var errUsage = errors.New("usage")

func runLink(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("link", flag.ContinueOnError)
	fs.SetOutput(stderr)
	candid := fs.String("candid", "", "Candid service description to embed (`FILE.did`)")
	out := fs.String("o", "", "output module (`OUT.wasm` or OUT.wasm.gz); default IN with .ic.wasm")
	verbose := fs.Bool("v", false, "print what was renamed, replaced and merged")
	names := fs.Bool("names", false, "keep function names for readable stack traces in a local replica (the IC ignores them)")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() != 1 {
		return errUsage
	}
	in := fs.Arg(0)
	if *out == "" {
		*out = strings.TrimSuffix(in, ".wasm") + ".ic.wasm"
	}
	start := time.Now()
	src, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	opts := link.Options{KeepNames: *names}
	if *candid != "" {
		if opts.Candid, err = os.ReadFile(*candid); err != nil {
			return err
		}
	}
	mod, rep, err := link.Link(src, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	raw := len(mod)
	if strings.HasSuffix(*out, ".gz") {
		if mod, err = link.Gzip(mod); err != nil {
			return err
		}
	}
	if err := writeFileAtomic(*out, mod); err != nil {
		return err
	}
	for _, d := range rep.Dropped {
		if d != "_initialize" {
			// Most likely a //go:wasmexport without a placeholder prefix.
			fmt.Fprintf(stderr, "icwasm: warning: export %q dropped: not an ABI placeholder (query.<name>, update.<name>, ...)\n", d)
		}
	}
	if *verbose {
		for _, k := range sortedKeys(rep.Renamed) {
			fmt.Fprintf(stdout, "export %s -> %s\n", k, rep.Renamed[k])
		}
		for _, d := range rep.Dropped {
			fmt.Fprintf(stdout, "export %s dropped\n", d)
		}
		for _, r := range rep.Replaced {
			fmt.Fprintf(stdout, "import %s replaced\n", r)
		}
		for _, cb := range rep.Callbacks {
			fmt.Fprintf(stdout, "callback %s -> table 0 index %d\n", cb.Name, cb.TableIndex)
		}
	}
	fmt.Fprintf(stdout, "%s: %d bytes (%d uncompressed), %d functions, %d -> %d data segments, %v\n",
		*out, len(mod), raw, rep.FuncsAfter, rep.DataBefore, rep.DataAfter, time.Since(start).Round(time.Millisecond))
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// writeFileAtomic writes through a temporary file so a failed run never
// leaves a truncated module behind.
func writeFileAtomic(name string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".icwasm-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

func runValidate(args []string, stdout, stderr io.Writer) (bool, error) {
	if len(args) != 1 {
		return false, errUsage
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		return false, err
	}
	vs := validate.Check(b)
	for _, v := range vs {
		fmt.Fprintf(stdout, "%s: %s\n", args[0], v)
	}
	if len(vs) > 0 {
		fmt.Fprintf(stderr, "%s: %d violations\n", args[0], len(vs))
		return true, nil
	}
	fmt.Fprintf(stdout, "%s: valid IC module\n", args[0])
	return false, nil
}

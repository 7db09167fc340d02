package hygiene

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMakeDownloadHints runs the Makefile's download steps with the network out of reach
// (an empty cache and the package source switched off): each must fail and say what needs
// the network the first time, instead of leaving the user with the tool's raw error.
func TestMakeDownloadHints(t *testing.T) {
	root := repoRoot(t)
	makeBin, err := exec.LookPath("make")
	if err != nil {
		t.Skip("make is not installed")
	}
	frontend := t.TempDir() // a copy of the page's package files, without node_modules
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(root, "frontend", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(frontend, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name  string
		needs string // a tool the step runs
		args  []string
		env   []string
		hints []string
	}{
		{"go modules", "go", []string{"gomod"},
			[]string{"GOMODCACHE=" + t.TempDir(), "GOPROXY=off", "GOTOOLCHAIN=local", "GOFLAGS=-modcacherw"},
			[]string{"downloading the Go modules of canister/ failed", "module proxy (GOPROXY=off)", "later builds need no network"}},
		{"npm packages", "npm", []string{"frontend-deps", "FRONTEND=" + frontend},
			[]string{"npm_config_offline=true", "npm_config_cache=" + t.TempDir()},
			[]string{"npm ci failed", "from the npm registry", "later runs need no network"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := exec.LookPath(tc.needs); err != nil {
				t.Skipf("%s is not installed", tc.needs)
			}
			cmd := exec.Command(makeBin, append([]string{"--no-print-directory", "-C", root}, tc.args...)...)
			for _, kv := range os.Environ() { // not the settings of a make running this test
				if k, _, _ := strings.Cut(kv, "="); k != "MAKEFLAGS" && k != "MFLAGS" && k != "MAKELEVEL" {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			cmd.Env = append(cmd.Env, tc.env...)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("make %s succeeded without the network:\n%s", strings.Join(tc.args, " "), out)
			}
			for _, h := range tc.hints {
				if !strings.Contains(string(out), h) {
					t.Errorf("output lacks %q:\n%s", h, out)
				}
			}
		})
	}
}

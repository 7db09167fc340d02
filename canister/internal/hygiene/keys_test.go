package hygiene

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// repoRoot returns the top of the git checkout holding this package, or skips the test when
// there is none (a source tarball, a module cache copy).
func repoRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Skipf("not in a git checkout (git rev-parse: %v): the tracked-files checks need one", err)
	}
	return strings.TrimSpace(string(out))
}

// pemPrivateKey matches the start of a PEM private key block of any algorithm ("PRIVATE
// KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE
// KEY") followed by its base64 body, so Go source that only names the block type (pem.Block
// literals, string constants) does not count.
var pemPrivateKey = regexp.MustCompile(`-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----\r?\n(?:[A-Za-z0-9-]+: .*\r?\n)*\r?\n?[A-Za-z0-9+/]{16}`)

// inTestdata reports whether a slash-separated repository path lies in a testdata
// directory, where fixed test keys belong.
func inTestdata(path string) bool {
	return slices.Contains(strings.Split(path, "/"), "testdata")
}

func TestNoPrivateKeysTracked(t *testing.T) {
	root := repoRoot(t)
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	if len(files) < 10 {
		t.Fatalf("git ls-files listed %d files; is this the repository?", len(files))
	}
	for _, f := range files {
		if inTestdata(f) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree, not yet committed
			}
			t.Fatalf("%s: %v", f, err)
		}
		if !bytes.Contains(b, []byte("PRIVATE KEY-----")) {
			continue
		}
		if pemPrivateKey.Match(b) {
			t.Errorf("%s is tracked and holds a PEM private key: `git rm --cached %s`, and make whatever wrote it use a temporary directory (keys for tests go in a testdata/ directory)", f, f)
		}
	}
}

func TestPEMPrivateKeyPattern(t *testing.T) {
	key := "-----BEGIN " + "PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n-----END PRIVATE KEY-----\n"
	cases := []struct {
		name, text string
		want       bool
	}{
		{"ed25519 (PKCS#8)", key, true},
		{"EC", strings.ReplaceAll(key, "PRIVATE KEY", "EC PRIVATE KEY"), true},
		{"OpenSSH", strings.ReplaceAll(key, "PRIVATE KEY", "OPENSSH PRIVATE KEY"), true},
		{"CRLF", strings.ReplaceAll(key, "\n", "\r\n"), true},
		{"encrypted PKCS#1 with headers", "-----BEGIN " + "RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF\n\nMIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n", true},
		{"public key", strings.ReplaceAll(key, "PRIVATE KEY", "PUBLIC KEY"), false},
		{"certificate", strings.ReplaceAll(key, "PRIVATE KEY", "CERTIFICATE"), false},
		{"block type named in code", `pem.Encode(w, &pem.Block{Type: "PRIVATE KEY", Bytes: der}) // -----BEGIN ` + `PRIVATE KEY-----"`, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := pemPrivateKey.MatchString(tc.text); got != tc.want {
				t.Errorf("match = %v, want %v", got, tc.want)
			}
		})
	}
	for path, want := range map[string]bool{
		"canister/payments/testdata/key.pem": true, "testdata/a.pem": true,
		"tmp/TestX/002/identity.pem": false, "canister/testdatax/k.pem": false,
	} {
		if got := inTestdata(path); got != want {
			t.Errorf("inTestdata(%q) = %v", path, got)
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStagedIDs(t *testing.T) {
	const old, created = `{"stripe_backend":{"local":"old"}}`, `{"stripe_backend":{"local":"new"}}`
	cases := []struct {
		name           string
		final, pending string // files before the run ("" = absent)
		deployWrites   string // what the deployment leaves in the pending file ("" = untouched)
		publish        bool
		wantFinal      string // after the run
		wantPending    string
	}{
		{"first run, ready", "", "", created, true, created, ""},
		{"first run, stopped before ready", "", "", created, false, "", created},
		{"second run, ready", old, "", "", true, old, ""},
		{"second run, stopped before ready", old, "", "", false, old, ""},
		{"second run, canister replaced, stopped", old, "", created, false, "", created},
		{"after a stopped first run, ready", "", created, "", true, created, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			final, pending := filepath.Join(dir, "canister_ids.json"), filepath.Join(dir, "canister_ids.pending.json")
			write := func(path, s string) {
				if s != "" {
					if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			write(final, tc.final)
			write(pending, tc.pending)
			ids, err := stageIDs(dir)
			if err != nil {
				t.Fatal(err)
			}
			if ids.pending != pending {
				t.Fatalf("pending file %s", ids.pending)
			}
			// While the stack starts, canister_ids.json names nothing.
			if _, err := os.Stat(final); !os.IsNotExist(err) {
				t.Fatalf("canister_ids.json exists while deploying (%v)", err)
			}
			write(pending, tc.deployWrites)
			if tc.publish {
				if err := ids.publish(); err != nil {
					t.Fatal(err)
				}
			}
			ids.abandon()
			for path, want := range map[string]string{final: tc.wantFinal, pending: tc.wantPending} {
				b, err := os.ReadFile(path)
				if got := string(b); got != want || (want == "" && !os.IsNotExist(err)) {
					t.Errorf("%s = %q (%v), want %q", filepath.Base(path), got, err, want)
				}
			}
		})
	}
}

func TestConfigJS(t *testing.T) {
	cases := []struct {
		name  string
		price *linkPrice
		want  []string
	}{
		{"sandbox price", &linkPrice{Amount: 1234, Currency: "usd"}, []string{`amount: 1234,`, `currency: "usd",`}},
		{"unknown price", nil, []string{`amount: null,`, `currency: "",`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			js := configJS("http://127.0.0.1:12111/b/plink_1", tc.price)
			for _, w := range append(tc.want, `paymentLinkUrl: "http://127.0.0.1:12111/b/plink_1",`) {
				if !strings.Contains(js, w) {
					t.Errorf("config.js lacks %q:\n%s", w, js)
				}
			}
		})
	}
	t.Setenv("STRIPE_PAYMENT_AMOUNT", "500")
	t.Setenv("STRIPE_PAYMENT_CURRENCY", "EUR")
	if p := priceFromEnv(); p == nil || *p != (linkPrice{500, "eur"}) {
		t.Errorf("priceFromEnv = %+v", p)
	}
	t.Setenv("STRIPE_PAYMENT_CURRENCY", "")
	if p := priceFromEnv(); p != nil {
		t.Errorf("priceFromEnv without a currency = %+v", p)
	}
}

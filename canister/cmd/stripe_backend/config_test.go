package main

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/gocanister/stripe-ic/canister/payments"
)

// fillConfig sets every field of a payments.Config, found by reflection, to a distinct
// non-zero value: a field added to Config and missing from configFields shows up as a
// difference from json.Marshal.
func fillConfig() payments.Config {
	var c payments.Config
	n := 0
	var fill func(v reflect.Value)
	fill = func(v reflect.Value) {
		n++
		switch v.Kind() {
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				fill(v.Field(i))
			}
		case reflect.String:
			v.SetString("s<&>\u2028" + string(rune('a'+n%26)))
		case reflect.Slice:
			v.Set(reflect.ValueOf([]string{"x", "y\"" + string(rune('a'+n%26))}))
		case reflect.Int, reflect.Int64:
			v.SetInt(int64(n) * 1_000_000_007)
		case reflect.Uint64:
			v.SetUint(1<<63 + uint64(n))
		default:
			panic("fillConfig: add a case for " + v.Type().String())
		}
	}
	fill(reflect.ValueOf(&c).Elem())
	return c
}

func TestConfigJSON(t *testing.T) {
	full := fillConfig()
	empty := payments.Config{WebhookSecrets: []string{}, AllowedPrincipals: nil}
	deployed := payments.Config{APIHost: "api.stripe.com", IdempotentProxy: "https://proxy.example.com/URL_STRIPE",
		WebhookSecrets: []string{"whsec_1"}, Limits: payments.DefaultLimits(), Events: payments.DefaultEventConfig()}
	deployed.Limits.InFlightTimeout = -time.Second
	for _, c := range []payments.Config{{}, full, empty, deployed} {
		want, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		got := encodeConfig(c)
		if !bytes.Equal(got, want) {
			t.Fatalf("encodeConfig:\n%s\njson.Marshal:\n%s", got, want)
		}
		back, err := decodeConfig(got)
		if err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("decodeConfig(encodeConfig(c)) = %+v, %v; want %+v", back, err, c)
		}
	}
}

var configDocs = []string{
	`{}`, `null`, `[]`, `"x"`, `{`, ``,
	`{"APIHost":"a","apihost":"b","APIHOST":"c"}`,
	`{"WebhookSecrets":["a","b"],"WebhookSecrets":[null],"webhooksecrets":["c",null,null]}`,
	`{"WebhookSecrets":["a","b","c"],"WebhookSecrets":["d"],"WebhookSecrets":[null,null,null,null]}`,
	`{"WebhookSecrets":[],"AllowedPrincipals":null}`,
	`{"WebhookSecrets":"a"}`, `{"WebhookSecrets":[1,"b",{}]}`, `{"AllowedPrincipals":[[]]}`,
	`{"Limits":{"WebhookTolerance":1.5},"Events":{"MaxBatch":"x"}}`,
	`{"Limits":{"CyclesReserve":-1}}`, `{"Limits":{"CyclesReserve":18446744073709551616}}`,
	`{"Limits":{"MaxBodyBytes":1},"Limits":{"MaxPending":2},"Limits":null}`,
	`{"Limits":[],"Events":"x"}`, `{"Events":{"RetryMax":true},"APIKey":5}`,
	`{"limits":{"maxbodybytes":7},"events":{"calltimeout":9,"Unknown":[1,{"a":2}]}}`,
	`{"APIHost":"api.stripe.com","APIKey":"","IdempotentProxy":"","ProxyAuthorization":"","WebhookSecrets":null,"AllowedPrincipals":null,"Limits":{"WebhookTolerance":0},"Events":{}}`,
}

func TestDecodeConfigMatchesEncodingJSON(t *testing.T) {
	for _, d := range configDocs {
		compareConfigDecoding(t, []byte(d))
	}
}

// FuzzDecodeConfig: a stored configuration reads as json.Unmarshal read it: the same
// value, or the same error text.
func FuzzDecodeConfig(f *testing.F) {
	for _, d := range configDocs {
		f.Add([]byte(d))
	}
	f.Add(encodeConfig(fillConfig()))
	f.Fuzz(func(t *testing.T, b []byte) {
		compareConfigDecoding(t, b)
	})
}

func compareConfigDecoding(t *testing.T, b []byte) {
	t.Helper()
	var want payments.Config
	werr := json.Unmarshal(b, &want)
	got, gerr := decodeConfig(b)
	switch {
	case werr == nil && gerr == nil:
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: decodeConfig = %+v, json.Unmarshal %+v", b, got, want)
		}
		// Slices that reuse an earlier array must agree on what is beyond their length.
		if cap(got.WebhookSecrets) != cap(want.WebhookSecrets) ||
			!reflect.DeepEqual(got.WebhookSecrets[:cap(got.WebhookSecrets)], want.WebhookSecrets[:cap(want.WebhookSecrets)]) {
			t.Fatalf("%q: WebhookSecrets backing %q, encoding/json %q", b, got.WebhookSecrets[:cap(got.WebhookSecrets)], want.WebhookSecrets[:cap(want.WebhookSecrets)])
		}
	case werr == nil || gerr == nil || gerr.Error() != "stored configuration: "+werr.Error():
		t.Fatalf("%q: decodeConfig error %v, json.Unmarshal %v", b, gerr, werr)
	}
}

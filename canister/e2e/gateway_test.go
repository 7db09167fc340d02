package e2e

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// browser is a plain HTTP client that reaches <anything>.localhost on the replica's port,
// as a browser does on a machine where *.localhost resolves to loopback.
func browser(t testing.TB) (*http.Client, string) {
	t.Helper()
	u, err := url.Parse(shared.url)
	if err != nil {
		t.Fatal(err)
	}
	addr := u.Host
	dial := func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: &http.Transport{DialContext: dial}}, u.Port()
}

func get(t *testing.T, c *http.Client, rawURL string) (int, string) {
	t.Helper()
	resp, err := c.Get(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestGateway(t *testing.T) {
	id := newIdentity(t)
	c := install(t, id, gzipped(t, module(t, "internal/testcanister/web", "web.did")), "()")
	client, port := browser(t)
	certified := "http://" + c.String() + ".localhost:" + port
	raw := "http://" + c.String() + ".raw.localhost:" + port

	t.Run("certified response on the certified domain", func(t *testing.T) {
		if code, body := get(t, client, certified+"/certified"); code != 200 || body != "certified" {
			t.Fatalf("got %d %q", code, body)
		}
	})
	t.Run("uncertified response on the certified domain is a 503", func(t *testing.T) {
		code, body := get(t, client, certified+"/uncertified")
		if code != http.StatusServiceUnavailable || !strings.Contains(strings.ToLower(body), "certif") {
			t.Fatalf("got %d %q, want 503 naming the certification failure", code, body)
		}
	})
	t.Run("uncertified response on the raw domain", func(t *testing.T) {
		if code, body := get(t, client, raw+"/uncertified"); code != 200 || body != "uncertified" {
			t.Fatalf("got %d %q", code, body)
		}
	})
	t.Run("canisterId query parameter", func(t *testing.T) {
		u, _ := url.Parse(shared.url)
		// The gateway forwards path and query unchanged, so the canister sees
		// "/certified?canisterId=..." and answers its (certified) 404.
		if code, body := get(t, client, "http://127.0.0.1:"+u.Port()+"/certified?canisterId="+c.String()); code != 404 || body != "not found" {
			t.Fatalf("got %d %q, want the canister's certified 404", code, body)
		}
	})
	t.Run("upgrade to an update call", func(t *testing.T) {
		_, first := get(t, client, certified+"/upgrade")
		code, second := get(t, client, certified+"/upgrade")
		if code != 200 || !strings.HasPrefix(first, "updated ") || first == second {
			t.Fatalf("got %q then %d %q: the update must run and persist", first, code, second)
		}
	})
	t.Run("request body passes through untouched", func(t *testing.T) {
		payload := []byte{0, 1, 2, 0xff, '\r', '\n', '{', '}'}
		resp, err := client.Post(certified+"/echo", "application/x-test; charset=binary", bytes.NewReader(payload))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !bytes.Equal(got, payload) || resp.Header.Get("X-Echo-Content-Type") != "application/x-test; charset=binary" {
			t.Fatalf("echo = %d %x (content-type %q)", resp.StatusCode, got, resp.Header.Get("X-Echo-Content-Type"))
		}
	})
	t.Run("unknown canister", func(t *testing.T) {
		code, _ := get(t, client, "http://aaaaa-aa.localhost:"+port+"/")
		if code < 400 {
			t.Fatalf("got %d for the management canister's page", code)
		}
	})
}

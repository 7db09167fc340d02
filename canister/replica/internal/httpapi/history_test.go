package httpapi

import (
	"context"
	"errors"
	"testing"
	"time"
)

// recordingBackend keeps the Record of every call it executes, as a durable backend saves it,
// and fails the calls whose method is in failing once (a save that did not succeed).
type recordingBackend struct {
	*fakeBackend
	api     func() *Server
	records []Record
	failing map[string]bool
}

func (b *recordingBackend) Call(ctx context.Context, m Message) (Result, error) {
	res, err := b.fakeBackend.Call(ctx, m)
	if err != nil {
		return res, err
	}
	if b.failing[m.Method] {
		delete(b.failing, m.Method)
		return Result{}, errors.New("saving the canister: disk full")
	}
	b.records = append(b.records, RecordOf(m, res, b.api().RetainUntil(expiryTime(m.IngressExpiry), time.Now())))
	return res, nil
}

func newRecordingEnv(t *testing.T) (*testEnv, *recordingBackend) {
	var b *recordingBackend
	env := newTestEnv(t, func(cfg *Config) {
		b = &recordingBackend{fakeBackend: cfg.Backend.(*fakeBackend), failing: map[string]bool{}}
		cfg.Backend = b
	})
	b.api = func() *Server { return env.api }
	return env, b
}

// TestRestoredHistory: the records a backend saved make a restarted server answer a
// resubmission with the recorded outcome, without executing it again, and report its status.
func TestRestoredHistory(t *testing.T) {
	env, b := newRecordingEnv(t)
	ed := mustEd25519(t)
	body, id := envelope(t, callContent(ed.Sender().Raw, time.Now().Add(time.Minute)), ed, nil)
	if code, resp := post(t, env, callPath, "application/cbor", body); code != 200 {
		t.Fatalf("call: %d %s", code, resp)
	}
	if got := env.backend.lastMessage().Size; got != uint64(len(body)) {
		t.Fatalf("Message.Size = %d, want the envelope's %d bytes", got, len(body))
	}
	if len(b.records) != 1 || b.records[0].RequestID != id {
		t.Fatalf("records %+v", b.records)
	}

	restarted := newTestEnv(t)
	restarted.api.Restore(b.records)
	code, resp := post(t, restarted, callPath, "application/cbor", body)
	if code != 200 {
		t.Fatalf("resubmission after the restart: %d %s", code, resp)
	}
	cert := decodeCallResponse(t, restarted, resp)
	if got := lookupString(t, cert, []byte("request_status"), id[:], []byte("status")); got != "replied" {
		t.Fatalf("status %q", got)
	}
	if got := lookupString(t, cert, []byte("request_status"), id[:], []byte("reply")); got != "DIDL\x00\x01q\x09Hello, a!" {
		t.Fatalf("reply %q", got)
	}
	if n := restarted.backend.executions(id); n != 0 {
		t.Fatalf("the restarted server executed the resubmission %d times", n)
	}
	code, resp = post(t, restarted, "/api/v2/canister/"+testCanister.Encode()+"/read_state", "application/cbor",
		readStateBody(t, ed, ed.Sender().Raw, [][]byte{[]byte("request_status"), id[:]}))
	if code != 200 {
		t.Fatalf("read_state: %d %s", code, resp)
	}

	// A record past its retention is not restored.
	old := b.records[0]
	old.Until = time.Now().Add(-time.Second)
	again := newTestEnv(t)
	again.api.Restore([]Record{old})
	if code, resp := post(t, again, callPath, "application/cbor", body); code != 200 || again.backend.executions(id) != 1 {
		t.Fatalf("a call whose record expired: %d %s, %d executions", code, resp, again.backend.executions(id))
	}
}

// TestUnsavedCallIsNotAcknowledged: when the backend fails (its save did not succeed) the
// caller gets an error, and the request id is forgotten: a resubmission runs again.
func TestUnsavedCallIsNotAcknowledged(t *testing.T) {
	env, b := newRecordingEnv(t)
	b.failing["greet"] = true
	ed := mustEd25519(t)
	body, id := envelope(t, callContent(ed.Sender().Raw, time.Now().Add(time.Minute)), ed, nil)
	if code, resp := post(t, env, callPath, "application/cbor", body); code != 500 {
		t.Fatalf("a call the backend could not save: %d %s, want 500", code, resp)
	}
	if code, resp := post(t, env, callPath, "application/cbor", body); code != 200 {
		t.Fatalf("resubmission: %d %s", code, resp)
	}
	if n := env.backend.executions(id); n != 2 || len(b.records) != 1 {
		t.Fatalf("%d executions and %d records, want 2 and 1", n, len(b.records))
	}
}

func TestRetainUntil(t *testing.T) {
	env := newTestEnv(t)
	now := time.Unix(1_700_000_000, 0)
	for _, tt := range []struct {
		expiry, finished, want time.Time
	}{
		// expiry plus the permitted drift (1 min) ...
		{now.Add(4 * time.Minute), now.Add(-2 * time.Minute), now.Add(5 * time.Minute)},
		// ... and at least MaxIngressTTL (5 min) after completion.
		{now.Add(time.Minute), now, now.Add(5 * time.Minute)},
	} {
		if got := env.api.RetainUntil(tt.expiry, tt.finished); !got.Equal(tt.want) {
			t.Errorf("RetainUntil(%v, %v) = %v, want %v", tt.expiry, tt.finished, got, tt.want)
		}
	}
}

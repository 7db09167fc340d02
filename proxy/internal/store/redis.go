package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Store shared by several proxy instances. One Redis key per idempotency key holds
// the claim ("P" + fingerprint + owner token: the in-flight marker, set before the upstream
// call), the answer ("D" + fingerprint + record) or the tombstone of a claim released before
// its call was sent ("X"). Every operation is one Lua script, so it is atomic on the server.
//
// Surviving a Redis restart (with or without persistence), a failover or a flush:
//
//   - Epoch. The key <prefix>epoch holds "<id> <run_id> <quarantine end>": a random id, the
//     run_id of the Redis process it was written in, and when its quarantine ends (Redis
//     time). Every script first checks that the epoch is still the one this instance works
//     in and that Redis's run_id is unchanged, so a restarted, failed-over or emptied Redis is
//     noticed by the very operation that would claim a key before its upstream call.
//   - Journal. Each instance remembers, in memory, the claims it holds and the answers it
//     produced (for as long as they are kept in Redis).
//   - Recovery. An instance that notices a stale epoch starts a new one (or joins the one
//     another instance started) and first writes its journal back: its in-flight markers and
//     its answers return to Redis. A background check every second makes idle instances do
//     the same.
//   - Quarantine. A new epoch starts with a quarantine (Quarantine, 15 s by default, longer
//     than it takes every running instance to notice and write back). During it a key found
//     in Redis is served as usual, but a key not found is not claimed: its request waits
//     until the quarantine ends, because the key may be one whose marker was lost and is
//     about to be written back. A waiter that saw a claim vanish is refused (ErrStateLost)
//     rather than allowed to claim.
//
// The guarantee that results is stated in proxy/README.md ("Store failures").
type Redis struct {
	client     *redis.Client
	prefix     string
	epochKey   string
	poll       time.Duration
	quarantine time.Duration
	onEpoch    func(EpochChange)

	// mu is held shared by every operation and exclusively by recover, so a journal write
	// back never interleaves with a claim or an answer being recorded.
	mu      sync.RWMutex
	epoch   string // the epoch id this instance works in; "" before its first contact
	journal *journal

	stop chan struct{}
	done chan struct{}
}

// EpochChange reports that an instance began working in another epoch: Redis was new to it,
// or lost or may have lost its data (restart, failover, flush).
type EpochChange struct {
	ID      string
	Created bool // this instance started the epoch (else it joined one another started)
	// Quarantine is how long new keys still wait (0 if the epoch's quarantine is over).
	Quarantine time.Duration
	// Restored counts the journal entries (claims and answers) written back.
	Restored int
}

const (
	statePending = 'P'
	stateDone    = 'D'
)

// luaPrelude is shared by the scripts that act in the caller's epoch: KEYS[1] is the epoch
// key and ARGV[1] the epoch id the caller works in.
const luaPrelude = `
local function run_id()
  local info = redis.pcall('INFO', 'server')
  if type(info) ~= 'string' then return '' end
  return string.match(info, 'run_id:(%x+)') or ''
end
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- current returns the end of the epoch's quarantine (ms, Redis time) if the caller's epoch
-- is still the current one and Redis has not restarted since it began; nil otherwise.
local function current()
  local e = redis.call('GET', KEYS[1])
  if not e then return nil end
  local id, run, q = string.match(e, '^(%S+) (%S*) (%d+)$')
  if id ~= ARGV[1] or run ~= run_id() then return nil end
  return tonumber(q)
end
`

// beginScript (KEYS[2] the key, ARGV[2] the claim, ARGV[3] lock ms) returns {'E'} for a stale
// epoch, {'V', value, pttl} for a value to wait on or replay, {'Q', ms} while a missing key
// must wait for the quarantine to end, or {'C', 0|1} after claiming a missing key (0) or one
// holding a tombstone (1).
var beginScript = redis.NewScript(luaPrelude + `
local q = current()
if not q then return {'E'} end
local v = redis.call('GET', KEYS[2])
if v and v ~= 'X' then return {'V', v, redis.call('PTTL', KEYS[2])} end
if not v then
  local now = now_ms()
  if now < q then return {'Q', q - now} end
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
if v then return {'C', 1} end
return {'C', 0}`)

// completeScript (ARGV[2] the claim, ARGV[3] the answer, ARGV[4] ms) replaces the caller's
// claim by the answer: 1; 2 if the key already holds this very answer; 0 if the claim is
// gone; -1 for a stale epoch.
var completeScript = redis.NewScript(luaPrelude + `
if not current() then return -1 end
local v = redis.call('GET', KEYS[2])
if v == ARGV[2] then
  redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
  return 1
end
if v == ARGV[3] then return 2 end
return 0`)

// abandonScript (ARGV[2] the claim, ARGV[3] ms) replaces the caller's claim by a tombstone
// that lives as long as the claim could have: waiters then know the key was released, not
// lost (see Begin). -1 for a stale epoch.
var abandonScript = redis.NewScript(luaPrelude + `
if not current() then return -1 end
if redis.call('GET', KEYS[2]) == ARGV[2] then
  redis.call('SET', KEYS[2], 'X', 'PX', ARGV[3])
  return 1
end
return 0`)

// checkScript returns 1 if the caller's epoch is current, -1 if not.
var checkScript = redis.NewScript(luaPrelude + `
if not current() then return -1 end
return 1`)

// epochScript (KEYS[1] the epoch key, ARGV[1] a fresh id, ARGV[2] quarantine ms) returns the
// current epoch if it began in this Redis process, and otherwise starts a new one.
var epochScript = redis.NewScript(luaPrelude + `
local run = run_id()
local e = redis.call('GET', KEYS[1])
if e then
  local id, r = string.match(e, '^(%S+) (%S*) %d+$')
  if id and r == run then return e end
end
local v = ARGV[1] .. ' ' .. run .. ' ' .. string.format('%d', now_ms() + tonumber(ARGV[2]))
redis.call('SET', KEYS[1], v)
return v`)

// restoreScript (KEYS[1] the key, ARGV[1] the value, ARGV[2] ms, ARGV[3] the instance's claim)
// writes a journal entry back unless the key now holds someone else's value.
var restoreScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v or v == ARGV[3] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`)

// errEpoch: the script found the caller's epoch stale; recover and retry.
var errEpoch = errors.New("redis epoch changed")

// RedisOptions configure NewRedis.
type RedisOptions struct {
	// URL is redis://[user:pass@]host:port[/db] or rediss://...; a bare host:port is accepted
	// as the reference proxy's REDIS_URL is.
	URL string
	// Prefix namespaces the keys (default "idempotent-proxy:").
	Prefix string
	// PollInterval is how often a waiting duplicate looks for the answer (default 100ms).
	PollInterval time.Duration
	// Timeout bounds each Redis command and connection attempt (default 1s), so a dead Redis
	// turns into a quick error instead of a hanging request.
	Timeout time.Duration
	// Quarantine is how long a new epoch keeps missing keys unclaimed (default 15s); see Redis.
	Quarantine time.Duration
	// JournalMaxKeys and JournalMaxBytes bound this instance's journal (0: unlimited). When it
	// is full a new key is refused with ErrFull: a key that could not be written back after
	// a loss is not executed.
	JournalMaxKeys  int
	JournalMaxBytes int64
	// OnEpoch, if set, is told when the instance begins working in another epoch.
	OnEpoch func(EpochChange)
}

// NewRedis connects lazily to Redis; use Ping to check it is reachable. Close stops its
// background epoch check.
func NewRedis(o RedisOptions) (*Redis, error) {
	u := o.URL
	if !strings.Contains(u, "://") {
		u = "redis://" + u
	}
	opt, err := redis.ParseURL(u)
	if err != nil {
		return nil, fmt.Errorf("parse REDIS_URL: %w", err)
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Second
	}
	opt.DialTimeout = o.Timeout
	opt.ReadTimeout = o.Timeout
	opt.WriteTimeout = o.Timeout
	opt.MaxRetries = 1
	// One dial attempt per command: with Redis down a request fails fast with 503 instead of
	// retrying for half a second.
	opt.DialerRetries = 1
	opt.DialerRetryTimeout = 10 * time.Millisecond
	opt.DisableIdentity = true
	if o.Prefix == "" {
		o.Prefix = "idempotent-proxy:"
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 100 * time.Millisecond
	}
	if o.Quarantine <= 0 {
		o.Quarantine = 15 * time.Second
	}
	r := &Redis{
		client: redis.NewClient(opt), prefix: o.Prefix, epochKey: o.Prefix + "epoch",
		poll: o.PollInterval, quarantine: o.Quarantine, onEpoch: o.OnEpoch,
		journal: newJournal(o.JournalMaxKeys, o.JournalMaxBytes),
		stop:    make(chan struct{}), done: make(chan struct{}),
	}
	// Often enough to notice a new epoch well within its quarantine; not so often that a
	// Redis that is down trips go-redis's dial circuit breaker (it then fails every command
	// for up to a second after Redis is back).
	go r.watch(min(max(o.Quarantine/4, 100*time.Millisecond), time.Second))
	return r, nil
}

// watch checks the epoch periodically, so an idle instance writes its journal back within
// the quarantine too, and forgets expired journal entries.
func (r *Redis) watch(every time.Duration) {
	defer close(r.done)
	t := time.NewTicker(every)
	defer t.Stop()
	var next time.Time // while Redis is down, checks back off to a few seconds apart
	backoff := every
	for {
		select {
		case <-r.stop:
			return
		case now := <-t.C:
			r.journal.sweep(now)
			if now.Before(next) {
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), every)
			err := r.Ping(ctx)
			cancel()
			if err == nil {
				backoff = every
			} else {
				backoff = min(2*backoff, 2*time.Second)
			}
			next = now.Add(backoff - every/2)
		}
	}
}

// inEpoch runs op (one script call) in the current epoch, holding mu shared; when op reports
// a stale epoch, it recovers and runs op again.
func (r *Redis) inEpoch(ctx context.Context, op func(epoch string) error) error {
	for attempt := 0; ; attempt++ {
		r.mu.RLock()
		err := op(r.epoch)
		r.mu.RUnlock()
		if !errors.Is(err, errEpoch) {
			return err
		}
		if attempt == 3 {
			return fmt.Errorf("redis epoch keeps changing: %w", ErrStateLost)
		}
		if err := r.recover(ctx); err != nil {
			return err
		}
	}
}

// recover moves this instance to the current epoch (starting one if Redis has none that
// began in its current process) after writing its journal back into it.
func (r *Redis) recover(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	fresh := newToken()
	v, err := epochScript.Run(ctx, r.client, []string{r.epochKey}, fresh, ms(r.quarantine)).Text()
	if err != nil {
		return fmt.Errorf("redis epoch: %w", err)
	}
	id, until, err := parseEpoch(v)
	if err != nil {
		return err
	}
	if id == r.epoch {
		return nil // another operation of this instance got here first
	}
	n, err := r.restore(ctx)
	if err != nil {
		return err // the epoch stays stale for us: the next operation tries again
	}
	r.epoch = id
	if r.onEpoch != nil {
		var now time.Time
		if t, err := r.client.Time(ctx).Result(); err == nil {
			now = t
		} else {
			now = time.Now()
		}
		r.onEpoch(EpochChange{ID: id, Created: id == fresh, Quarantine: max(until.Sub(now), 0), Restored: n})
	}
	return nil
}

func parseEpoch(v string) (id string, quarantineEnd time.Time, err error) {
	f := strings.Split(v, " ")
	if len(f) != 3 || f[0] == "" {
		return "", time.Time{}, fmt.Errorf("redis epoch %q: %w", v, errCorrupt)
	}
	ms, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("redis epoch %q: %w", v, errCorrupt)
	}
	return f[0], time.UnixMilli(ms), nil
}

// restore writes the journal back; the caller holds mu exclusively.
func (r *Redis) restore(ctx context.Context) (int, error) {
	entries := r.journal.snapshot(time.Now())
	const batch = 500
	n := 0
	for len(entries) > 0 {
		chunk := entries[:min(batch, len(entries))]
		entries = entries[len(chunk):]
		pipe := r.client.Pipeline()
		for _, e := range chunk {
			restoreScript.Eval(ctx, pipe, []string{r.prefix + e.key}, e.value, ms(e.ttl), e.claim)
		}
		cmds, err := pipe.Exec(ctx)
		if err != nil {
			return n, fmt.Errorf("redis write journal back: %w", err)
		}
		for _, c := range cmds {
			if v, _ := c.(*redis.Cmd).Int64(); v == 1 {
				n++
			}
		}
	}
	return n, nil
}

func ms(d time.Duration) string { return strconv.FormatInt(max(d.Milliseconds(), 1), 10) }

func pendingValue(fp Fingerprint, token string) string {
	return string(rune(statePending)) + string(fp[:]) + token
}

// beginReply is a decoded beginScript reply.
type beginReply struct {
	kind          byte // 'V', 'Q' or 'C'
	value         string
	ms            int64 // PTTL of the value, or quarantine left
	overTombstone bool
}

func parseBeginReply(reply any) (beginReply, error) {
	res, ok := reply.([]any)
	if !ok || len(res) == 0 {
		return beginReply{}, fmt.Errorf("%w: script returned %T", errCorrupt, reply)
	}
	kind, _ := res[0].(string)
	switch {
	case kind == "E":
		return beginReply{}, errEpoch
	case kind == "V" && len(res) == 3:
		v, ok1 := res[1].(string)
		pttl, ok2 := res[2].(int64)
		if ok1 && ok2 {
			return beginReply{kind: 'V', value: v, ms: pttl}, nil
		}
	case (kind == "Q" || kind == "C") && len(res) == 2:
		if n, ok := res[1].(int64); ok {
			return beginReply{kind: kind[0], ms: n, overTombstone: n == 1}, nil
		}
	}
	return beginReply{}, fmt.Errorf("%w: script returned %v", errCorrupt, res)
}

// Begin implements Store.
//
// A waiter remembers when the claim it waits on would expire at the latest. If the key
// vanishes before that, without an answer or a tombstone, and no instance writes it back
// during the quarantine, Redis lost the claim while the first request may still be
// executing: Begin then returns ErrStateLost instead of executing a second time, and the
// claim it just took keeps the key blocked until the original claim would have expired.
func (r *Redis) Begin(ctx context.Context, key string, fp Fingerprint, lockTTL time.Duration) (Claim, error) {
	rkey := r.prefix + key
	mine := pendingValue(fp, newToken())
	var pendingUntil time.Time
	waiting := false // we saw another request's claim: keep waiting through Redis errors
	for {
		var rep beginReply
		claimedAt := time.Now()
		err := r.inEpoch(ctx, func(epoch string) error {
			reply, err := beginScript.Run(ctx, r.client, []string{r.epochKey, rkey}, epoch, mine, ms(lockTTL)).Result()
			if err != nil {
				return fmt.Errorf("redis claim: %w", err)
			}
			if rep, err = parseBeginReply(reply); err != nil {
				return err
			}
			if rep.kind == 'C' || (rep.kind == 'V' && rep.value == mine) {
				// Journaled under mu, before the call is sent: a recovery either sees the claim
				// or runs before it (and then the claim was made in the new epoch).
				if err := r.journal.claim(key, mine, lockTTL); err != nil {
					// Never sent: release at once.
					_ = abandonScript.Run(ctx, r.client, []string{r.epochKey, rkey}, epoch, mine, ms(lockTTL)).Err()
					return err
				}
			}
			return nil
		})
		if err != nil {
			if waiting && ctx.Err() == nil && !errors.Is(err, ErrFull) && !errors.Is(err, ErrStateLost) && !errors.Is(err, errCorrupt) {
				// Redis is restarting or failing over; the first request will still store its
				// answer (Complete retries too), so its duplicates wait for it rather than fail.
				if err := sleep(ctx, r.poll); err != nil {
					return Claim{}, err
				}
				continue
			}
			return Claim{}, err
		}
		owned := Claim{key: key, fp: fp, token: mine, lockTTL: lockTTL, until: claimedAt.Add(lockTTL)}
		switch rep.kind {
		case 'C':
			if !rep.overTombstone && !pendingUntil.IsZero() && time.Now().Before(pendingUntil) {
				return Claim{}, fmt.Errorf("key %q: %w", key, ErrStateLost)
			}
			return owned, nil
		case 'Q':
			if err := sleep(ctx, min(r.poll, time.Duration(rep.ms)*time.Millisecond)); err != nil {
				return Claim{}, err
			}
			continue
		}
		v := rep.value
		if v == mine {
			// Our own claim: set by an attempt whose reply was lost, or written back by a
			// recovery that ran while we claimed.
			return owned, nil
		}
		if len(v) < 1+len(fp) {
			return Claim{}, fmt.Errorf("redis value of %q: %w: too short", key, errCorrupt)
		}
		if !bytes.Equal([]byte(v[1:1+len(fp)]), fp[:]) {
			return Claim{}, ErrMismatch
		}
		switch v[0] {
		case stateDone:
			var rec Record
			if err := rec.UnmarshalBinary([]byte(v[1+len(fp):])); err != nil {
				return Claim{}, fmt.Errorf("redis value of %q: %w", key, err)
			}
			return Claim{Record: &rec, key: key, fp: fp}, nil
		case statePending:
			waiting = true
			if rep.ms > 0 {
				// Less one poll interval: our clock reads the lifetime a little late.
				pendingUntil = time.Now().Add(time.Duration(rep.ms)*time.Millisecond - r.poll)
			}
			if err := sleep(ctx, r.poll); err != nil {
				return Claim{}, err
			}
		default:
			return Claim{}, fmt.Errorf("redis value of %q: %w: state %q", key, errCorrupt, v[0])
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for the first request with this key: %w", ctx.Err())
	}
}

// Complete implements Store. The answer is journaled first, then stored; while Redis is
// unreachable Complete keeps trying until ctx ends (the handler passes the claim's
// deadline), because an answer that is not stored leaves duplicates nothing to replay.
func (r *Redis) Complete(ctx context.Context, c Claim, rec Record, ttl time.Duration) error {
	b, err := rec.MarshalBinary()
	if err != nil {
		return err
	}
	val := make([]byte, 0, 1+len(c.fp)+len(b))
	val = append(val, stateDone)
	val = append(val, c.fp[:]...)
	val = append(val, b...)
	answer := string(val)
	attempts := 0
	backoff := 20 * time.Millisecond
	for {
		var n int64
		err := r.inEpoch(ctx, func(epoch string) error {
			if attempts++; attempts == 1 {
				// Journaled under mu: a recovery that writes it back runs before our first
				// attempt or after it, never unnoticed between the two (see reply 2).
				r.journal.answer(c.key, c.token, answer, ttl)
			}
			res, err := completeScript.Run(ctx, r.client, []string{r.epochKey, r.prefix + c.key}, epoch,
				c.token, answer, ms(ttl)).Int64()
			if err != nil {
				return fmt.Errorf("redis store answer: %w", err)
			}
			if res == -1 {
				return errEpoch
			}
			n = res
			return nil
		})
		switch {
		case err == nil && n == 1:
			return nil
		case err == nil && n == 2 && attempts > 1:
			return nil // stored by an earlier attempt or written back from the journal
		case err == nil && n == 2:
			return ErrLockLost // completed before: this claim has nothing left to store
		case err == nil:
			r.journal.drop(c.key, c.token)
			return ErrLockLost
		case errors.Is(err, ErrFull) || errors.Is(err, ErrStateLost):
			return err
		}
		if serr := sleep(ctx, backoff); serr != nil {
			return err
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

// Abandon implements Store.
func (r *Redis) Abandon(ctx context.Context, c Claim) error {
	r.journal.drop(c.key, c.token)
	return r.inEpoch(ctx, func(epoch string) error {
		res, err := abandonScript.Run(ctx, r.client, []string{r.epochKey, r.prefix + c.key}, epoch, c.token, ms(c.lockTTL)).Int64()
		if err != nil {
			return fmt.Errorf("redis release claim: %w", err)
		}
		if res == -1 {
			return errEpoch
		}
		return nil
	})
}

// Ping implements Store: Redis answers, and this instance works in its current epoch.
func (r *Redis) Ping(ctx context.Context) error {
	return r.inEpoch(ctx, func(epoch string) error {
		res, err := checkScript.Run(ctx, r.client, []string{r.epochKey}, epoch).Int64()
		if err != nil {
			return fmt.Errorf("redis ping: %w", err)
		}
		if res == -1 {
			return errEpoch
		}
		return nil
	})
}

// Close implements Store.
func (r *Redis) Close() error {
	select {
	case <-r.stop:
	default:
		close(r.stop)
		<-r.done
	}
	return r.client.Close()
}

// journal is what one instance remembers of the keys it executes: its in-flight claims and
// its answers, to write back into Redis after Redis lost them.
type journal struct {
	mu       sync.Mutex
	entries  map[string]journalEntry
	bytes    int64
	maxKeys  int
	maxBytes int64
}

type journalEntry struct {
	claim   string // the instance's claim value for the key
	value   string // what the key should hold: the claim while executing, then the answer
	expires time.Time
}

// journalSnap is a journal entry with its remaining lifetime.
type journalSnap struct {
	key, claim, value string
	ttl               time.Duration
}

func newJournal(maxKeys int, maxBytes int64) *journal {
	return &journal{entries: map[string]journalEntry{}, maxKeys: maxKeys, maxBytes: maxBytes}
}

func (j *journal) full() bool {
	return (j.maxKeys > 0 && len(j.entries) >= j.maxKeys) || (j.maxBytes > 0 && j.bytes >= j.maxBytes)
}

// claim records a new claim; ErrFull when the journal holds its maximum.
func (j *journal) claim(key, claim string, ttl time.Duration) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if old, ok := j.entries[key]; ok && old.claim == claim {
		return nil
	}
	if j.full() {
		j.sweepLocked(time.Now())
		if j.full() {
			return fmt.Errorf("journal of %d keys, %d bytes: %w", len(j.entries), j.bytes, ErrFull)
		}
	}
	j.setLocked(key, journalEntry{claim: claim, value: claim, expires: time.Now().Add(ttl)})
	return nil
}

// answer records the answer of a claim (beyond the byte budget: an answer whose call ran is
// always kept, as the memory store does).
func (j *journal) answer(key, claim, value string, ttl time.Duration) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if old, ok := j.entries[key]; ok && old.claim != claim {
		return
	}
	j.setLocked(key, journalEntry{claim: claim, value: value, expires: time.Now().Add(ttl)})
}

func (j *journal) setLocked(key string, e journalEntry) {
	if old, ok := j.entries[key]; ok {
		j.bytes -= int64(len(old.value))
	}
	j.entries[key] = e
	j.bytes += int64(len(e.value))
}

// drop forgets a key if it still holds this claim.
func (j *journal) drop(key, claim string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if old, ok := j.entries[key]; ok && old.claim == claim {
		delete(j.entries, key)
		j.bytes -= int64(len(old.value))
	}
}

func (j *journal) sweep(now time.Time) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.sweepLocked(now)
}

func (j *journal) sweepLocked(now time.Time) {
	for k, e := range j.entries {
		if !now.Before(e.expires) {
			delete(j.entries, k)
			j.bytes -= int64(len(e.value))
		}
	}
}

func (j *journal) snapshot(now time.Time) []journalSnap {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make([]journalSnap, 0, len(j.entries))
	for k, e := range j.entries {
		if ttl := e.expires.Sub(now); ttl > 0 {
			out = append(out, journalSnap{key: k, claim: e.claim, value: e.value, ttl: ttl})
		}
	}
	return out
}

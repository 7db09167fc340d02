package store

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Store shared by several proxy instances. One Redis key per idempotency key holds
// the claim ("P" + fingerprint + owner token, expiring after the lock TTL), the answer ("D" +
// fingerprint + record, expiring after the answer TTL) or the tombstone of an abandoned
// claim ("X"). Claims and completions
// are Lua scripts, so each is one atomic step on the server.
type Redis struct {
	client *redis.Client
	prefix string
	poll   time.Duration
}

const (
	statePending = 'P'
	stateDone    = 'D'
)

// beginScript returns the current value and its remaining lifetime (ms), or claims the free
// key and returns 0 (the key was missing) or 1 (it held a tombstone: an abandoned claim).
var beginScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and v ~= 'X' then return {v, redis.call('PTTL', KEYS[1])} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if v then return 1 end
return 0`)

// completeScript replaces the caller's own claim by the answer; 0 if the claim is gone.
var completeScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0`)

// abandonScript replaces the caller's own claim by a tombstone that lives as long as the
// claim could have: waiters then know the key was released, not lost (see Begin).
var abandonScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], 'X', 'PX', ARGV[2])
  return 1
end
return 0`)

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
}

// NewRedis connects lazily to Redis; use Ping to check it is reachable.
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
	return &Redis{client: redis.NewClient(opt), prefix: o.Prefix, poll: o.PollInterval}, nil
}

func pendingValue(fp Fingerprint, token string) string {
	return string(rune(statePending)) + string(fp[:]) + token
}

// Begin implements Store.
//
// A waiter remembers when the claim it waits on would expire at the latest. If the key
// vanishes before that, without an answer or a tombstone, Redis lost its state (a restart
// without persistence, a failover, an eviction) while the first request may still be
// executing: Begin then returns ErrStateLost instead of executing a second time, and the
// claim it just took keeps the key quarantined until the original claim would have expired.
func (r *Redis) Begin(ctx context.Context, key string, fp Fingerprint, lockTTL time.Duration) (Claim, error) {
	rkey := r.prefix + key
	token := newToken()
	mine := pendingValue(fp, token)
	ttl := strconv.FormatInt(max(lockTTL.Milliseconds(), 1), 10)
	var pendingUntil time.Time
	for {
		res, err := beginScript.Run(ctx, r.client, []string{rkey}, mine, ttl).Result()
		if err != nil {
			return Claim{}, fmt.Errorf("redis claim: %w", err)
		}
		if overTombstone, ok := res.(int64); ok {
			if overTombstone == 0 && !pendingUntil.IsZero() && time.Now().Before(pendingUntil) {
				return Claim{}, fmt.Errorf("key %q: %w", key, ErrStateLost)
			}
			return Claim{key: key, fp: fp, token: mine, lockTTL: lockTTL}, nil
		}
		v, pttl, err := parseBeginResult(res)
		if err != nil {
			return Claim{}, fmt.Errorf("redis value of %q: %w", key, err)
		}
		if v == mine {
			// Our own claim, set by an attempt whose reply was lost and retried.
			return Claim{key: key, fp: fp, token: mine, lockTTL: lockTTL}, nil
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
			if pttl > 0 {
				// Less one poll interval: our clock reads the lifetime a little late.
				pendingUntil = time.Now().Add(time.Duration(pttl)*time.Millisecond - r.poll)
			}
			t := time.NewTimer(r.poll)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return Claim{}, fmt.Errorf("wait for the first request with this key: %w", ctx.Err())
			}
		default:
			return Claim{}, fmt.Errorf("redis value of %q: %w: state %q", key, errCorrupt, v[0])
		}
	}
}

func parseBeginResult(reply any) (string, int64, error) {
	res, ok := reply.([]any)
	if !ok || len(res) != 2 {
		return "", 0, fmt.Errorf("%w: script returned %T", errCorrupt, reply)
	}
	v, ok1 := res[0].(string)
	pttl, ok2 := res[1].(int64)
	if !ok1 || !ok2 {
		return "", 0, fmt.Errorf("%w: script returned %T, %T", errCorrupt, res[0], res[1])
	}
	return v, pttl, nil
}

// Complete implements Store.
func (r *Redis) Complete(ctx context.Context, c Claim, rec Record, ttl time.Duration) error {
	b, err := rec.MarshalBinary()
	if err != nil {
		return err
	}
	val := make([]byte, 0, 1+len(c.fp)+len(b))
	val = append(val, stateDone)
	val = append(val, c.fp[:]...)
	val = append(val, b...)
	n, err := completeScript.Run(ctx, r.client, []string{r.prefix + c.key}, c.token, val,
		strconv.FormatInt(max(ttl.Milliseconds(), 1), 10)).Int()
	if err != nil {
		return fmt.Errorf("redis store answer: %w", err)
	}
	if n != 1 {
		return ErrLockLost
	}
	return nil
}

// Abandon implements Store.
func (r *Redis) Abandon(ctx context.Context, c Claim) error {
	ttl := strconv.FormatInt(max(c.lockTTL.Milliseconds(), 1), 10)
	if err := abandonScript.Run(ctx, r.client, []string{r.prefix + c.key}, c.token, ttl).Err(); err != nil {
		return fmt.Errorf("redis release claim: %w", err)
	}
	return nil
}

// Ping implements Store.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis ping: %w", err)
	}
	return nil
}

// Close implements Store.
func (r *Redis) Close() error { return r.client.Close() }

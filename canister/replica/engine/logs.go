package engine

import (
	"bytes"

	"github.com/aviate-labs/agent-go/principal"
)

// LogRecord is one canister log record (fetch_canister_logs): a debug_print of a replicated
// execution, or the message of a trap.
type LogRecord struct {
	Idx            uint64
	TimestampNanos uint64
	Content        []byte
}

// logRecordOverhead is what a record costs in the log memory besides its content (its index
// and timestamp), so that the limit bounds the records' number too.
const logRecordOverhead = 16

// appendLog records a log line of an execution at time t. Logs are not rolled back with the
// execution: a trap's debug output and message are what logs are for. The oldest records
// go when the canister's log memory limit is reached.
func (c *canister) appendLog(t uint64, content []byte) {
	if c.settings.LogMemoryLimit == 0 {
		return
	}
	if max := int(c.settings.LogMemoryLimit) - logRecordOverhead; max >= 0 && len(content) > max {
		content = content[:max]
	}
	c.logs = append(c.logs, LogRecord{Idx: c.nextLogIdx, TimestampNanos: t, Content: bytes.Clone(content)})
	c.nextLogIdx++
	c.trimLogs()
	c.e.committed(c)
}

// trimLogs drops the oldest records beyond the log memory limit.
func (c *canister) trimLogs() {
	var size uint64
	keep := len(c.logs)
	for i := len(c.logs) - 1; i >= 0; i-- {
		size += uint64(len(c.logs[i].Content)) + logRecordOverhead
		if size > c.settings.LogMemoryLimit {
			break
		}
		keep = i
	}
	if keep > 0 {
		c.logs = append(c.logs[:0], c.logs[keep:]...)
	}
}

// Logs returns a canister's log records, oldest first, if caller may read them (log
// visibility); ok is false otherwise.
func (e *Engine) Logs(id, caller principal.Principal) (records []LogRecord, ok bool, err error) {
	c, err := e.get(id)
	if err != nil {
		return nil, false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.settings.LogVisibility.Allows(caller, c.isController(caller.Raw)) {
		return nil, false, nil
	}
	out := make([]LogRecord, len(c.logs))
	for i, r := range c.logs {
		out[i] = LogRecord{Idx: r.Idx, TimestampNanos: r.TimestampNanos, Content: bytes.Clone(r.Content)}
	}
	return out, true, nil
}

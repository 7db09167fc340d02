// Command goprog is a small canister written against the raw ABI (no CDK):
// the wasm and link tests build it with GOOS=wasip1 -buildmode=c-shared, link
// it and run it in wazero with a fake ic0 host. Each export exercises one
// part of the ABI: placeholder renames, the WASI replacements and callbacks.
package main

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"time"
	"unsafe"
)

//go:wasmimport ic0 msg_reply_data_append
func msgReplyDataAppend(src unsafe.Pointer, size uint32)

//go:wasmimport ic0 msg_reply
func msgReply()

//go:wasmimport ic0 debug_print
func debugPrint(src unsafe.Pointer, size uint32)

//go:wasmimport icwasm callback.on_reply
func onReplyIndex() uint32

//go:wasmimport icwasm callback.on_reject
func onRejectIndex() uint32

//go:wasmimport icwasm random_seed
func randomSeed(seed uint64)

func reply(s string) {
	b := []byte(s)
	if len(b) > 0 {
		msgReplyDataAppend(unsafe.Pointer(&b[0]), uint32(len(b)))
	}
	msgReply()
}

var (
	initRuns  int
	lastEnv   uint32
	lastEnvBy string
)

//go:wasmexport system.init
func canisterInit() {
	initRuns++
	msg := "init ran"
	debugPrint(unsafe.Pointer(unsafe.StringData(msg)), uint32(len(msg)))
}

//go:wasmexport query.greet
func greet() { reply("hello from go") }

//go:wasmexport query.init_runs
func initRunsQuery() { reply(strconv.Itoa(initRuns)) }

//go:wasmexport update.random
func random() {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		reply("error: " + err.Error())
		return
	}
	reply(hex.EncodeToString(b))
}

//go:wasmexport update.seed
func seed() { randomSeed(42) }

//go:wasmexport query.now
func now() { reply(strconv.FormatInt(time.Now().UnixNano(), 10)) }

//go:wasmexport update.print
func print() {
	fmt.Println("printed by fmt")
	fmt.Fprintln(os.Stderr, "to stderr")
	reply("ok")
}

// sleep waits for a goroutine that sleeps: the runtime would have to block
// in poll_oneoff, which a canister cannot do.
//
//go:wasmexport update.sleep
func sleep() {
	ch := make(chan int)
	go func() {
		time.Sleep(time.Hour)
		ch <- 1
	}()
	<-ch
	reply("woke up")
}

// shortSleep waits for a goroutine sleeping 1 ms: time does not pass
// during an execution, so this must trap too (not spin to the instruction
// limit).
//
//go:wasmexport update.short_sleep
func shortSleep() {
	ch := make(chan int)
	go func() {
		time.Sleep(time.Millisecond)
		ch <- 1
	}()
	<-ch
	reply("woke up")
}

//go:wasmexport update.panic
func panicking() {
	var m map[string]int
	m["x"] = 1
}

//go:wasmexport update.exit
func exit() { os.Exit(3) }

//go:wasmexport query.callback_indices
func callbackIndices() {
	reply(strconv.FormatUint(uint64(onReplyIndex()), 10) + "," + strconv.FormatUint(uint64(onRejectIndex()), 10))
}

//go:wasmexport callback.on_reply
func onReply(env uint32) { lastEnv, lastEnvBy = env, "reply" }

//go:wasmexport callback.on_reject
func onReject(env uint32) { lastEnv, lastEnvBy = env, "reject" }

//go:wasmexport composite_query.last_env
func lastEnvQuery() { reply(lastEnvBy + ":" + strconv.FormatUint(uint64(lastEnv), 10)) }

//go:wasmexport system.heartbeat
func heartbeat() {}

func main() {}

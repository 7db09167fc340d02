// Command bare is the same canister as minimal without the CDK: it calls ic0 directly and
// writes its Candid replies by hand, to show what the Go runtime alone costs.
package main

import "unsafe"

//go:wasmimport ic0 msg_reply_data_append
func msgReplyDataAppend(src unsafe.Pointer, size uint32)

//go:wasmimport ic0 msg_reply
func msgReply()

var counter uint64

var emptyReply = []byte("DIDL\x00\x00")

func replyNat64(v uint64) {
	b := []byte("DIDL\x00\x01\x78\x00\x00\x00\x00\x00\x00\x00\x00")
	for i := 0; i < 8; i++ {
		b[7+i] = byte(v >> (8 * i))
	}
	msgReplyDataAppend(unsafe.Pointer(&b[0]), uint32(len(b)))
	msgReply()
}

//go:wasmexport query.empty
func empty() {
	msgReplyDataAppend(unsafe.Pointer(&emptyReply[0]), uint32(len(emptyReply)))
	msgReply()
}

//go:wasmexport query.get
func get() { replyNat64(counter) }

//go:wasmexport update.increment
func increment() {
	counter++
	replyNat64(counter)
}

func main() {}

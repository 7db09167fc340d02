// Command badsig declares ic0.msg_reply with a wrong signature: icwasm link
// must refuse it, naming the import.
package main

//go:wasmimport ic0 msg_reply
func msgReply(n uint32)

//go:wasmexport update.go
func run() { msgReply(1) }

func main() {}

// Command minimal is the smallest Go canister (one query that replies
// nothing), for the size figures of the link benchmark.
package main

//go:wasmimport ic0 msg_reply
func msgReply()

//go:wasmexport query.ping
func ping() { msgReply() }

func main() {}

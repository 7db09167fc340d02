;; canister_init calls msg_reply, which init may not call.
(module
  (import "ic0" "msg_reply" (func $reply))
  (func (export "canister_init") (call $reply))
)

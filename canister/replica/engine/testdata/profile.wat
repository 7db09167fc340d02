;; Test canister for Config.Profile (compiled with wat2wasm --debug-names, so that its
;; functions have names): a query whose functions call each other and recurse.
(module
  (import "ic0" "msg_reply" (func $reply))
  (func $leaf (param i32) (result i32)
    (i32.add (local.get 0) (i32.const 1)))
  (func $twice (param i32) (result i32)
    (call $leaf (call $leaf (local.get 0))))
  (func $fact (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 1))
      (else (i32.mul (local.get 0) (call $fact (i32.sub (local.get 0) (i32.const 1)))))))
  (func $run (export "canister_query run")
    (drop (call $twice (i32.const 1)))
    (drop (call $fact (i32.const 5)))
    (call $reply)))

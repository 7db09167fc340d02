;; Test canister for the engine's settings: debug prints and traps (canister logs), memory
;; growth (Wasm memory limit, memory allocation), environment variables, the low-memory hook
;; and a counter in memory (snapshots).
(module
  (import "ic0" "msg_reply" (func $reply))
  (import "ic0" "msg_reply_data_append" (func $append (param i32 i32)))
  (import "ic0" "debug_print" (func $print (param i32 i32)))
  (import "ic0" "trap" (func $trap (param i32 i32)))
  (import "ic0" "env_var_count" (func $env_count (result i32)))
  (import "ic0" "env_var_value_size" (func $env_size (param i32 i32) (result i32)))
  (import "ic0" "env_var_value_copy" (func $env_copy (param i32 i32 i32 i32 i32)))
  (import "ic0" "canister_liquid_cycle_balance128" (func $liquid (param i32)))

  (memory 1)
  (global $low (mut i32) (i32.const 0))
  (data (i32.const 100) "hello")
  (data (i32.const 110) "boom")
  (data (i32.const 120) "NAME")

  (func $reply_i32 (param i32)
    (i32.store (i32.const 200) (local.get 0))
    (call $append (i32.const 200) (i32.const 4))
    (call $reply))

  (func (export "canister_update print") (call $print (i32.const 100) (i32.const 5)) (call $reply))
  (func (export "canister_query print_query") (call $print (i32.const 100) (i32.const 5)) (call $reply))
  (func (export "canister_update print_trap") (call $print (i32.const 100) (i32.const 5)) (call $trap (i32.const 110) (i32.const 4)))
  ;; grows Wasm memory by 2 pages
  (func (export "canister_update grow") (drop (memory.grow (i32.const 2))) (call $reply_i32 (memory.size)))
  (func (export "canister_update inc")
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (call $reply_i32 (i32.load (i32.const 0))))
  (func (export "canister_query read") (call $reply_i32 (i32.load (i32.const 0))))
  (func (export "canister_query env_count") (call $reply_i32 (call $env_count)))
  ;; replies with the value of environment variable NAME
  (func (export "canister_query env")
    (local $n i32)
    (local.set $n (call $env_size (i32.const 120) (i32.const 4)))
    (call $env_copy (i32.const 120) (i32.const 4) (i32.const 300) (i32.const 0) (local.get $n))
    (call $append (i32.const 300) (local.get $n))
    (call $reply))
  ;; replies with the low 64 bits of the liquid balance
  (func (export "canister_query liquid")
    (call $liquid (i32.const 400))
    (call $append (i32.const 400) (i32.const 8))
    (call $reply))
  (func (export "canister_on_low_wasm_memory") (global.set $low (i32.add (global.get $low) (i32.const 1))))
  (func (export "canister_query low") (call $reply_i32 (global.get $low))))

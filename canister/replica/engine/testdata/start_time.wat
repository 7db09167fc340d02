;; The start function calls ic0.time, which the start function may not call.
(module
  (import "ic0" "time" (func $time (result i64)))
  (func $start (drop (call $time)))
  (start $start)
)

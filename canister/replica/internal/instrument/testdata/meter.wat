;; Instrumentation test module: a counting loop, bulk memory, a start function, a callback in
;; table 0 and a non-exported mutable global.
(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  (global $k i32 (i32.const 3))
  (table 1 funcref)
  (elem (i32.const 0) $cb)
  (func $s (global.set $g (i32.const 7)))
  (start $s)
  (func $cb (param i32) (global.set $g (local.get 0)))
  (func (export "run") (param $n i32)
    (loop $l
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n))))
  (func (export "fill") (param $n i32)
    (memory.fill (i32.const 0) (i32.const 1) (local.get $n)))
  (func (export "copy") (param $n i32)
    (memory.copy (i32.const 100) (i32.const 0) (local.get $n)))
  (func (export "get") (result i32) (global.get $g))
)

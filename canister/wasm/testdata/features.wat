;; A module touching every section and encoding the codec supports; the tests
;; assemble it with wat2wasm (flags in featuresFlags) and round-trip it.
(module
  (type $cb (func (param i32)))
  (type $mv (func (param i32 i64) (result i64 i32)))
  (import "env" "f" (func $imp (type $cb)))
  (import "env" "g" (global $g (mut i32)))
  (import "env" "t" (table $timp 1 funcref))
  (memory $m0 1 2)
  (memory $m1 1)
  (table $t0 4 funcref)
  (table $t1 2 10 externref)
  (global $gi (mut i64) (i64.const -5))
  (global $gf f32 (f32.const 1.5))
  (global $gr funcref (ref.func $f1))
  (global $gv v128 (v128.const i32x4 1 2 3 4))
  (export "f1" (func $f1))
  (export "mem" (memory $m0))
  (export "tab" (table $t0))
  (export "glob" (global $gi))
  (start $start)
  ;; element segments in all eight encodings
  (elem (i32.const 0) $f1 $f2)                                 ;; 0
  (elem func $f1)                                              ;; 1
  (elem (table $t0) (i32.const 1) func $f2)                    ;; 2
  (elem declare func $f3)                                      ;; 3
  (elem (i32.const 2) funcref (ref.func $f1) (ref.null func))  ;; 4
  (elem externref (ref.null extern))                           ;; 5
  (elem (table $t1) (i32.const 0) externref (ref.null extern)) ;; 6
  (elem declare funcref (ref.func $f2))                        ;; 7
  (data (i32.const 16) "active0")
  (data (memory $m1) (i32.const 8) "active1")
  (data "passive")
  (func $start)
  (func $f1 (type $cb)
    (local i32 i64) (local v128)
    local.get 0
    call $imp
    block $b (result i32)
      i32.const 1
      i32.const 0
      br_if $b
      drop
      i32.const 2
    end
    if
      nop
    else
      unreachable
    end
    loop $l
      local.get 0
      br_table $l 0 $l
    end)
  (func $f2 (type $mv)
    local.get 1
    local.get 0
    i32.const -1
    i32.const 1
    select (result i32)
    i64.const 0x7fffffffffffffff
    drop)
  (func $f3 (param i32) (result i32)
    ;; memory, bulk memory, saturating, sign extension, reference types
    (drop (i32.load offset=4 align=2 (local.get 0)))
    (i64.store8 $m1 offset=100 (i32.const 0) (i64.const 7))
    (memory.copy $m0 $m1 (i32.const 0) (i32.const 0) (i32.const 1))
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 1))
    (memory.init 2 (i32.const 0) (i32.const 0) (i32.const 1))
    data.drop 2
    (drop (memory.grow (memory.size)))
    (drop (i32.trunc_sat_f32_s (f32.const 1)))
    (drop (i64.extend32_s (i64.const -1)))
    (drop (ref.is_null (ref.null extern)))
    (table.set $t0 (i32.const 0) (ref.func $f1))
    (drop (table.get $t0 (i32.const 0)))
    (drop (table.grow $t0 (ref.null func) (i32.const 1)))
    (drop (table.size $t1))
    (table.fill $t0 (i32.const 0) (ref.null func) (i32.const 0))
    (table.copy $t0 $t0 (i32.const 0) (i32.const 0) (i32.const 0))
    (table.init $t0 1 (i32.const 0) (i32.const 0) (i32.const 0))
    elem.drop 1
    (call_indirect $t0 (type $cb) (i32.const 1) (i32.const 0))
    (drop (f64.const 2.5))
    (drop (i32.atomic.rmw.cmpxchg (i32.const 0) (i32.const 0) (i32.const 1)))
    atomic.fence
    local.get 0
    return_call $f4)
  (func $f4 (param i32) (result i32)
    ;; SIMD with every immediate shape
    (drop (v128.load offset=16 (i32.const 0)))
    (v128.store (i32.const 0) (v128.const i64x2 -1 2))
    (drop (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31 (v128.const i32x4 0 0 0 0) (v128.const i32x4 0 0 0 0)))
    (drop (i32x4.extract_lane 3 (i32x4.splat (i32.const 9))))
    (drop (v128.load32_lane 2 (i32.const 0) (v128.const i32x4 0 0 0 0)))
    (drop (v128.load64_zero (i32.const 0)))
    (drop (i32x4.dot_i8x16_i7x16_add_s (v128.const i32x4 0 0 0 0) (v128.const i32x4 0 0 0 0) (v128.const i32x4 0 0 0 0)))
    (drop (f64x2.convert_low_i32x4_u (v128.const i32x4 0 0 0 0)))
    local.get 0))

;; A module (no WASI imports, no entry point) whose exports take and return every scalar type,
;; and one that returns two values: the value plumbing between harness and runtime.
(module
  (memory (export "memory") 1)
  (func (export "add_i64") (param i64 i64) (result i64)
    (i64.add (local.get 0) (local.get 1)))
  (func (export "half_f32") (param f32) (result f32)
    (f32.div (local.get 0) (f32.const 2)))
  (func (export "neg_f64") (param f64) (result f64)
    (f64.neg (local.get 0)))
  (func (export "negate_i32") (param i32) (result i32)
    (i32.sub (i32.const 0) (local.get 0)))
  (func (export "swap") (param i32 i64) (result i64 i32)
    (local.get 1)
    (local.get 0)))

;; A reactor with no `_initialize`: `bump` counts from 100, kept in a global initialised in the
;; module itself, so it is callable at once and keeps its state between calls.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (global $counter (mut i32) (i32.const 100))
  (func (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter)))

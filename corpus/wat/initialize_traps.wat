;; A reactor whose `_initialize` executes `unreachable` before setting the counter to 100;
;; `bump` counts from wherever the counter is.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (global $counter (mut i32) (i32.const 0))
  (func (export "_initialize")
    unreachable)
  (func (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter)))

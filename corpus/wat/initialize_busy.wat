;; A reactor whose `_initialize` is a long but finite loop (2·10^6 iterations of five simple
;; instructions) and then marks the module ready. A budget must only bound such work, never slow
;; it down or cut it short: every runtime should finish it and `ready` should then return 1.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (global $ready (mut i32) (i32.const 0))
  (func (export "_initialize")
    (local $i i32)
    (loop $busy
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $busy (i32.lt_u (local.get $i) (i32.const 2000000))))
    (global.set $ready (i32.const 1)))
  (func (export "ready") (result i32)
    (global.get $ready)))

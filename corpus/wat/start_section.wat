;; A command with a wasm start section as well as `_start`. The start section prints
;; `start section` and sets a global to 1 during instantiation; `_start` prints `_start` and
;; exits with the global's value plus 10, so 11 shows the start section ran first.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (global $started (mut i32) (i32.const 0))
  ;; iovec at 0 (pointer, length); bytes written at 8; text from 16.
  (data (i32.const 16) "start section\n")
  (data (i32.const 32) "_start\n")

  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  (func $on_instantiate
    (call $print (i32.const 16) (i32.const 14))
    (global.set $started (i32.const 1)))
  (start $on_instantiate)

  (func (export "_start")
    (call $print (i32.const 32) (i32.const 7))
    (call $proc_exit (i32.add (global.get $started) (i32.const 10)))))

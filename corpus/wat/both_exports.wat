;; Exports both `_start` and `_initialize`, which the ABI says a runtime should report as an
;; error. Each entry point writes its own line, so a run shows which one(s) the runtime called.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; iovec at 0 (pointer, length); bytes written at 8; text from 16.
  (data (i32.const 16) "start\n")
  (data (i32.const 32) "initialize\n")

  (func $print (param $ptr i32) (param $len i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))

  (func (export "_start")
    (call $print (i32.const 16) (i32.const 6)))

  (func (export "_initialize")
    (call $print (i32.const 32) (i32.const 11))))

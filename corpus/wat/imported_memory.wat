;; A command that imports its linear memory as `env.memory` (not shared) and exports it again as
;; `memory`; `_start` prints `imported` through fd_write and returns. No WASI runtime is asked
;; to provide `env.memory`: one that links the module made the memory itself, and wasmer's
;; runner makes it shared, which a non-shared import refuses.
(module
  (import "env" "memory" (memory 1))
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (export "memory" (memory 0))
  (data (i32.const 16) "imported\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 9))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))

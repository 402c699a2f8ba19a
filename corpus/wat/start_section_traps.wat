;; A command whose wasm start section executes `unreachable`: instantiation itself traps, so
;; there is never an instance to call `_start` on.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func $on_instantiate
    unreachable)
  (start $on_instantiate)
  (func (export "_start")))

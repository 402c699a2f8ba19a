;; A command whose wasm start section calls proc_exit(3): the program ends during
;; instantiation, before `_start` could be called.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func $on_instantiate
    (call $proc_exit (i32.const 3)))
  (start $on_instantiate)
  (func (export "_start")))

;; A command that defines no memory at all (the ABI says WASI modules export `memory`);
;; `_start` calls no WASI function that would need one and returns.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (func (export "_start")))

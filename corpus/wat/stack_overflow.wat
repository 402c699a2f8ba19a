;; A command whose `_start` recurses without bound: the call stack overflows.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func $recurse (param $depth i32) (result i32)
    (i32.add (i32.const 1) (call $recurse (i32.add (local.get $depth) (i32.const 1)))))
  (func (export "_start")
    (drop (call $recurse (i32.const 0)))))

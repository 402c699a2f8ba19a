;; A command whose `_start` grows memory one page at a time until `memory.grow` fails (the
;; runtime's memory cap, or the 4 GiB of wasm32), then traps with `unreachable`.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $grow
      (br_if $grow (i32.ne (memory.grow (i32.const 1)) (i32.const -1))))
    unreachable))

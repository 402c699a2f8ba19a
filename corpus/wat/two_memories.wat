;; A command with two memories (the multi-memory proposal, standard in wasm 3.0): `memory`
;; (exported, memory 0) and a second one it copies its text from. `_start` copies `two\n` from
;; the second memory into the first and prints it through fd_write, then returns. It shows
;; whether a runtime accepts a second memory beside WASI, and whether its WASI functions still
;; work (V8's fast API calls refused modules with several memories).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory $main (export "memory") 1)
  (memory $other 1)
  (data (memory $other) (i32.const 0) "two\n")
  (func (export "_start")
    (memory.copy $main $other (i32.const 16) (i32.const 0) (i32.const 4))
    (i32.store $main (i32.const 0) (i32.const 16))
    (i32.store $main (i32.const 4) (i32.const 4))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))

;; A command whose memory is not exported; `_start` calls fd_write, which cannot reach the
;; iovec without an exported `memory`. fd_write's errno + 100 becomes the exit status, so a
;; runtime that writes anyway shows `hi` and exits 100.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory 1)
  (data (i32.const 16) "hi\n")
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 3))
    (call $proc_exit
      (i32.add (i32.const 100)
        (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8))))))

;; A command whose `_start` writes 256 KiB to stdout (the 16 characters `0123456789abcdef`
;; repeated 16384 times, in four fd_write calls of 64 KiB) and returns. Larger than a pipe's
;; buffer and smaller than the suite's 1 MiB output cap: the step's output must arrive whole.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "0123456789abcdef")
  (func (export "_start")
    (local $i i32)
    ;; Fill 64 KiB at 1024 with the pattern: byte i is pattern[i & 15].
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $i) (i32.const 65536)))
        (i32.store8 offset=1024 (local.get $i) (i32.load8_u (i32.and (local.get $i) (i32.const 15))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $fill)))
    ;; One iovec at 16: {buf = 1024, len = 65536}; bytes written land at 24.
    (i32.store (i32.const 16) (i32.const 1024))
    (i32.store (i32.const 20) (i32.const 65536))
    (local.set $i (i32.const 0))
    (block $done
      (loop $write
        (br_if $done (i32.ge_u (local.get $i) (i32.const 4)))
        (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 24)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $write)))))

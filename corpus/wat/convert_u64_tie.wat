;; A reactor converting the unsigned 64-bit integer 2^64 - 1024 to f64: exactly halfway between
;; 2^64 - 2048 and 2^64, so round-to-nearest-even gives 2^64, whose truncation back to u64
;; overflows and traps. Found by `execmodel fuzz --seed 3` (fuzz-3-1697): a start function
;; trapped with integer overflow on every runtime but Chicory, whose conversion rounds the tie
;; down to 2^64 - 2048.
(module
  ;; Unused: a WASI import is what makes a module without entry points a reactor.
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  ;; The f64's bits: 0x43F0000000000000 for 2^64.
  (func (export "convert_bits") (result i64)
    (i64.reinterpret_f64 (f64.convert_i64_u (i64.const -1024))))
  ;; Converted and truncated back: 2^64 is out of u64's range, an integer overflow trap.
  (func (export "round_trip") (result i64)
    (i64.trunc_f64_u (f64.convert_i64_u (i64.const -1024)))))

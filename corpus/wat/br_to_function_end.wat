;; A reactor whose exports branch out of the whole function from inside a block, with a value
;; left beneath the block. Found by `execmodel fuzz --seed 3` (fuzz-3-6287, shrunk): one export
;; returned i32:-2147483648 on chicory-compiler and 0 everywhere else. The compiler returns the
;; value beneath the block when the block's `end` is the function's last instruction, as if the
;; branch left only the block; a `nop` between the two ends makes it right.
(module
  ;; Unused: a WASI import is what makes a module without entry points a reactor.
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  ;; `br 1` leaves the function with 0; the 1 beneath the block is never returned.
  (func (export "block_ends_function") (result i32)
    i32.const 1
    block
      i32.const 0
      br 1
    end)
  ;; The same with one instruction between the block's end and the function's.
  (func (export "block_then_nop") (result i32)
    i32.const 1
    block
      i32.const 0
      br 1
    end
    nop))

;; A reactor whose `depth(n)` recurses n calls deep and returns n: a call depth a guest may
;; legitimately need, below any stack overflow but above some runtimes' own frame limits.
;; Found by `execmodel fuzz --seed 1`: wasmi trapped stack-overflow where fuel ran out elsewhere.
(module
  ;; Unused: a WASI import is what makes a module without entry points a reactor.
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (func $depth (export "depth") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get $n) (i32.const 1))))))))

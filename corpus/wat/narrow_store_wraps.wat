;; A reactor whose narrow stores address past 4 GiB: base 0xFFFFF800 (-2048) plus offset 7975.
;; Wasm adds the two without wrapping, so the access is out of bounds and must trap. Found by
;; `execmodel fuzz --seed 3` (fuzz-3-541): Chicory's interpreter wrapped the sum to 5927 for
;; i32.store8, i64.store8 and i64.store32, and wrote there.
(module
  ;; Unused: a WASI import is what makes a module without entry points a reactor.
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (func (export "store8") (i32.store8 offset=7975 (i32.const -2048) (i32.const 1)))
  (func (export "store32") (i64.store32 offset=7975 (i32.const -2048) (i64.const 1)))
  ;; A full-width store to the same address, for contrast.
  (func (export "store") (i32.store offset=7975 (i32.const -2048) (i32.const 1)))
  ;; The store8, then the byte at 5927 (-2048 + 7975 wrapped to 32 bits).
  (func (export "store8_then_read_wrapped") (result i32)
    (i32.store8 offset=7975 (i32.const -2048) (i32.const 1))
    (i32.load8_u (i32.const 5927))))

;; A reactor whose exports reach past the end of a table, and into an empty slot of it: which
;; kind of trap each runtime reports for a table, beside the memory accesses of c/trap_kinds.
;; Found by `execmodel fuzz --seed 3`: the workers read Chicory's "undefined element" and
;; wazero's "invalid table access" as other traps, where wasmtime says out of bounds.
(module
  ;; Unused: a WASI import is what makes a module without entry points a reactor.
  (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
  (memory (export "memory") 1)
  (type $nothing (func))
  ;; Slot 0 holds $empty; slot 1 is null; there is no slot 2.
  (table $slots 2 funcref)
  (elem (table $slots) (i32.const 0) func $empty)
  (func $empty)
  (func (export "call_past_end") (call_indirect (type $nothing) (i32.const 2)))
  (func (export "get_past_end") (drop (table.get $slots (i32.const 2))))
  (func (export "call_null") (call_indirect (type $nothing) (i32.const 1))))

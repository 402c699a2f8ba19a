// A reactor printing through fmt: `line()` prints "line" with fmt.Println, `say()` prints "said"
// with fmt.Print (no newline). Go's os.Stdout has no buffer: every print is one fd_write at
// once, so both reach the host during the call. `flush()` does nothing; it exists so the
// scenarios have the shape of the C and Rust print modules.
// build: reactor
//
// Built with:
//
//	CGO_ENABLED=0 GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -buildvcs=false \
//	  -ldflags='-s -w -buildid=' -o corpus/go/reactor_prints.wasm corpus/go/reactor_prints.go
package main

import "fmt"

//go:wasmexport line
func line() {
	fmt.Println("line")
}

//go:wasmexport say
func say() {
	fmt.Print("said")
}

//go:wasmexport flush
func flush() {}

// main is required by package main but never runs in c-shared mode.
func main() {}

// A reactor: a package-level counter that an init function sets to 100, and an exported
// `bump` that increments and returns it. `_initialize` (the c-shared entry) starts Go's runtime
// and runs the package inits, then returns without running main.
// build: reactor
//
// Built with:
//
//	CGO_ENABLED=0 GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -buildvcs=false \
//	  -ldflags='-s -w -buildid=' -o corpus/go/reactor_counter.wasm corpus/go/reactor_counter.go
package main

var counter int32

func init() {
	counter = 100
}

//go:wasmexport bump
func bump() int32 {
	counter++
	return counter
}

// main is required by package main but never runs in c-shared mode.
func main() {}

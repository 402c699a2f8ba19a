// A reactor whose init calls os.Exit(N) when EXIT_IN_INIT=N is set, else sets a counter to 100;
// `bump` increments it, `quit(code)` calls os.Exit(code) and `boom()` panics (Go's runtime then
// prints the panic to fd 2 and calls proc_exit(2)).
// build: reactor
//
// Built with:
//
//	CGO_ENABLED=0 GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -buildvcs=false \
//	  -ldflags='-s -w -buildid=' -o corpus/go/reactor_exits.wasm corpus/go/reactor_exits.go
package main

import (
	"os"
	"strconv"
)

var counter int32

func init() {
	if code, ok := os.LookupEnv("EXIT_IN_INIT"); ok {
		status, _ := strconv.Atoi(code)
		os.Exit(status)
	}
	counter = 100
}

//go:wasmexport bump
func bump() int32 {
	counter++
	return counter
}

//go:wasmexport quit
func quit(code int32) {
	os.Exit(int(code))
}

//go:wasmexport boom
func boom() {
	panic("boom")
}

// main is required by package main but never runs in c-shared mode.
func main() {}

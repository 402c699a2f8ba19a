// A command whose main prints a line and then panics. A Go panic is not a wasm trap: the runtime
// prints `panic: ...` and a goroutine traceback to fd 2 and calls proc_exit(2).
// build: command
//
// Built with:
//
//	CGO_ENABLED=0 GOOS=wasip1 GOARCH=wasm go build -trimpath -buildvcs=false \
//	  -ldflags='-s -w -buildid=' -o corpus/go/panics.wasm corpus/go/panics.go
package main

import "os"

func main() {
	os.Stdout.WriteString("before panic\n")
	panic("boom")
}

// A command whose main prints a line and returns. Nothing in the program exits, yet `_start` does
// not return to the host: after main, Go's runtime.main calls proc_exit(0) itself.
// build: command
//
// Built with:
//
//	CGO_ENABLED=0 GOOS=wasip1 GOARCH=wasm go build -trimpath -buildvcs=false \
//	  -ldflags='-s -w -buildid=' -o corpus/go/main_returns.wasm corpus/go/main_returns.go
package main

import "os"

func main() {
	os.Stdout.WriteString("main returns\n")
}

// A command whose main prints a line, defers a second one and calls os.Exit(3): Go's os.Exit is
// proc_exit(3) at once, so the deferred line never appears.
// build: command
//
// Built with:
//
//	CGO_ENABLED=0 GOOS=wasip1 GOARCH=wasm go build -trimpath -buildvcs=false \
//	  -ldflags='-s -w -buildid=' -o corpus/go/exit_code.wasm corpus/go/exit_code.go
package main

import "os"

func main() {
	defer os.Stdout.WriteString("deferred\n")
	os.Stdout.WriteString("exiting with 3\n")
	os.Exit(3)
}

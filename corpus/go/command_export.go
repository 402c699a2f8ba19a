// A command (exe build mode) that also exports `bump` with //go:wasmexport: a counter an init
// function sets to 100. main prints the counter. Go documents exports of a command as callable
// only while `_start` is running (from a host callback); before `_start` the export's wrapper
// finds the runtime uninitialised and aborts, and after `_start` the runtime has already exited.
// build: command-with-exports
//
// Built with:
//
//	CGO_ENABLED=0 GOOS=wasip1 GOARCH=wasm go build -trimpath -buildvcs=false \
//	  -ldflags='-s -w -buildid=' -o corpus/go/command_export.wasm corpus/go/command_export.go
package main

import (
	"os"
	"strconv"
)

var counter int32

func init() {
	counter = 100
}

//go:wasmexport bump
func bump() int32 {
	counter++
	return counter
}

func main() {
	os.Stdout.WriteString("main sees " + strconv.Itoa(int(counter)) + "\n")
}

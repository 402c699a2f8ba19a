// A command that prints every argument (argv[0] included) as `argv[i]=...`, then GREETING if it
// is set, then the first line of stdin as `stdin=...` if stdin has any bytes; it ends through
// os.Exit(EXIT_CODE) when EXIT_CODE is set, else by returning from main. Go's runtime calls
// proc_exit itself once main returns, so even success leaves `_start` as exit status 0.
// build: command
//
// Built with:
//
//	CGO_ENABLED=0 GOOS=wasip1 GOARCH=wasm go build -trimpath -buildvcs=false \
//	  -ldflags='-s -w -buildid=' -o corpus/go/command_echo.wasm corpus/go/command_echo.go
package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

func main() {
	out := bufio.NewWriter(os.Stdout)
	for i, arg := range os.Args {
		out.WriteString("argv[" + strconv.Itoa(i) + "]=" + arg + "\n")
	}
	if greeting, ok := os.LookupEnv("GREETING"); ok {
		out.WriteString("GREETING=" + greeting + "\n")
	}
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	if line != "" {
		out.WriteString("stdin=" + strings.TrimSuffix(line, "\n") + "\n")
	}
	out.Flush()
	if code, ok := os.LookupEnv("EXIT_CODE"); ok {
		status, _ := strconv.Atoi(code)
		os.Exit(status)
	}
}

// Command wazero-worker runs WebAssembly modules under wazero on behalf of the Rust adapter of
// execmodel. It speaks the line-JSON worker protocol, version 2 (docs/worker-protocol.md): one
// request per line on stdin, one reply per line on stdout. Guest stdio never reaches this
// process's stdout; it is captured per instance and returned in step replies.
//
// Flags:
//
//	--engine=compiler|interpreter   the wazero engine (default compiler)
//	--probe FILE...                 no protocol: run each module a few ways and print a summary
//
// The environment variable EXECMODEL_WAZERO_CACHE, when set, names a directory for wazero's
// on-disk compilation cache.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	engine := flag.String("engine", "compiler", "wazero engine: compiler or interpreter")
	probe := flag.Bool("probe", false, "run the wasm files named as arguments a few ways and print what wazero did")
	flag.Parse()
	if *engine != engineCompiler && *engine != engineInterpreter {
		fmt.Fprintf(os.Stderr, "wazero-worker: unknown engine %q (want compiler or interpreter)\n", *engine)
		os.Exit(2)
	}
	w, err := newWorker(*engine, os.Getenv("EXECMODEL_WAZERO_CACHE"))
	if err != nil {
		fmt.Fprintf(os.Stderr, "wazero-worker: %v\n", err)
		os.Exit(1)
	}
	defer w.shutdown()
	if *probe {
		os.Exit(runProbe(w, flag.Args(), os.Stdout))
	}
	go exitWhenOrphaned()
	if err := serve(w, os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "wazero-worker: %v\n", err)
		w.shutdown()
		os.Exit(1)
	}
}

// serve answers requests until in is exhausted. Lines may be of any length (a load carries the
// whole module in base64), so they are read with ReadBytes rather than a Scanner with its token
// limit. Every reply is written whole and flushed before the next request is read.
func serve(w *worker, in io.Reader, out io.Writer) error {
	reader := bufio.NewReaderSize(in, 1<<20)
	writer := bufio.NewWriterSize(out, 1<<16)
	// An interim line goes out at once: the process may be killed before the reply.
	w.say = func(line []byte) {
		_, _ = writer.Write(line)
		_ = writer.Flush()
	}
	for {
		line, readErr := reader.ReadBytes('\n')
		if len(trimSpace(line)) > 0 {
			reply := w.handleLine(line)
			if _, err := writer.Write(reply); err != nil {
				return fmt.Errorf("writing a reply: %w", err)
			}
			if err := writer.Flush(); err != nil {
				return fmt.Errorf("writing a reply: %w", err)
			}
		}
		if readErr == io.EOF {
			return nil
		}
		if readErr != nil {
			return fmt.Errorf("reading a request: %w", readErr)
		}
	}
}

func trimSpace(line []byte) []byte {
	for len(line) > 0 {
		switch line[len(line)-1] {
		case '\n', '\r', ' ', '\t':
			line = line[:len(line)-1]
			continue
		}
		break
	}
	return line
}

// exitWhenOrphaned ends the process once its parent has gone (it is then re-parented, so the
// parent pid changes). A guest stuck in a host call or in a loop (nothing in the worker bounds a
// step) would otherwise outlive the adapter. It is a best effort: compiled guest code cannot be
// preempted, so with GOMAXPROCS=1 a looping guest keeps this goroutine from ever running.
func exitWhenOrphaned() {
	parent := os.Getppid()
	for {
		time.Sleep(500 * time.Millisecond)
		if os.Getppid() != parent {
			fmt.Fprintln(os.Stderr, "wazero-worker: the parent process is gone; exiting")
			os.Exit(3)
		}
	}
}

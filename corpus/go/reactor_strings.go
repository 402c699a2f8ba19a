// Strings across the memory boundary with the module's own allocator. `alloc(len)` returns a
// Go-allocated buffer, kept reachable (so the collector leaves it alone) until `dealloc(ptr, len)`;
// `greet(ptr, len)` returns "hello, NAME #N" (N counts calls) as `ptr << 32 | len`, in memory the
// host releases with `dealloc`; `chars(ptr, len)` counts the Unicode scalar values of its
// argument (UTF-8 lead bytes, no validation, as in the C module).
// build: reactor
//
// Built with:
//
//	CGO_ENABLED=0 GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -trimpath -buildvcs=false \
//	  -ldflags='-s -w -buildid=' -o corpus/go/reactor_strings.wasm corpus/go/reactor_strings.go
package main

import (
	"strconv"
	"unsafe"
)

// live holds every buffer handed to the host, by address, until the host deallocates it.
var live = map[unsafe.Pointer][]byte{}

var calls int

func allocate(length int) unsafe.Pointer {
	if length < 1 {
		length = 1
	}
	buffer := make([]byte, length)
	address := unsafe.Pointer(&buffer[0])
	live[address] = buffer
	return address
}

func view(ptr unsafe.Pointer, length uint32) []byte {
	if length == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(ptr), length)
}

//go:wasmexport alloc
func alloc(length uint32) unsafe.Pointer {
	return allocate(int(length))
}

//go:wasmexport dealloc
func dealloc(ptr unsafe.Pointer, length uint32) {
	delete(live, ptr)
}

//go:wasmexport greet
func greet(ptr unsafe.Pointer, length uint32) uint64 {
	calls++
	text := "hello, " + string(view(ptr, length)) + " #" + strconv.Itoa(calls)
	out := allocate(len(text))
	copy(view(out, uint32(len(text))), text)
	return uint64(uintptr(out))<<32 | uint64(len(text))
}

//go:wasmexport chars
func chars(ptr unsafe.Pointer, length uint32) int32 {
	count := int32(0)
	for _, b := range view(ptr, length) {
		if b&0xC0 != 0x80 {
			count++
		}
	}
	return count
}

// main is required by package main but never runs in c-shared mode.
func main() {}

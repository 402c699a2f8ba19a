module execmodel/wazero-worker

go 1.25.0

require github.com/tetratelabs/wazero v1.11.0

require golang.org/x/sys v0.44.0 // indirect

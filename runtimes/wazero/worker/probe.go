package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// Limits of the probe's sessions.
const (
	probeOutputBytes = 1 << 16
	probeMemoryBytes = 64 << 20
)

// runProbe runs each module three ways through the protocol handler (run; instantiate then
// call _start; instantiate then call _initialize) and prints one line per way. It is a tool for
// people reading what wazero does, not part of the protocol. Nothing bounds a step's time: a
// module that never returns hangs the probe.
func runProbe(w *worker, files []string, out io.Writer) int {
	status := 0
	for i, file := range files {
		wasm, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(out, "%s: %v\n", file, err)
			status = 1
			continue
		}
		module := fmt.Sprintf("m%d", i)
		base := strings.TrimSuffix(filepath.Base(file), ".wasm")
		loaded := probeRequest(w, map[string]any{"op": "load", "module": module, "wasm": base64.StdEncoding.EncodeToString(wasm)})
		if loaded["ok"] != true {
			fmt.Fprintf(out, "%-26s load      | %s\n", base, summarizeFailure(loaded))
			continue
		}
		for _, way := range []string{"run", "_start", "_initialize"} {
			session := fmt.Sprintf("%s-%s", module, way)
			probeRequest(w, map[string]any{"op": "open", "session": session, "module": module,
				"outputBytes": probeOutputBytes, "memoryBytes": probeMemoryBytes})
			wasi := map[string]any{"args": []string{base}, "env": [][]string{}, "stdin": "", "preopen": nil}
			var lines []string
			if way == "run" {
				lines = append(lines, summarizeStep(probeStep(w, session, map[string]any{"do": "run", "wasi": wasi})))
			} else {
				first := probeStep(w, session, map[string]any{"do": "instantiate", "wasi": wasi})
				lines = append(lines, summarizeStep(first))
				if first["hasInstance"] == true {
					results := probeResultTypes(w, session, way)
					lines = append(lines, summarizeStep(probeStep(w, session, map[string]any{
						"do": "call", "export": way, "args": []any{}, "results": results})))
				}
			}
			probeRequest(w, map[string]any{"op": "close", "session": session})
			label := way
			if way != "run" {
				label = "inst+" + way
			}
			fmt.Fprintf(out, "%-26s %-16s | %s\n", base, label, strings.Join(lines, " ; "))
		}
	}
	return status
}

// probeResultTypes reads the export's declared result types from the session's instance, so
// that `call` is not refused for a wrong result list (arguments are always none).
func probeResultTypes(w *worker, session, export string) []string {
	s := w.sessions[session]
	if s == nil || s.instance == nil {
		return []string{}
	}
	fn := s.instance.ExportedFunction(export)
	if fn == nil {
		return []string{}
	}
	names := []string{}
	for _, t := range fn.Definition().ResultTypes() {
		names = append(names, api.ValueTypeName(t))
	}
	return names
}

func probeRequest(w *worker, req map[string]any) map[string]any {
	line, _ := json.Marshal(req)
	var answer map[string]any
	_ = json.Unmarshal(w.handleLine(line), &answer)
	return answer
}

func probeStep(w *worker, session string, step map[string]any) map[string]any {
	return probeRequest(w, map[string]any{"op": "step", "session": session, "step": step})
}

func summarizeFailure(answer map[string]any) string {
	return fmt.Sprintf("ok:false compile:%v %s", answer["compile"], firstLine(fmt.Sprint(answer["error"])))
}

func summarizeStep(answer map[string]any) string {
	if answer["ok"] != true {
		return summarizeFailure(answer)
	}
	outcome, _ := answer["outcome"].(map[string]any)
	var text string
	switch kind := outcome["kind"]; kind {
	case "returned":
		var values []string
		for _, v := range outcome["values"].([]any) {
			value := v.(map[string]any)
			values = append(values, fmt.Sprintf("%v:%v", value["type"], value["bits"]))
		}
		text = strings.TrimSpace("returned " + strings.Join(values, " "))
	case "exited":
		text = fmt.Sprintf("exited %.0f", outcome["code"])
	case "trapped":
		text = fmt.Sprintf("trapped %v (%v: %s)", outcome["trap"], outcome["by"], firstLine(fmt.Sprint(outcome["message"])))
	case "rejected":
		text = fmt.Sprintf("rejected %v (%v: %s)", outcome["stage"], outcome["by"], firstLine(fmt.Sprint(outcome["message"])))
	default:
		text = fmt.Sprintf("%v (%s)", kind, firstLine(fmt.Sprint(outcome["message"])))
	}
	if calls, _ := answer["implicitCalls"].([]any); len(calls) > 0 {
		text += fmt.Sprintf(" implicit=%v", calls)
	}
	if surfaced, ok := answer["surfaced"].(string); ok && strings.Contains(surfaced, "closed") {
		text += " [closed]"
	}
	for _, stream := range []string{"stdout", "stderr"} {
		if encoded, _ := answer[stream].(string); encoded != "" {
			raw, _ := base64.StdEncoding.DecodeString(encoded)
			text += fmt.Sprintf(" %s=%q", stream, string(raw))
		}
	}
	if answer["hasInstance"] != true {
		text += " noinst"
	}
	return text
}

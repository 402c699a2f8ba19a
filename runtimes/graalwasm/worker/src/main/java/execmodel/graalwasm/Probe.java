package execmodel.graalwasm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * {@code --probe}: runs each module through the protocol handler three ways (run; instantiate
 * then call _start; instantiate then call _initialize, the last two only when the module exports
 * that name) and prints one line per way. A reading aid, not part of the protocol. Nothing bounds
 * a step: a module that never returns holds the probe until it is stopped.
 */
final class Probe {
    static final long OUTPUT_BYTES = 1 << 16;
    static final long MEMORY_BYTES = 64L << 20;

    private Probe() {}

    static int run(Worker worker, List<String> files, PrintStream out) {
        ObjectMapper json = worker.json();
        int status = 0;
        int counter = 0;
        for (String file : files) {
            counter++;
            Path path = Path.of(file);
            String base = path.getFileName().toString().replaceFirst("\\.wasm$", "");
            byte[] wasm;
            try {
                wasm = Files.readAllBytes(path);
            } catch (IOException e) {
                out.println(file + ": " + e);
                status = 1;
                continue;
            }
            String module = "m" + counter;
            ObjectNode load = json.createObjectNode();
            load.put("op", "load");
            load.put("module", module);
            load.put("wasm", Base64.getEncoder().encodeToString(wasm));
            JsonNode loaded = request(worker, json, load);
            if (!loaded.path("ok").asBoolean()) {
                out.printf("%-26s %-16s | %s%n", base, "load", failure(loaded));
                continue;
            }
            List<String> exported = worker.exportNames(module);
            for (String way : new String[] {"run", "_start", "_initialize"}) {
                if (!way.equals("run") && !exported.contains(way)) {
                    continue;
                }
                String session = module + "-" + way;
                ObjectNode open = json.createObjectNode();
                open.put("op", "open");
                open.put("session", session);
                open.put("module", module);
                open.put("outputBytes", OUTPUT_BYTES);
                open.put("memoryBytes", MEMORY_BYTES);
                request(worker, json, open);
                ObjectNode wasi = json.createObjectNode();
                wasi.putArray("args").add(base);
                wasi.putArray("env");
                wasi.put("stdin", "");
                wasi.putNull("preopen");
                List<String> parts = new ArrayList<>();
                long started = System.nanoTime();
                if (way.equals("run")) {
                    ObjectNode step = json.createObjectNode();
                    step.put("do", "run");
                    step.set("wasi", wasi);
                    parts.add(summary(step(worker, json, session, step)));
                } else {
                    ObjectNode step = json.createObjectNode();
                    step.put("do", "instantiate");
                    step.set("wasi", wasi);
                    JsonNode first = step(worker, json, session, step);
                    parts.add(summary(first));
                    if (first.path("hasInstance").asBoolean()) {
                        ObjectNode call = json.createObjectNode();
                        call.put("do", "call");
                        call.put("export", way);
                        call.putArray("args");
                        ArrayNode results = call.putArray("results");
                        worker.exportResultTypes(session, way).forEach(results::add);
                        parts.add(summary(step(worker, json, session, call)));
                    }
                }
                long ms = (System.nanoTime() - started) / 1_000_000;
                ObjectNode close = json.createObjectNode();
                close.put("op", "close");
                close.put("session", session);
                request(worker, json, close);
                String label = way.equals("run") ? "run" : "inst+" + way;
                out.printf("%-26s %-16s | %s  [%d ms]%n", base, label, String.join(" ; ", parts), ms);
            }
        }
        return status;
    }

    private static JsonNode request(Worker worker, ObjectMapper json, ObjectNode request) {
        request.put("id", 0);
        try {
            return json.readTree(worker.handleLine(json.writeValueAsString(request)));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode step(Worker worker, ObjectMapper json, String session, ObjectNode step) {
        ObjectNode request = json.createObjectNode();
        request.put("op", "step");
        request.put("session", session);
        request.set("step", step);
        return request(worker, json, request);
    }

    private static String failure(JsonNode reply) {
        return "ok:false compile:" + reply.path("compile").asBoolean() + " " + firstLine(reply.path("error").asText());
    }

    static String summary(JsonNode reply) {
        if (!reply.path("ok").asBoolean()) {
            return failure(reply);
        }
        JsonNode outcome = reply.path("outcome");
        String kind = outcome.path("kind").asText();
        StringBuilder text = new StringBuilder();
        switch (kind) {
            case "returned":
                {
                    text.append("returned");
                    for (JsonNode v : outcome.path("values")) {
                        text.append(' ').append(v.path("type").asText()).append(':').append(v.path("bits").asText());
                    }
                    break;
                }
            case "exited":
                text.append("exited ").append(outcome.path("code").asInt());
                break;
            case "trapped":
                text.append("trapped ").append(outcome.path("trap").asText()).append(" (")
                        .append(outcome.path("by").asText()).append(": ")
                        .append(firstLine(outcome.path("message").asText())).append(')');
                break;
            case "rejected":
                text.append("rejected ").append(outcome.path("stage").asText()).append(" (")
                        .append(outcome.path("by").asText()).append(": ")
                        .append(firstLine(outcome.path("message").asText())).append(')');
                break;
            default:
                text.append(kind).append(" (").append(firstLine(outcome.path("message").asText())).append(')');
        }
        JsonNode calls = reply.path("implicitCalls");
        if (calls.size() > 0) {
            text.append(" implicit=").append(calls);
        }
        if (reply.has("requestedExit")) {
            text.append(" requestedExit=").append(reply.path("requestedExit").asInt());
        }
        for (String stream : new String[] {"stdout", "stderr"}) {
            String encoded = reply.path(stream).asText("");
            if (!encoded.isEmpty()) {
                byte[] bytes = Base64.getDecoder().decode(encoded);
                String decoded = new String(bytes, 0, Math.min(bytes.length, 120), StandardCharsets.UTF_8);
                text.append(' ').append(stream).append('=').append(decoded.replace("\n", "\\n"));
                if (bytes.length > 120) {
                    text.append("... (").append(bytes.length).append(" bytes)");
                }
            }
        }
        if (!reply.path("hasInstance").asBoolean()) {
            text.append(" noinst");
        }
        return text.toString();
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}

package execmodel.graalwasm;

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The GraalWasm worker of execmodel: runs WebAssembly modules under GraalWasm on behalf of the
 * Rust adapter, speaking the line-JSON worker protocol, version 2 (docs/worker-protocol.md): one
 * request per line on stdin, one reply per line on stdout. Guest stdio never reaches this
 * process's stdout; it is captured per instance and returned in step replies.
 *
 * <pre>
 *   java -jar execmodel-graalwasm-worker.jar [--memory=byte-array|unsafe] [SCRATCH-DIR]
 *   java -jar execmodel-graalwasm-worker.jar [--memory=...] --probe FILE.wasm...
 * </pre>
 *
 * {@code --probe} speaks no protocol: it runs each module a few ways through the same handler and
 * prints one line per way, for people reading what GraalWasm does.
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws IOException {
        List<String> probe = null;
        String scratch = null;
        String memory = Worker.MEMORY_BYTE_ARRAY;
        for (String arg : args) {
            if (probe != null) {
                probe.add(arg);
            } else if (arg.startsWith("--memory=")) {
                memory = arg.substring("--memory=".length());
            } else if (arg.equals("--probe")) {
                probe = new ArrayList<>();
            } else if (!arg.startsWith("-") && scratch == null) {
                // The adapter appends a scratch directory to every worker's command line; this
                // worker keeps everything in memory and does not use it.
                scratch = arg;
            } else {
                System.err.println("graalwasm-worker: unknown argument " + arg);
                System.exit(2);
            }
        }
        // The replies own file descriptor 1. Anything else that prints to System.out (a library,
        // a stray debug line) goes to stderr instead, which the adapter keeps as free text.
        PrintStream replies =
                new PrintStream(
                        new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16),
                        false,
                        StandardCharsets.UTF_8);
        System.setOut(System.err);

        Worker worker;
        try {
            worker = new Worker(memory);
        } catch (IllegalArgumentException e) {
            System.err.println("graalwasm-worker: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (probe != null) {
            int status = Probe.run(worker, probe, replies);
            replies.flush();
            System.exit(status);
        }
        startOrphanWatchdog();
        serve(worker, replies);
        // stdin closed: done.
        System.exit(0);
    }

    /** Answers requests until stdin closes. A line may be megabytes long (a load's base64). */
    static void serve(Worker worker, PrintStream replies) throws IOException {
        BufferedReader in =
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 20);
        // An interim line comes from the guest's thread while this one waits for it.
        worker.interimReplies(said -> writeLine(replies, said));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            writeLine(replies, worker.handleLine(line));
        }
    }

    private static void writeLine(PrintStream replies, String reply) {
        synchronized (replies) {
            replies.print(reply);
            replies.print('\n');
            replies.flush();
            if (replies.checkError()) {
                System.err.println("graalwasm-worker: cannot write a reply; exiting");
                System.exit(1);
            }
        }
    }

    /**
     * Ends the process once its parent has gone (it is then re-parented). A guest that never
     * returns would otherwise outlive the adapter: the request loop, waiting for it, never sees
     * stdin close.
     */
    private static void startOrphanWatchdog() {
        Optional<ProcessHandle> parent = ProcessHandle.current().parent();
        if (parent.isEmpty()) {
            return;
        }
        long parentPid = parent.get().pid();
        Thread watchdog =
                new Thread(
                        () -> {
                            while (true) {
                                try {
                                    Thread.sleep(500);
                                } catch (InterruptedException e) {
                                    return;
                                }
                                Optional<ProcessHandle> now = ProcessHandle.current().parent();
                                if (now.isEmpty() || now.get().pid() != parentPid) {
                                    System.err.println(
                                            "graalwasm-worker: the parent process is gone; exiting");
                                    Runtime.getRuntime().halt(3);
                                }
                            }
                        },
                        "orphan-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
    }
}

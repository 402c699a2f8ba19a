package execmodel.chicory;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.IntConsumer;

/**
 * A machine factory that hands Chicory its usual machine (the interpreter, or the compiled one)
 * behind a thin wrapper recording the outermost entries into guest code.
 *
 * <p>Chicory enters guest code through {@code Instance.getMachine().call(funcIndex, args)}: once
 * for the wasm start section and once for {@code _start} inside {@code Instance.Builder.build()},
 * and once per {@code ExportFunction.apply}. Calls between guest functions stay inside the
 * machine, except a few paths (the compiler's indirect calls) that come back through
 * {@code getMachine()}: those are nested, so only depth-0 entries are recorded. This is how the
 * worker observes, rather than assumes, which functions Chicory called by itself. Behaviour is
 * unchanged: every call is passed straight on.
 */
final class EntryTracker implements Function<Instance, Machine> {
    private final Function<Instance, Machine> base;
    // Written by the guest thread, taken by the request thread once it has joined that thread.
    // The depth is the guest thread's.
    private final List<Integer> entries = new ArrayList<>();
    private int depth;
    // Told of each outermost entry as it happens (before the call), on the guest thread.
    private IntConsumer onEntry = funcIndex -> {};

    EntryTracker(Function<Instance, Machine> base) {
        this.base = base;
    }

    /** Whom to tell of each outermost entry before it is made; replaces the previous listener. */
    void onEntry(IntConsumer listener) {
        onEntry = listener;
    }

    @Override
    public Machine apply(Instance instance) {
        Machine inner = base.apply(instance);
        return (funcIndex, args) -> {
            if (depth == 0) {
                entries.add(funcIndex);
                onEntry.accept(funcIndex);
            }
            depth++;
            try {
                return inner.call(funcIndex, args);
            } finally {
                depth--;
            }
        };
    }

    /** The function indices entered from outside since the last call, in order. */
    List<Integer> takeEntries() {
        List<Integer> taken = new ArrayList<>(entries);
        entries.clear();
        return taken;
    }
}

package execmodel.chicory;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import java.util.function.Function;

/**
 * Chicory's runtime compiler, kept apart from {@link Worker} so that a jar can be built without
 * the {@code compiler} artifact (the {@code interpreter-only} Maven profile leaves this file out):
 * Maven serves some older Chicory releases without it.
 */
final class CompilerEngine implements Function<WasmModule, Function<Instance, Machine>> {
    /** Chicory's runtime compiler with its default options, compiled once per module. */
    @Override
    public Function<Instance, Machine> apply(WasmModule module) {
        return MachineFactoryCompiler.builder(module).compile();
    }
}

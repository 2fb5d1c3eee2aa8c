package kilotrain.device;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import kilotrain.codegen.CGenerator;
import kilotrain.codegen.ModelFingerprint;
import kilotrain.compiler.memory.ArenaPlan;
import kilotrain.ops.core.Instr;
import kilotrain.program.Program;
import kilotrain.program.TrainState;
import kilotrain.util.AtomicFiles;

/**
 * {@code compile --target lib}: the model as a firmware library for one board's core. The generator's library C
 * (model tables, kernels, planned arena, kt_store, kt_lib) with no startup code, no semihosting and no main, plus a
 * Makefile and a CMakeLists.txt that build a static library with the core's flags, a test program linked against it
 * ({@code make check}), kt_board.mk naming the core, and a README with the API and this model's memory.
 */
public final class LibraryProject {
    private LibraryProject() {
    }

    /** Writes the library into {@code dir}; returns its static memory as planned at compile time. */
    public static DeviceFootprint write(Program p, List<Instr> order, ArenaPlan plan, TrainState state, float lr,
            Board board, Path dir) {
        DeviceFootprint f = DeviceFootprint.library(CGenerator.modelSource(p, order, plan, state, lr));
        CGenerator.generateLibrary(p, order, plan, state, lr, dir);
        AtomicFiles.writeString(dir.resolve("Makefile"), CGenerator.resource("lib.Makefile"));
        AtomicFiles.writeString(dir.resolve("CMakeLists.txt"),
                CGenerator.resource("lib.CMakeLists.txt").replace("@CPU_FLAGS@", board.cpuFlags()));
        AtomicFiles.writeString(dir.resolve("kt_lib_test.c"), CGenerator.resource("kt_lib_test.c"));
        AtomicFiles.writeString(dir.resolve("kt_board.mk"), board.makeFragment());
        AtomicFiles.writeString(dir.resolve("README.md"), readme(p, state, board, f));
        return f;
    }

    static String readme(Program p, TrainState state, Board board, DeviceFootprint f) {
        long params = 0;
        for (var q : p.params) {
            params += (long) q.value.elements * q.value.dtype.bytes;
        }
        StringBuilder s = new StringBuilder();
        s.append("# kilotrain firmware library: ").append(p.forward.name).append("\n\n");
        s.append(String.format("Built for %s (%s, `%s`). Model fingerprint 0x%08x; %d classes; input %,d int8 "
                + "values (NHWC); %d trained parameters, %,d bytes; device batch %d.%n%n", board.name(), board.core(),
                board.cpuFlags(), ModelFingerprint.of(p, state.options()), p.numClasses, p.input.elements,
                p.params.size(), params, state.options().deviceBatch()));
        s.append("""
                ```
                make            # libkilotrain.a for the core (arm-none-eabi-gcc, -Wall -Wextra -Werror)
                make host       # libkilotrain-host.a (gcc)
                make check      # both, kt_lib_test.c linked against each, the host one run
                cmake -B build -DCMAKE_TOOLCHAIN_FILE=... && cmake --build build   # or add_subdirectory(this folder)
                ```

                Keep `-ffp-contract=off`, never `-ffast-math`, and round-to-nearest: the library then trains bit for bit
                as kilotrain's Java twin does. No heap, no startup code, no I/O, not reentrant (one model instance).

                ## API (`kt_lib.h`, `kt_model.h`, `kt_store.h`)

                - `int kt_init(const kt_flash *flash)`: start from the parameters in the firmware image, or with `flash`
                  from the newest valid saved state of this model. Returns `KT_STORE_OK`, or why the image's parameters
                  are used: `KT_STORE_EMPTY` (nothing saved), `KT_STORE_WRONG_MODEL` (a state with another model
                  fingerprint: another model, scheme, class count or update rule), `KT_STORE_WRONG_VERSION`,
                  `KT_STORE_FLASH_ERROR`, `KT_STORE_BAD_CONFIG`; `kt_store_strerror(code)` names it.
                - `int kt_predict(const int8_t *input, float *logits)`: inference, returns the class (logits may be NULL).
                - `float kt_learn(const int8_t *input, int label)`: learn from one labelled sample: forward, loss,
                  backward; the gradients of `KT_BATCH` samples (`compile --accumulate B`, default 1) are summed and
                  every `KT_BATCH`-th sample updates the parameters with the device's rules, bit for bit as kilotrain's
                  Java twin learns the same stream. Returns the loss (NaN and nothing learned for a label outside
                  [0, KT_CLASSES)).
                - `int kt_save(const kt_flash *flash)`: save the learned state and statistics, power-loss safe (below).
                - `const kt_stats *kt_statistics(void)`: `samples`, `steps`, `last_loss` (saved and restored).
                - `uint32_t kt_model_fingerprint(void)`, `const char *kt_library_version(void)`.
                - Lower level: `kt_train_step`, `kt_set_learning_rate`, `kt_export_params[_part]`, `kt_import_params`,
                  `kt_store_save` / `kt_store_restore`.

                ## Flash hooks (`kt_flash`)

                `read(ctx, addr, buf, n)`, `erase(ctx, addr)` (the sector starting at addr), `program(ctx, addr, buf, n)`
                (n a multiple of `write_unit`, into erased flash), each returning 0 on success; two sector-aligned,
                non-overlapping slots `slot_addr[2]` of `slot_bytes` each (a multiple of `sector_bytes`, at least
                `kt_store_slot_bytes_needed(write_unit)`); `write_unit` a power of two up to 256. Flash is NOR-like:
                erased bytes read 0xFF. A save erases the slot that does not hold the newest state, programs the
                payload, reads it back, then the header (magic, format version, model fingerprint, sequence, length,
                CRC-32 over header and payload) and last a commit mark: a power cut at any byte leaves the previous or
                the new state. The state is everything the update rules carry from one sample to the next
                (`KT_STATE_BYTES`): the parameters, then momentum, float master copies, stochastic-rounding generators,
                the batch's gradient sums and its position, so a restored device goes on exactly where it saved.

                """);
        s.append("## Memory planned at compile time (this model)\n\n| SRAM (static, .data + .bss) | bytes |\n| --- | ---: |\n");
        for (Map.Entry<String, Long> e : f.ramParts().entrySet()) {
            if (e.getValue() != 0) {
                s.append(String.format("| %s | %,d |%n", e.getKey(), e.getValue()));
            }
        }
        s.append(String.format("| **total** (plus the product's stack; `device-bench` reports the step's peak) | **%,d** |%n%n",
                f.ramBytes()));
        s.append("| flash | bytes |\n| --- | ---: |\n");
        for (Map.Entry<String, Long> e : f.flashParts().entrySet()) {
            if (e.getValue() != 0) {
                s.append(String.format("| %s | %,d |%n", e.getKey(), e.getValue()));
            }
        }
        s.append(String.format("| **total** | **%,d** |%n%n", f.flashBytes()));
        long saved = CGenerator.stateBytes(p, state.options());
        s.append(String.format("Each saved state takes %,d bytes of a slot (`kt_store_slot_bytes_needed(8)`: header, "
                + "statistics, %,d bytes of parameters and %,d of the update rules' state): two slots, each rounded up "
                + "to whole erase sectors.%n", 40 + ((16 + saved + 7) / 8) * 8, params, saved - params));
        return s.toString();
    }
}

package kilotrain.codegen;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import kilotrain.KtException;
import kilotrain.ops.core.Param;
import kilotrain.program.Program;

/**
 * The trained parameters as a device exports them: the bytes of {@code kt_export_params} (little-endian, program
 * parameter order), either as a binary file or as the hex text a firmware prints over its serial line
 * ({@code kt_device_main.c} prints {@code params <hex>} up to a line {@code end}). Reading checks the byte count
 * against the program, so a dump from another scheme or model is refused instead of misread.
 */
public final class ParamDump {
    private static final String MARK = "params ";

    private ParamDump() {
    }

    /** The bytes of a dump file: binary when its size is the program's parameter bytes, else hex text. */
    public static byte[] read(Path file, Program program) {
        long expected = bytes(program);
        byte[] raw;
        try {
            if (Files.size(file) > 4 * expected + (1 << 20)) {
                throw new KtException(file + ": " + Files.size(file) + " bytes is far more than a dump of this "
                        + "program's " + expected + " parameter bytes (binary) or their hex text");
            }
            raw = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new KtException("cannot read parameter dump " + file + ": " + e.getMessage());
        }
        if (raw.length == expected) {
            return raw;
        }
        return fromText(new String(raw, StandardCharsets.ISO_8859_1), file.toString(), expected);
    }

    /**
     * The bytes of a hex dump: the text after the last {@code params } up to a line {@code end} when the text has that
     * mark (a device log, whose latest dump counts), otherwise the whole text; whitespace between digits is ignored.
     */
    public static byte[] fromText(String text, String source, long expected) {
        int from = 0, to = text.length();
        int mark = text.lastIndexOf(MARK);
        if (mark >= 0) {
            from = mark + MARK.length();
            int end = text.indexOf("\nend", from);
            to = end < 0 ? text.length() : end;
        }
        StringBuilder digits = new StringBuilder();
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                continue;
            }
            if (Character.digit(c, 16) < 0) {
                throw new KtException(source + ": character '" + printable(c) + "' at offset " + i + " is not a hex "
                        + "digit; a parameter dump is either exactly " + expected + " bytes of binary or their hex "
                        + "text (optionally after 'params ' in a device log)");
            }
            digits.append(c);
        }
        if (digits.length() % 2 != 0) {
            throw new KtException(source + ": " + digits.length() + " hex digits, an odd count (truncated dump?)");
        }
        byte[] out = new byte[digits.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) ((Character.digit(digits.charAt(2 * i), 16) << 4)
                    | Character.digit(digits.charAt(2 * i + 1), 16));
        }
        return out;
    }

    /** Bytes of the dump of {@code program} (the generated header's {@code KT_PARAMS_BYTES}). */
    public static long bytes(Program program) {
        long n = 0;
        for (Param p : program.params) {
            n += (long) p.value.elements * p.value.dtype.bytes;
        }
        return n;
    }

    private static String printable(char c) {
        return c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c);
    }
}

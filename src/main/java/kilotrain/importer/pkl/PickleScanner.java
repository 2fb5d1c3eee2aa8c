package kilotrain.importer.pkl;

import kilotrain.KtException;

/**
 * Walks a pickle's opcodes without executing them, checking that every opcode is known and every length fits the
 * bytes actually present. The unpickler allocates a length field's worth of memory before reading, so a corrupt
 * or truncated file must be rejected here, with the offset, before it can ask for gigabytes.
 */
final class PickleScanner {
    private final byte[] b;
    private final String where;
    private int pos;

    private PickleScanner(byte[] b, String where) {
        this.b = b;
        this.where = where;
    }

    /** Throws KtException naming where and the offset if the pickle is malformed or ends early. */
    static void check(byte[] pickle, String where) {
        new PickleScanner(pickle, where).scan();
    }

    private KtException bad(int at, String what) {
        return new KtException(where + ": " + what + " at byte offset " + at);
    }

    private void need(int at, long n) {
        if (n < 0 || pos + n > b.length) {
            throw bad(at, "truncated or corrupt pickle (opcode needs " + n + " bytes, " + (b.length - pos)
                    + " remain)");
        }
    }

    private long le(int n) {
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (b[pos + i] & 0xFFL) << (8 * i);
        }
        pos += n;
        return v;
    }

    private void line(int at) {
        while (pos < b.length && b[pos] != '\n') {
            pos++;
        }
        if (pos >= b.length) {
            throw bad(at, "truncated pickle (unterminated text argument)");
        }
        pos++;
    }

    private void scan() {
        while (pos < b.length) {
            int at = pos;
            int op = b[pos++] & 0xFF;
            switch (op) {
                case '.' -> {
                    return;
                }
                case '(', '0', '1', '2', 'N', 't', ')', 0x85, 0x86, 0x87, ']', 'a', 'e', 'l', '}', 'd', 's', 'u',
                        'b', 'R', 0x81, 0x92, 0x88, 0x89, 'Q', 0x8f, 0x90, 0x91, 0x93, 0x94, 'o', 0x97, 0x98 -> {
                }
                case 'K', 'h', 'q', 0x80, 0x82 -> skip(at, 1);
                case 'M', 0x83 -> skip(at, 2);
                case 'J', 'j', 'r', 0x84 -> skip(at, 4);
                case 'G', 0x95 -> skip(at, 8);
                case 'I', 'L', 'F', 'S', 'V', 'P', 'g', 'p' -> line(at);
                case 'c', 'i' -> {
                    line(at);
                    line(at);
                }
                case 'U', 0x8c, 'C', 0x8a -> {
                    need(at, 1);
                    long n = le(1);
                    skip(at, n);
                }
                case 'T', 'X', 'B', 0x8b -> {
                    need(at, 4);
                    long n = le(4);
                    if (op == 'T' || op == 0x8b) {
                        n = (int) n; // signed in these opcodes
                    }
                    skip(at, n);
                }
                case 0x8d, 0x8e, 0x96 -> {
                    need(at, 8);
                    long n = le(8);
                    skip(at, n);
                }
                default -> throw bad(at, String.format("unknown pickle opcode 0x%02x", op));
            }
        }
        throw bad(pos, "truncated pickle (no STOP opcode)");
    }

    private void skip(int at, long n) {
        need(at, n);
        pos += (int) n;
    }
}

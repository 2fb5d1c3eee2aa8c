package kilotrain.ops.conv;

import java.util.List;
import kilotrain.ir.Conv2D;
import kilotrain.ir.Op;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.CEmitter;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.JavaBinder;
import kilotrain.ops.core.JavaStep;
import kilotrain.ops.core.Param;
import kilotrain.ops.core.ParamState;
import kilotrain.ops.core.TrainedConv;
import kilotrain.ops.update.Update;

/**
 * Weight gradient and batch-1 update fused, {@code rowsPerChunk} rows of the gradient at a time (row = output
 * channel, or kept channel x multiplier for depthwise convs): each chunk is computed into {@code rows} and applied
 * at once, so the whole gradient never exists. The same bits as ConvWeightGrad followed by {@link Update}, whatever
 * the chunk: each element's sum is the same in any chunk (WeightGradRows), and the update is elementwise in slice
 * order. In C, kt_conv_weight_grad_rows converts each saved input value once per four rows of a chunk, so the
 * planner gives a fused update rows of four where they fit under the peak ({@code Reorder.rowChunksWhereFree}).
 */
public record ConvWeightUpdate(Conv2D conv, TrainedConv trained, Buf gAcc, Buf saved, Param param, Buf rows,
        int rowsPerChunk) implements Instr {
    public List<Buf> reads() {
        return Instr.bufs(gAcc, saved, param.value);
    }

    public List<Buf> writes() {
        return Instr.bufs(param.value, rows);
    }

    public String op() {
        return "conv_weight_grad_update";
    }

    public JavaStep bind(JavaBinder b) {
        ParamState state = b.state();
        int index = b.paramIndex(param), rowCount = param.value.elements / param.rowLength;
        int[] kept = trained.partial() ? trained.keptChannels : null;
        int ch = rows.id, s = saved.id, ga = gAcc.id;
        ConvWindow win = ConvWindow.of(conv);
        return (f, training) -> {
            float lr = f.learningRate(this);
            float[] chunk = f.floats[ch];
            for (int r = 0; r < rowCount; r += rowsPerChunk) {
                int k = Math.min(rowsPerChunk, rowCount - r);
                WeightGradRows.compute(conv, win, f.bytes[s], f.off[s], f.floats[ga], 0, kept, r, k, chunk, 0);
                state.applySampleRows(index, chunk, 0, r, k, lr);
            }
        };
    }

    public String emitC(CEmitter e, boolean training) {
        String kept = "NULL";
        int nk = conv.input.channels();
        if (trained.partial()) {
            kept = e.constInts("kt_wkept_" + rows.id, trained.keptChannels);
            nk = trained.keptChannels.length;
        }
        int rowCount = param.value.elements / param.rowLength;
        String g = e.buf(rows);
        return "for (int r = 0; r < " + rowCount + "; r += " + rowsPerChunk + ") {\n"
                + "        const int k = " + rowCount + " - r < " + rowsPerChunk + " ? " + rowCount + " - r : "
                + rowsPerChunk + ";\n"
                + "        kt_conv_weight_grad_rows(" + e.conv(conv) + ", " + e.buf(saved) + ", " + kept + ", " + nk
                + ", " + e.buf(gAcc) + ", r, k, " + g + ");\n"
                + "        " + e.updateRows(param, g, "r", "k").replace("\n", "\n        ") + "\n    }";
    }

    public Buf rowChunk() {
        return rows;
    }

    /** The same fused update with another chunk: {@code rowsPerChunk} rows at a time into {@code chunk}. */
    public Instr withRowUpdate(Param q, Buf chunk, int rowsPerChunk) {
        if (q != param || chunk.elements < rowsPerChunk * param.rowLength) {
            throw new IllegalArgumentException(param.name + ": a chunk of " + rowsPerChunk + " rows needs "
                    + rowsPerChunk * param.rowLength + " floats, " + chunk + " given");
        }
        return new ConvWeightUpdate(conv, trained, gAcc, saved, param, chunk, rowsPerChunk);
    }

    public Param updatedParam() {
        return param;
    }

    public List<Op> constOps() {
        return List.of();
    }
}

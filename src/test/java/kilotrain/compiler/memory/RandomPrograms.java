package kilotrain.compiler.memory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import kilotrain.ir.DType;
import kilotrain.ops.add.AddFwd;
import kilotrain.ops.conv.ConvBiasGrad;
import kilotrain.ops.conv.ConvDwFwd;
import kilotrain.ops.conv.ConvDwInPlace;
import kilotrain.ops.conv.ConvFwd;
import kilotrain.ops.conv.ConvInputGrad;
import kilotrain.ops.conv.ConvInputGradInPlace;
import kilotrain.ops.conv.ConvOutGrad;
import kilotrain.ops.core.Buf;
import kilotrain.ops.core.Instr;
import kilotrain.ops.core.Param;
import kilotrain.ops.dequantize.DequantizeFwd;
import kilotrain.ops.loss.LossGrad;
import kilotrain.ops.reshape.Copy;
import kilotrain.ops.reshape.CopyGrad;
import kilotrain.program.Program;

/**
 * Random training-step-like programs for property tests: forward adds and copies over int8 activations with masks,
 * fused conv + depthwise forwards (an output and a plane that dies where it is written), in-place kernels (an
 * output of another size that may go over the input, a scratch) forward and backward,
 * a loss, backward mask multiplies, gradient copies (some accumulating), parameters read in the forward pass and
 * given gradients in the backward pass. Only what instructions read and write matters to the memory passes.
 */
final class RandomPrograms {
    private RandomPrograms() {
    }

    static Program generate(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Buf> bufs = new ArrayList<>();
        List<Instr> step = new ArrayList<>();
        List<Param> params = new ArrayList<>();
        int[] sizes = {1, 3, 8, 17, 64, 100, 255, 1024};
        Buf input = add(bufs, "input", Buf.Kind.INPUT, DType.INT8, sizes[r.nextInt(sizes.length)]);
        List<Buf> acts = new ArrayList<>(List.of(input));
        List<Buf[]> masked = new ArrayList<>();
        int forward = 2 + r.nextInt(12);
        for (int i = 0; i < forward; i++) {
            Buf a = acts.get(r.nextInt(acts.size()));
            int kind = r.nextInt(5);
            if (kind == 0) {
                Buf b = sameSize(acts, a, r);
                Buf out = add(bufs, "add" + i, Buf.Kind.ACT, DType.INT8, a.elements);
                Buf m = add(bufs, "add" + i + ".mask", Buf.Kind.MASK, DType.INT8, a.elements);
                step.add(new AddFwd(null, a, b, out, m));
                acts.add(out);
                masked.add(new Buf[] {out, m});
            } else if (kind == 1) {
                Buf out = add(bufs, "copy" + i, Buf.Kind.ACT, DType.INT8, a.elements);
                step.add(new Copy(a, out));
                acts.add(out);
            } else if (kind == 2) {
                // a fused conv + depthwise: writes its output and a plane that lives at this instruction only
                Buf plane = add(bufs, "convdw" + i + ".plane", Buf.Kind.ACT, DType.INT8,
                        sizes[r.nextInt(sizes.length)]);
                Buf out = add(bufs, "convdw" + i, Buf.Kind.ACT, DType.INT8, sizes[r.nextInt(sizes.length)]);
                step.add(new ConvDwFwd(null, null, a, plane, out));
                acts.add(out);
            } else if (kind == 4) {
                // an in-place depthwise conv: its output (another size) may go over its input, through a plane
                Buf plane = add(bufs, "dw" + i + ".plane", Buf.Kind.ACT, DType.INT8, sizes[r.nextInt(sizes.length)]);
                Buf out = add(bufs, "dw" + i, Buf.Kind.ACT, DType.INT8, sizes[r.nextInt(sizes.length)]);
                step.add(new ConvDwInPlace(null, a, plane, out));
                acts.add(out);
            } else {
                Buf w = add(bufs, "p" + i + ".value", Buf.Kind.PARAM, DType.INT32, 1 + r.nextInt(40));
                Buf g = add(bufs, "p" + i + ".grad", Buf.Kind.GRAD, DType.FLOAT32, w.elements);
                params.add(new Param("p" + i, Param.Role.CONV_BIAS, null, w, g, null, null, 1, new int[w.elements]));
                Buf out = add(bufs, "conv" + i, Buf.Kind.ACT, DType.INT8, sizes[r.nextInt(sizes.length)]);
                Buf m = add(bufs, "conv" + i + ".mask", Buf.Kind.MASK, DType.INT8, out.elements);
                step.add(new ConvFwd(null, null, a, out, m, null, w));
                acts.add(out);
                masked.add(new Buf[] {out, m});
            }
        }
        Buf last = acts.get(acts.size() - 1);
        Buf logits = add(bufs, "logits", Buf.Kind.LOGITS, DType.FLOAT32, last.elements);
        Buf loss = add(bufs, "loss", Buf.Kind.LOSS, DType.FLOAT32, 1);
        Buf gl = add(bufs, "logits.grad", Buf.Kind.GRAD, DType.FLOAT32, last.elements);
        step.add(new DequantizeFwd(last, logits));
        step.add(new LossGrad(logits, loss, gl));
        List<Buf> grads = new ArrayList<>(List.of(gl));
        for (Buf[] am : masked) {
            // a backward mask multiply per masked forward output whose size some gradient has
            Buf g = null;
            for (Buf x : grads) {
                if (x.elements == am[0].elements) {
                    g = x;
                }
            }
            if (g == null) {
                continue;
            }
            Buf acc = add(bufs, am[0].name + ".gacc", Buf.Kind.GRAD, DType.FLOAT32, g.elements);
            step.add(new ConvOutGrad(null, g, am[1], acc));
            grads.add(acc);
        }
        int backward = 1 + r.nextInt(10);
        for (int i = 0; i < backward; i++) {
            Buf g = grads.get(r.nextInt(grads.size()));
            List<Buf> targets = new ArrayList<>();
            for (Buf x : grads) {
                if (x != g && x.elements == g.elements && x.kind == Buf.Kind.GRAD) {
                    targets.add(x);
                }
            }
            if (!targets.isEmpty() && r.nextBoolean()) {
                step.add(new CopyGrad(g, targets.get(r.nextInt(targets.size())), true));
            } else if (r.nextInt(3) == 0) {
                // an in-place input gradient: g_x of another size over g_acc, through a scratch
                Buf out = add(bufs, "gx" + i, Buf.Kind.GRAD, DType.FLOAT32, sizes[r.nextInt(sizes.length)]);
                Buf scratch = add(bufs, "gx" + i + ".scratch", Buf.Kind.GRAD, DType.FLOAT32, 1 + r.nextInt(64));
                step.add(new ConvInputGradInPlace(new ConvInputGrad(null, g, null, out, false), scratch, 1));
                grads.add(out);
            } else {
                Buf out = add(bufs, "g" + i, Buf.Kind.GRAD, DType.FLOAT32, g.elements);
                step.add(new CopyGrad(g, out, false));
                grads.add(out);
            }
        }
        for (Param q : params) {
            // the parameter's gradient comes from some gradient of the backward pass (a bias gradient)
            Buf g = grads.get(r.nextInt(grads.size()));
            step.add(new ConvBiasGrad(null, g, q.grad));
        }
        return new Program(null, step, bufs, params, List.of(), input, logits, loss, last.elements, 0);
    }

    private static Buf sameSize(List<Buf> acts, Buf a, SplittableRandom r) {
        List<Buf> c = new ArrayList<>();
        for (Buf x : acts) {
            if (x.elements == a.elements) {
                c.add(x);
            }
        }
        return c.get(r.nextInt(c.size()));
    }

    private static Buf add(List<Buf> bufs, String name, Buf.Kind kind, DType t, int n) {
        Buf b = new Buf(bufs.size(), name, kind, t, n);
        bufs.add(b);
        return b;
    }

    /** A uniformly random order among those that respect the dependencies. */
    static int[] randomTopologicalOrder(Dependencies d, SplittableRandom r) {
        int n = d.preds.length;
        int[] missing = new int[n];
        List<List<Integer>> succ = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            succ.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            missing[i] = d.preds[i].length;
            for (int j : d.preds[i]) {
                succ.get(j).add(i);
            }
        }
        List<Integer> ready = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (missing[i] == 0) {
                ready.add(i);
            }
        }
        int[] order = new int[n];
        for (int k = 0; k < n; k++) {
            int i = ready.remove(r.nextInt(ready.size()));
            order[k] = i;
            for (int s : succ.get(i)) {
                if (--missing[s] == 0) {
                    ready.add(s);
                }
            }
        }
        return order;
    }
}

#!/usr/bin/env python3
"""Cross-checks a TFLite model in TensorFlow Lite's reference kernels against `kilotrain predict`.

Usage: tflite_reference_check.py MODEL.tflite [N] [KILOTRAIN_JAR]

Feeds N seeded random int8 inputs to both and compares the int8 output tensors byte for byte; prints the head's
logits ("head/logits", written by `train --head int8`) when the model has them. Needs TensorFlow (any recent
version) in the Python that runs it: it is a manual check, not part of the build. Exit status 1 on any mismatch.
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
import tensorflow as tf


def main():
    model = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    jar = sys.argv[3] if len(sys.argv) > 3 else os.path.join(os.path.dirname(__file__), "..", "target", "kilotrain.jar")
    # reference kernels: the optimized x86 ones (XNNPACK, ruy) round some int8 results differently
    it = tf.lite.Interpreter(model_path=model, experimental_preserve_all_tensors=True,
                             experimental_op_resolver_type=tf.lite.experimental.OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    out = it.get_output_details()[0]
    logits = [t["index"] for t in it.get_tensor_details() if t["name"] == "head/logits"]
    rng = np.random.default_rng(0)
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(n):
            x = rng.integers(-128, 128, size=inp["shape"], dtype=np.int8)
            f = os.path.join(tmp, "in%d.int8" % k)
            x.tofile(f)
            it.set_tensor(inp["index"], x)
            it.invoke()
            ref = it.get_tensor(out["index"]).flatten()
            raw = os.path.join(tmp, "out.bin")
            subprocess.run(["java", "-jar", jar, "predict", model, f, "--raw-output", raw], check=True,
                           capture_output=True)
            ours = np.fromfile(raw, dtype=np.int8)
            same = np.array_equal(ours, ref)
            bad += not same
            head = (" head/logits %s" % it.get_tensor(logits[0]).flatten().tolist()) if logits else ""
            print("input %d: %s%s" % (k, "equal" if same else "DIFFER tflite=%s kilotrain=%s" % (ref.tolist(),
                                                                                          ours.tolist()), head))
    print("%d of %d outputs differ" % (bad, n))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()

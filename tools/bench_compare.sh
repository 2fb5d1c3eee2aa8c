#!/usr/bin/env bash
# Host throughput of this checkout against an older revision, side by side: both jars run AT THE SAME TIME (each
# with THREADS threads), repeated REPS times, so other load on the machine hits both alike; each measures images per
# CPU-second of its own bench threads (thread CPU time, so waiting for a core does not count), inference and the
# training step, the way `kilotrain bench` runs them (fixed random input, float head, a CPU-time warm-up of 3 s).
# usage: tools/bench_compare.sh BASE_REV [REPS] [MODEL] [SCHEME] [SECONDS] [THREADS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
base=${1:?usage: tools/bench_compare.sh BASE_REV [REPS] [MODEL] [SCHEME] [SECONDS] [THREADS]}
reps=${2:-5}
model=${3:-../shared/models/tiny-training/mcunet-5fps.pkl}
scheme=${4:-mcunet-5fps:99kb}
secs=${5:-8}
threads=${6:-1}
work=$(mktemp -d /tmp/kilotrain-bench-compare.XXXXXX)
trap 'git -C "$root" worktree remove --force "$work/base" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
(cd "$root" && mvn -q -B -ntp -DskipTests package >&2)
cp "$root/target/kilotrain.jar" "$work/new.jar"
git -C "$root" worktree add --detach "$work/base" "$base" >/dev/null 2>&1
(cd "$work/base" && mvn -q -B -ntp -DskipTests package >&2)
cp "$work/base/target/kilotrain.jar" "$work/old.jar"
for v in old new; do
  # the classes moved between packages over time: import them from where this jar has them
  cls=$(unzip -Z1 "$work/$v.jar")
  st=$(grep -q '^kilotrain/program/TrainState.class$' <<<"$cls" && echo kilotrain.program.TrainState || echo kilotrain.exec.TrainState)
  sc=$(grep -q '^kilotrain/compiler/Scheme.class$' <<<"$cls" && echo kilotrain.compiler.Scheme || echo kilotrain.train.Scheme)
  mkdir -p "$work/h-$v"
  cat > "$work/h-$v/CpuBench.java" <<JAVA
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.SplittableRandom;
import kilotrain.compiler.TrainCompiler;
import kilotrain.compiler.TrainSpec;
import kilotrain.exec.Executor;
import kilotrain.exec.TrainExecutor;
import $st;
import $sc;
import kilotrain.importer.ModelLoader;
import kilotrain.ir.Graph;
import kilotrain.ops.update.BiasRounding;
import kilotrain.ops.update.WeightRounding;
import kilotrain.program.Program;

public class CpuBench {
    static final ThreadMXBean MX = ManagementFactory.getThreadMXBean();

    public static void main(String[] a) throws Exception {
        Graph g = ModelLoader.load(Path.of(a[0]));
        double secs = Double.parseDouble(a[2]);
        int threads = Integer.parseInt(a[3]);
        byte[] input = new byte[g.input.elements()];
        new SplittableRandom(1).nextBytes(input);
        kilotrain.exec.CompiledGraph compiled = kilotrain.exec.CompiledGraph.compile(g);
        double inf = measure(threads, secs, () -> { Executor ex = new Executor(compiled); return () -> ex.run(input); });
        Scheme s = Scheme.resolve(a[1], TrainCompiler.backboneConvs(g).size());
        Program p = TrainCompiler.compile(g, new TrainSpec(s, 10, 0, TrainSpec.Head.FLOAT));
        TrainState state = new TrainState(p, new TrainState.Options(true, 0f, WeightRounding.STOCHASTIC,
                BiasRounding.FLOAT_SHADOW, 0));
        TrainExecutor exec = new TrainExecutor(p, state);
        double tr = measure(threads, secs, () -> { TrainExecutor.Workspace ws = exec.workspace();
                return () -> exec.step(ws, input, 1); });
        System.out.printf("%.1f %.1f%n", inf, tr);
    }

    /** Images per CPU-second of the bench threads, after a warm-up of 3 CPU-seconds each. */
    static double measure(int threads, double secs, java.util.function.Supplier<Runnable> per) throws Exception {
        long[] n = new long[threads], cpu = new long[threads];
        Thread[] ts = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            final int id = i;
            ts[i] = new Thread(() -> {
                Runnable r = per.get();
                long c0 = MX.getCurrentThreadCpuTime();
                while (MX.getCurrentThreadCpuTime() - c0 < 3e9) r.run();
                long start = MX.getCurrentThreadCpuTime(), c, k = 0;
                while ((c = MX.getCurrentThreadCpuTime()) - start < secs * 1e9) { r.run(); k++; }
                n[id] = k;
                cpu[id] = c - start;
            });
            ts[i].start();
        }
        long tn = 0, tc = 0;
        for (int i = 0; i < threads; i++) { ts[i].join(); tn += n[i]; tc += cpu[i]; }
        return tn / (tc / 1e9);
    }
}
JAVA
  javac -cp "$work/$v.jar" -d "$work/h-$v" "$work/h-$v/CpuBench.java"
done
cd "$root"
echo "rep load old_inference new_inference old_training new_training (images per CPU-second, $threads thread(s) each)"
for r in $(seq 1 "$reps"); do
  load=$(cut -d' ' -f1 /proc/loadavg)
  java -Xmx4g -cp "$work/old.jar:$work/h-old" CpuBench "$model" "$scheme" "$secs" "$threads" > "$work/old.out" &
  a=$!
  java -Xmx4g -cp "$work/new.jar:$work/h-new" CpuBench "$model" "$scheme" "$secs" "$threads" > "$work/new.out" &
  b=$!
  wait $a $b
  read -r oi ot < "$work/old.out"
  read -r ni nt < "$work/new.out"
  echo "$r $load $oi $ni $ot $nt" | tee -a "$work/all"
done
awk '{oi+=$3; ni+=$4; ot+=$5; nt+=$6; ri=$4/$3; rt=$6/$5; if (NR==1||ri<ril) ril=ri; if (NR==1||ri>rih) rih=ri;
      if (NR==1||rt<rtl) rtl=rt; if (NR==1||rt>rth) rth=rt}
     END {printf "mean: inference old %.1f new %.1f (%+.1f %%, runs %+.1f..%+.1f %%); training old %.1f new %.1f (%+.1f %%, runs %+.1f..%+.1f %%)\n",
          oi/NR, ni/NR, 100*(ni/oi-1), 100*(ril-1), 100*(rih-1), ot/NR, nt/NR, 100*(nt/ot-1), 100*(rtl-1), 100*(rth-1)}' "$work/all"

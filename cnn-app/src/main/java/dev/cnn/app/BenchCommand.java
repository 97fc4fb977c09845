package dev.cnn.app;

import com.google.gson.Gson;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.core.Threads;
import dev.cnn.core.kernel.ConvGeometry;
import dev.cnn.core.kernel.ConvKernel;
import dev.cnn.core.kernel.Gemm;
import dev.cnn.core.kernel.PoolGeometry;
import dev.cnn.core.kernel.PoolKernel;
import dev.cnn.nn.Model;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.losses.Loss;
import dev.cnn.nn.optimizers.Adam;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cnn bench}: standard workloads timed side by side in one run, each after a warm-up, reported
 * as the median, min and max of several timed runs.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Benchmark the standard workloads: lenet-2v5 training step and inference (images/s) and "
                + "housing-mlp training step (samples/s).",
            "With --kernels also the convolution layers (GFLOP/s), pooling (GB/s of input read), the matrix products "
                    + "(GFLOP/s), and a pure FMA loop on one core before and after them (the machine's peak in the same "
                    + "minutes)."})
final class BenchCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--runs", description = "Timed runs per workload (default ${DEFAULT-VALUE}).", defaultValue = "7")
    int runs;

    @Option(names = "--seconds", description = "Length of one timed run in seconds (default ${DEFAULT-VALUE}).",
            defaultValue = "0.5")
    double seconds;

    @Option(names = "--kernels", description = "Also benchmark the individual kernels.")
    boolean kernels;

    @Option(names = "--only-kernels", description = "Benchmark only the individual kernels.")
    boolean onlyKernels;

    @Option(names = "--breakdown", description = "Also show how a lenet-2v5 training step divides between the "
            + "kernel layers and everything else and what it allocates, each layer's forward and backward share of "
            + "a digits step and an mnist step, and the images network's step by layer type.")
    boolean breakdown;

    @Option(names = "--memory", description = "Only measure the heap a ResNet-18 training step (224x224x3, batch 8, "
            + "Adam) keeps between steps, and then an inference copy of its layers, against the sum of its layers' "
            + "outputs.")
    boolean memory;

    @Option(names = "--predict", paramLabel = "MODEL", description = "Only time Model.predict of a saved model on "
            + "batches of --batch-size random inputs in [0, 1) (rows/s): what cnn serve's batches cost in one process.")
    java.nio.file.Path predictModel;

    @Option(names = "--batch-size", description = "With --predict: rows per call (default ${DEFAULT-VALUE}).",
            defaultValue = "32")
    int predictBatch;

    /** One timed workload: runs {@code op} repeatedly; each call does {@code work} units. */
    private record Workload(String name, String unit, double work, Runnable op) {
    }

    @Override
    public Integer call() throws java.io.IOException {
        common.applyThreads();
        if (runs < 1 || !(seconds > 0)) {
            throw new IllegalArgumentException("--runs must be >= 1 and --seconds > 0");
        }
        if (memory) {
            Map<String, Object> m = resnetMemory(8);
            if (common.json) {
                System.out.println(Json.LINE.toJson(m));
            } else {
                m.forEach((k, v) -> System.out.printf("%-34s %s%n", k, v instanceof Double d
                        ? String.format(java.util.Locale.ROOT, "%,.1f", d) : v));
            }
            return 0;
        }
        List<Workload> w = new ArrayList<>();
        if (predictModel != null) {
            if (predictBatch < 1) {
                throw CommonOptions.usage(spec, "--batch-size must be >= 1, got " + predictBatch);
            }
            Model m = Model.load(predictModel);
            int[] shape = new int[m.inputShape().length + 1];
            shape[0] = predictBatch;
            System.arraycopy(m.inputShape(), 0, shape, 1, m.inputShape().length);
            Tensor x = new NumpyRandom(1).rand(shape);
            String name = predictModel.getFileName().toString().replaceFirst("\\.cnn$", "");
            w.add(new Workload("predict " + name + " b" + predictBatch, "rows/s", predictBatch, () -> m.predict(x)));
        } else if (!onlyKernels) {
            w.addAll(models());
        }
        if (kernels || onlyKernels) {
            if (FmaLoop.available()) { // the core's rate in the same minutes, before and after the kernels
                w.add(0, fmaLoop("before"));
            }
            w.addAll(kernelWorkloads());
            if (FmaLoop.available()) {
                w.add(fmaLoop("after"));
            }
        }
        if (!common.json) {
            System.out.printf("threads %d, kernels %s, %d runs of %.1f s each after warm-up%n", Threads.count(),
                    Gemm.backendName(), runs, seconds);
            System.out.printf("%-28s %14s %14s %14s  %s%n", "workload", "median", "min", "max", "unit");
        }
        Gson gson = Json.LINE;
        for (Workload wl : w) {
            double[] r = measure(wl);
            if (common.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("workload", wl.name());
                m.put("unit", wl.unit());
                m.put("median", r[0]);
                m.put("min", r[1]);
                m.put("max", r[2]);
                m.put("threads", Threads.count());
                System.out.println(gson.toJson(m));
            } else {
                System.out.printf("%-28s %,14.1f %,14.1f %,14.1f  %s%n", wl.name(), r[0], r[1], r[2], wl.unit());
            }
        }
        if (breakdown) {
            double[] b = StepBreakdown.measure(Math.max(50, (int) (runs * seconds * 200)));
            if (common.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("workload", "lenet-2v5 train step breakdown");
                m.put("stepMs", b[0]);
                m.put("kernelShare", b[1]);
                m.put("outsideKernelsShare", 1 - b[1]);
                m.put("bytesAllocatedPerStep", b[2]);
                m.put("threads", Threads.count());
                System.out.println(gson.toJson(m));
            } else {
                System.out.printf("lenet-2v5 train step: %.2f ms, %.1f%% in kernel layers (conv, pool, fully connected), "
                        + "%.1f%% outside; %,.0f bytes allocated per step (calling thread)%n", b[0], 100 * b[1],
                        100 * (1 - b[1]), b[2]);
            }
            printProfile(gson, Task.DIGITS, "digits-net", "lenet 8-16-64-1, batch 32",
                    StepBreakdown.layerProfile(Task.DIGITS, Math.max(50, (int) (runs * seconds * 100))));
            printProfile(gson, Task.MNIST, "mnist-net", "lenet 32-64-256-10, batch 64",
                    StepBreakdown.layerProfile(Task.MNIST, Math.max(20, (int) (runs * seconds * 15))));
            Map<String, Double> shares = StepBreakdown.imagesNetShares(Math.max(50, (int) (runs * seconds * 100)));
            if (common.json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("workload", "images-net train step breakdown");
                m.putAll(shares);
                m.put("threads", Threads.count());
                System.out.println(gson.toJson(m));
            } else {
                StringBuilder sb = new StringBuilder(String.format("images-net train step (conv-BN-ReLU-pool x2, batch 64): "
                        + "%.2f ms;", shares.get("stepMs")));
                shares.forEach((type, share) -> {
                    if (!type.equals("stepMs")) {
                        sb.append(String.format(" %s %.1f%%", type, 100 * share));
                    }
                });
                System.out.println(sb);
            }
        }
        return 0;
    }

    /** One network's per-layer profile of a training step, as text or as a JSON line. */
    private void printProfile(Gson gson, Task task, String name, String network, Map<String, double[]> profile) {
        if (common.json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", name + " train step profile");
            profile.forEach((layer, v) -> m.put(layer, v.length == 1 ? v[0] : Map.of("forward", v[0], "backward", v[1])));
            m.put("threads", Threads.count());
            System.out.println(gson.toJson(m));
            return;
        }
        System.out.printf("%s train step (%s, as cnn train %s trains it): %.2f ms; share per layer (forward + backward):%n",
                name, network, task.id, profile.get("stepMs")[0]);
        profile.forEach((layer, v) -> {
            if (v.length == 2) {
                System.out.printf("  %-8s %5.1f%% + %5.1f%%%n", layer, 100 * v[0], 100 * v[1]);
            } else if (layer.equals("other")) {
                System.out.printf("  %-8s %5.1f%% (loss, optimizer, batch handling)%n", layer, 100 * v[0]);
            }
        });
    }

    private double[] measure(Workload w) {
        // warm up for at least 3 s, then until two windows in a row agree within 10 % (C2 compiles the
        // large vector kernels on the same two cores, so one slow step can still land after 3 s), at most 20 s
        long warmStart = System.nanoTime();
        long warmEnd = warmStart + (long) (Math.max(3.0, 2 * seconds) * 1e9);
        while (System.nanoTime() < warmEnd) {
            w.op().run();
        }
        double previous = window(w);
        double current = window(w);
        while (Math.abs(current - previous) > 0.1 * Math.max(current, previous)
                && System.nanoTime() - warmStart < 20e9) {
            previous = current;
            current = window(w);
        }
        double[] rates = new double[runs];
        for (int r = 0; r < runs; r++) {
            rates[r] = window(w);
        }
        double[] sorted = rates.clone();
        Arrays.sort(sorted);
        double median = runs % 2 == 1 ? sorted[runs / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
        return new double[] {median, sorted[0], sorted[runs - 1]};
    }

    /** Runs the workload for {@code seconds} and returns its throughput in work units per second. */
    private double window(Workload w) {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        int calls = 0;
        long now;
        do {
            w.op().run();
            calls++;
            now = System.nanoTime();
        } while (now < end);
        return w.work() * calls / ((now - start) / 1e9);
    }

    /**
     * The heap a ResNet-18 training step keeps between steps at {@code batch}: the model is built, two
     * steps run (the second reuses every buffer the first made), and the live heap after a full GC is
     * compared with what the weights, their gradients and Adam's moments account for; the rest is the
     * step's buffers (layer outputs, input gradients, convolution work space), set against the sum of every
     * layer's output (MB of float32). Then one prediction: what the inference copy of the layers it leaves
     * in the model's pool adds (its outputs lent and given back as the pass goes, and its scratch).
     */
    static Map<String, Object> resnetMemory(int batch) {
        long base = liveHeap();
        Model m = Architectures.resnet18(224, 1000, 1);
        NumpyRandom rng = new NumpyRandom(1);
        Tensor x = rng.randn(batch, 224, 224, 3);
        Tensor y = Tensor.zeros(batch, 1000);
        for (int i = 0; i < batch; i++) {
            y.set(1f, i, i * 37 % 1000);
        }
        long built = liveHeap() - base;
        m.trainBatch(x, y);
        long start = System.nanoTime();
        m.trainBatch(x, y);
        double stepSeconds = (System.nanoTime() - start) / 1e9;
        long kept = liveHeap() - base;
        long parameters = m.parameterCount();
        double outputs = 0;
        for (String name : m.layerNames()) {
            outputs += 4.0 * batch * Tensor.checkedSize(m.outputShape(name));
        }
        double mb = 1 << 20;
        double weightsAndGradients = 8.0 * parameters;
        double adam = 8.0 * m.trainableParameters().values().stream().mapToLong(p -> p.value().size()).sum();
        double inputs = 4.0 * (x.size() + y.size());
        double buffers = kept - weightsAndGradients - adam - inputs;
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("workload", "resnet18 train step memory b" + batch);
        r.put("parameters", parameters);
        r.put("layers", m.layerNames().size());
        r.put("heap after build MB", built / mb);
        r.put("heap kept after 2 steps MB", kept / mb);
        r.put("weights + gradients MB", weightsAndGradients / mb);
        r.put("Adam moments MB", adam / mb);
        r.put("step buffers MB", buffers / mb);
        r.put("sum of layer outputs MB", outputs / mb);
        r.put("buffers / sum of outputs", buffers / outputs);
        r.put("second step seconds", stepSeconds);
        // inference: the model's pool keeps the copy of the layers predict made (weights shared)
        m.predict(x);
        long inference = liveHeap() - base - kept;
        r.put("inference copy b" + batch + " MB", inference / mb);
        r.put("inference copy / sum of outputs", inference / outputs);
        return r;
    }

    /** The live heap in bytes after a full collection (several, until it stops shrinking). */
    private static long liveHeap() {
        Runtime rt = Runtime.getRuntime();
        long last = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            long used = rt.totalMemory() - rt.freeMemory();
            if (used >= last) {
                return used;
            }
            last = used;
        }
        return last;
    }

    /** A pure FMA loop on the calling thread: this core's peak, for reading the kernels' GFLOP/s against. */
    private static Workload fmaLoop(String when) {
        long iterations = 1_000_000;
        return new Workload("fma-loop 1 core " + when, "GFLOP/s", FmaLoop.flops(iterations) / 1e9,
                () -> FmaLoop.run(iterations));
    }

    /** The lenet-2v5 network of the digits task and the housing MLP, on seeded random data. */
    static List<Workload> models() {
        NumpyRandom rng = new NumpyRandom(1);
        int batch = 64;
        Model lenet = Task.lenet(rng, Init.HE, 8, 16, 64, 1).add("sigmoid", Activation.sigmoid())
                .loss(Loss.BINARY_CROSS_ENTROPY).optimizer(new Adam()).build();
        Tensor x = rng.rand(batch, 28, 28, 1);
        Tensor y = Tensor.zeros(batch, 1);
        for (int i = 0; i < batch; i++) {
            y.set(i % 2, i, 0);
        }
        Model mlp = Model.builder(8)
                .add("fc1", new FullyConnected(8, 64, Init.HE, rng)).add("relu1", Activation.relu())
                .add("fc2", new FullyConnected(64, 64, Init.HE, rng)).add("relu2", Activation.relu())
                .add("fc3", new FullyConnected(64, 1, Init.XAVIER, rng)).add("linear", Activation.linear())
                .loss(Loss.MEAN_SQUARED_ERROR).optimizer(new Adam()).build();
        Tensor hx = rng.randn(32, 8);
        Tensor hy = rng.randn(32, 1);
        return List.of(
                new Workload("lenet-2v5 train step", "images/s", batch, () -> lenet.trainBatch(x, y)),
                new Workload("lenet-2v5 inference", "images/s", batch, () -> lenet.forward(x)),
                new Workload("housing-mlp train step", "samples/s", 32, () -> mlp.trainBatch(hx, hy)));
    }

    static List<Workload> kernelWorkloads() {
        List<Workload> w = new ArrayList<>();
        NumpyRandom rng = new NumpyRandom(2);
        // conv-layer: lenet-2v5's second layer; conv-first-layer: its first; conv-32-64: the second layer of
        // the mnist network, where `cnn train mnist` spends most of its time
        int[][] convs = {{8, 16, 28}, {1, 8, 28}, {32, 64, 14}};
        String[] names = {"conv-layer", "conv-first-layer", "conv-32-64"};
        for (int i = 0; i < convs.length; i++) {
            int cin = convs[i][0];
            String name = names[i];
            Tensor x = rng.randn(64, convs[i][2], convs[i][2], cin);
            Tensor wt = rng.randn(5, 5, cin, convs[i][1]);
            ConvGeometry g = ConvGeometry.of(x, wt, 1, 1, 2, 2);
            float[] b = new float[g.cOut()];
            float[] out = new float[Tensor.checkedSize(g.outputShape())];
            float[] dy = rng.randn(g.outputShape()).data();
            // a network's first layer needs no input gradient (PyTorch's side skips it too)
            float[] dx = cin == 1 ? null : new float[x.size()];
            float[] dw = new float[wt.size()];
            float[] db = new float[g.cOut()];
            ConvKernel k = new ConvKernel();
            double gflop = g.forwardFlops() / 1e9;
            w.add(new Workload(name + " forward", "GFLOP/s", gflop, () -> k.forward(g, x.data(), wt.data(), b, out)));
            // a first layer's backward computes only dW and db: 2 of the 3 forward-sized products
            w.add(new Workload(name + " fwd+bwd", "GFLOP/s", (cin == 1 ? 2 : 3) * gflop, () -> {
                k.forward(g, x.data(), wt.data(), b, out);
                k.backward(g, x.data(), wt.data(), dy, dx, dw, db);
            }));
        }
        Tensor px = rng.randn(64, 28, 28, 8);
        PoolGeometry pg = PoolGeometry.of(px, 2, 2, 2, 2);
        float[] py = new float[Tensor.checkedSize(pg.outputShape())];
        float[] pdy = rng.randn(pg.outputShape()).data();
        float[] pdx = new float[px.size()];
        w.add(new Workload("pool fwd+bwd", "GB/s", px.size() * 4 / 1e9, () -> {
            PoolKernel.forward(pg, PoolMode.MAX, px.data(), py);
            PoolKernel.backward(pg, PoolMode.MAX, px.data(), py, pdy, pdx);
        }));
        // the fully connected layers' three products: forward x·W (m = batch), dW = xᵀ·dY, dX = dY·Wᵀ
        for (int[] s : new int[][] {{64, 64, 784}, {64, 256, 3136}, {1024, 1024, 1024}}) {
            int m = s[0];
            int n = s[1];
            int kk = s[2];
            float[] a = rng.rand(m, kk).data();
            float[] bm = rng.rand(kk, n).data();
            float[] c = new float[m * n];
            // one packed-B buffer large enough for all three products (B is kk x n, m x n and n x kk)
            float[] pack = new float[Gemm.paddedWidth(Math.max(n, kk)) * Math.max(Math.max(m, n), kk)];
            double gflop = 2.0 * m * n * kk / 1e9;
            w.add(new Workload("matmul " + m + "x" + kk + "x" + n, "GFLOP/s", gflop,
                    () -> Gemm.gemm(m, n, kk, a, 0, kk, 1, bm, 0, n, 1, c, 0, n, null, false, pack, true)));
            if (m == 1024) {
                continue;
            }
            float[] dwc = new float[kk * n];
            // dW (kk x n) = aᵀ (kk x m) · c (m x n): A read transposed
            w.add(new Workload("matmul-AtB " + kk + "x" + m + "x" + n, "GFLOP/s", gflop,
                    () -> Gemm.gemm(kk, n, m, a, 0, 1, kk, c, 0, n, 1, dwc, 0, n, null, false, pack, true)));
            float[] dx = new float[m * kk];
            // dX (m x kk) = c (m x n) · bmᵀ (n x kk): B read transposed
            w.add(new Workload("matmul-ABt " + m + "x" + n + "x" + kk, "GFLOP/s", gflop,
                    () -> Gemm.gemm(m, kk, n, c, 0, n, 1, bm, 0, 1, n, dx, 0, kk, null, false, pack, true)));
        }
        return w;
    }
}

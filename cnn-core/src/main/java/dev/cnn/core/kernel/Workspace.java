package dev.cnn.core.kernel;

import dev.cnn.core.Tensor;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Work memory shared by the layers of one network, which run one at a time: the convolution kernels' scratch
 * arrays (im2col blocks, packed weights, per-thread partial weight gradients), which hold nothing from one call
 * to the next, and tensors lent for a known lifetime (a backward pass's input gradients, which live only until
 * the layer before has read them). A network of twenty convolutions then holds the scratch of its largest
 * one rather than of all twenty, and as many gradient tensors as are alive at once rather than one per layer.
 *
 * <p>Not thread-safe: one workspace per thread of work (a model has one for training and one per inference
 * copy, {@link #forInference}). A {@link ConvKernel} made without one has its own.
 */
public final class Workspace {
    // ---- convolution scratch: per parallel chunk, grown on demand, contents undefined between calls
    float[][] cols = new float[0][];
    float[][] dCols = new float[0][];
    float[][] dwPartial = new float[0][];
    float[][] dyPack = new float[0][];
    float[][] images = new float[0][];
    float[] wPack;
    float[] wtPack;
    float[] pointwiseDyPack;
    float[] flipped = new float[0];
    float[] paired = new float[0];
    float[] pairedBias = new float[0];
    float[] wDirect;
    float[] bDirect = new float[0];

    // ---- lent tensors
    /** Arrays given back, by shape. */
    private final Map<Shape, ArrayDeque<float[]>> free = new HashMap<>();
    /** Arrays out on loan, with their shape. */
    private final Map<float[], Shape> lent = new IdentityHashMap<>();

    private final boolean lendsOutputs;

    /** A workspace with nothing allocated yet, for training: only input gradients are lent. */
    public Workspace() {
        this(false);
    }

    private Workspace(boolean lendsOutputs) {
        this.lendsOutputs = lendsOutputs;
    }

    /**
     * A workspace for inference only, where no backward pass reads a layer's output once the layers that read
     * it have run: layers lend their outputs from it too, and a network's forward pass gives each back when its
     * last reader is done, so a deep network holds the few activations alive at once rather than all of them.
     */
    public static Workspace forInference() {
        return new Workspace(true);
    }

    /** Whether layers lend their outputs from this workspace too ({@link #forInference}). */
    public boolean lendsOutputs() {
        return lendsOutputs;
    }

    /**
     * A tensor of {@code shape} lent until {@link #giveBack} (or {@link #reclaimAll}): an array given back
     * earlier when one of that shape is free, else a new one. Its contents are undefined.
     */
    public Tensor lend(int... shape) {
        Shape key = new Shape(shape.clone());
        ArrayDeque<float[]> q = free.get(key);
        float[] a = q == null ? null : q.poll();
        if (a == null) {
            a = new float[Tensor.checkedSize(shape)];
        }
        lent.put(a, key);
        return Tensor.wrap(a, shape);
    }

    /** Whether {@code t}'s values are an array lent by {@link #lend} and not yet given back. */
    public boolean isLent(Tensor t) {
        return t != null && lent.containsKey(t.data());
    }

    /**
     * Takes back the array behind {@code t} (any tensor viewing it, e.g. a reshaped one) for the next
     * {@link #lend} of its shape; the caller must not use it afterwards. Tensors this workspace did not lend
     * are ignored.
     */
    public void giveBack(Tensor t) {
        Shape key = lent.remove(t.data());
        if (key != null) {
            free.computeIfAbsent(key, k -> new ArrayDeque<>()).push(t.data());
        }
    }

    /**
     * Takes back everything still lent (the start of a pass: nothing from an earlier pass is alive) and drops
     * the free arrays whose first axis (the batch) is neither {@code batch} nor {@code keepBatch}, so a run
     * whose batch size changes holds the arrays of at most two sizes.
     */
    public void reclaimAll(int batch, int keepBatch) {
        for (Map.Entry<float[], Shape> e : lent.entrySet()) {
            free.computeIfAbsent(e.getValue(), k -> new ArrayDeque<>()).push(e.getKey());
        }
        lent.clear();
        free.keySet().removeIf(s -> s.dims.length > 0 && s.dims[0] != batch && s.dims[0] != keepBatch);
    }

    /** Bytes held in lent tensors, free or out on loan (not counting the kernels' scratch). */
    public long tensorBytes() {
        long n = 0;
        for (ArrayDeque<float[]> q : free.values()) {
            for (float[] a : q) {
                n += 4L * a.length;
            }
        }
        for (float[] a : lent.keySet()) {
            n += 4L * a.length;
        }
        return n;
    }

    // ---- scratch sizing (package-private: the kernels')

    /** Makes {@code cols[0..chunks)} at least {@code colFloats} long. */
    void ensureCols(int chunks, int colFloats) {
        if (cols.length < chunks) {
            cols = Arrays.copyOf(cols, chunks);
            dCols = Arrays.copyOf(dCols, chunks);
            dwPartial = Arrays.copyOf(dwPartial, chunks);
            dyPack = Arrays.copyOf(dyPack, chunks);
        }
        for (int c = 0; c < chunks; c++) {
            if (cols[c] == null || cols[c].length < colFloats) {
                cols[c] = new float[colFloats];
            }
        }
    }

    /** Makes {@code images[0..chunks)} at least {@code floats} long. */
    void ensureImages(int chunks, int floats) {
        if (images.length < chunks) {
            images = Arrays.copyOf(images, chunks);
        }
        for (int c = 0; c < chunks; c++) {
            if (images[c] == null || images[c].length < floats) {
                images[c] = new float[floats];
            }
        }
    }

    /** As {@link #ensureCols}, and {@code dCols} as long, and {@code dwPartial} at least {@code partFloats}. */
    void ensureBackward(int chunks, int colFloats, int partFloats) {
        ensureCols(chunks, colFloats);
        for (int c = 0; c < chunks; c++) {
            if (dCols[c] == null || dCols[c].length < colFloats) {
                dCols[c] = new float[colFloats];
            }
            if (dwPartial[c] == null || dwPartial[c].length < partFloats) {
                dwPartial[c] = new float[partFloats];
            }
        }
    }

    /** A shape as a map key. */
    private record Shape(int[] dims) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Shape s && Arrays.equals(dims, s.dims);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(dims);
        }

        @Override
        public String toString() {
            return Arrays.toString(dims);
        }
    }
}

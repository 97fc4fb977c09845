package dev.cnn.core.kernel;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Work buffers a convolution algorithm owns, one per parallel chunk, grown on demand and reused from
 * call to call (what each holds is stated by the algorithm), and the stride-1 algorithms' shared step:
 * the kernel with two neighbouring positions per product row when {@code cOut} fills at most half a vector.
 */
abstract class BufferedConv implements ConvAlgorithm {
    /** The backend this algorithm was made for (its panel width decides kernel pairing). */
    final Backend backend;
    /** Where the scratch arrays live: shared with the other convolutions of a network, or this one's own. */
    final Workspace ws;
    /** Offset tables by window shape: a layer's forward, weight-gradient and input-gradient products each use one. */
    private final Map<Long, int[]> windowOffsets = new HashMap<>();

    BufferedConv(Backend backend, Workspace ws) {
        this.backend = backend;
        this.ws = ws;
    }

    /** Column offsets of the implicit im2col: window element (u, v, c) of an image row {@code wp·cIn} wide. */
    int[] windowOffsets(int kh, int kw, int cIn, int wp) {
        long key = (((long) kh * 64 + kw) * 65536 + cIn) * 65536 + wp;
        return windowOffsets.computeIfAbsent(key, unused -> ConvSupport.offsets(kh, kw, cIn, wp));
    }

    /** The stride-1 algorithms' forward pass: their product, written to {@code y}. */
    @Override
    public void forward(ConvGeometry g, float[] x, float[] w, float[] b, float[] y) {
        ConvSupport.check(g, x, w, y);
        convValid(g.n(), g.h(), g.w(), g.padH(), g.padW(), g.cIn(), g.kh(), g.kw(), g.cOut(), x, w, b, y, false);
    }

    /**
     * Adds the per-chunk partial sums of {@code ws.dwPartial[0..chunks)} (the weight gradient's {@code dwLength}
     * values, then {@code cOut} bias-gradient values) into {@code dw} and {@code db} (may be null), in chunk
     * order, so the result does not depend on timing.
     */
    void addPartials(int chunks, int dwLength, int cOut, float[] dw, float[] db) {
        for (int c = 0; c < chunks; c++) {
            float[] part = ws.dwPartial[c];
            for (int i = 0; i < dwLength; i++) {
                dw[i] += part[i];
            }
            if (db != null) {
                for (int co = 0; co < cOut; co++) {
                    db[co] += part[dwLength + co];
                }
            }
        }
    }

    /**
     * The stride-1 convolution of {@code x} {@code (n, h, w, cIn)} zero-padded by {@code (ph, pw)} with the kernel
     * {@code wm} {@code (kh·kw·cIn) × cOut}, written to {@code y} or added to it ({@code add}): the stride-1
     * algorithms' one product, which their forward and input gradient both run.
     */
    void convValid(int n, int h, int w, int ph, int pw, int cIn, int kh, int kw, int cOut, float[] x, float[] wm,
                   float[] bias, float[] y, boolean add) {
        throw new UnsupportedOperationException(name() + " has no stride-1 product");
    }

    /**
     * Adds the input gradient of a stride-1 convolution into {@code dx} (nothing when null): the valid
     * convolution of {@code dy} padded by {@code k − 1 − pad} with the kernel ws.flipped in space and its channel
     * axes swapped ({@link ConvSupport#flip}).
     */
    void inputGradient(ConvGeometry g, float[] w, float[] dy, float[] dx) {
        if (dx == null) {
            return;
        }
        ws.flipped = ConvSupport.flip(g, w, ws.flipped);
        convValid(g.n(), g.outH(), g.outW(), g.kh() - 1 - g.padH(), g.kw() - 1 - g.padW(), g.cOut(), g.kh(), g.kw(),
                g.cIn(), dy, ws.flipped, null, dx, true);
    }

    /** A stride-1 kernel as one product matrix: {@code per} positions per row, its matrix and bias. */
    record Kernel(int per, float[] w, float[] bias) {
    }

    /**
     * The kernel {@code wm} {@code (kh·kw·cIn) × cOut} as the stride-1 products use it: unchanged, or, when
     * {@code cOut} fills at most half a vector, ws.paired: one column wider ({@code kw + 1}), holding the
     * filter twice shifted by one position, so two neighbouring positions fill a row of the product.
     */
    Kernel kernel(int kh, int kw, int cIn, int cOut, float[] wm, float[] bias) {
        boolean pair = backend.paddedWidth(cOut) >= 2 * cOut;
        int per = pair ? 2 : 1;
        int nc = per * cOut;
        float[] wmat = wm;
        float[] b2 = bias;
        if (pair) {
            int k2 = kh * (kw + 1) * cIn;
            if (ws.paired.length < k2 * nc) {
                ws.paired = new float[k2 * nc];
            }
            Arrays.fill(ws.paired, 0, k2 * nc, 0f);
            for (int u = 0; u < kh; u++) {
                for (int q = 0; q <= kw; q++) {
                    for (int c = 0; c < cIn; c++) {
                        int row = ((u * (kw + 1) + q) * cIn + c) * nc;
                        if (q < kw) {
                            System.arraycopy(wm, ((u * kw + q) * cIn + c) * cOut, ws.paired, row, cOut);
                        }
                        if (q >= 1) {
                            System.arraycopy(wm, ((u * kw + q - 1) * cIn + c) * cOut, ws.paired, row + cOut, cOut);
                        }
                    }
                }
            }
            wmat = ws.paired;
            if (bias != null) {
                if (ws.pairedBias.length < nc) {
                    ws.pairedBias = new float[nc];
                }
                System.arraycopy(bias, 0, ws.pairedBias, 0, cOut);
                System.arraycopy(bias, 0, ws.pairedBias, cOut, cOut);
                b2 = ws.pairedBias;
            }
        }
        return new Kernel(per, wmat, b2);
    }
}

package dev.cnn.core.kernel;

/** Plain-Java matrix multiply: one row of C at a time, {@code C[i,:] += A[i,p] · Bpanel[p,:]}. */
final class ScalarGemm implements Gemm.GemmBackend {
    private static final int WIDTH = 64;

    @Override
    public int panelWidth(int n) {
        return Math.min(WIDTH, n);
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int tileRows() {
        return 1;
    }

    @Override
    public void rows(int i0, int i1, int panel0, int panel1, int n, int k, float[] a, int aOff, int ars, int[] iOff,
                     int[] kOff, int kStep, float[] bp, int width, float[] c, int cOff, int ldc, float[] bias, boolean accumulate) {
        float[] acc = new float[width];
        for (int i = i0; i < i1; i++) {
            int aRow = aOff + (iOff == null ? i * ars : iOff[i]);
            for (int panel = panel0; panel < panel1; panel++) {
                int j0 = panel * width;
                int cols = Math.min(width, n - j0);
                int cRow = cOff + i * ldc + j0;
                for (int j = 0; j < width; j++) {
                    acc[j] = j >= cols ? 0f : accumulate ? c[cRow + j] : bias != null ? bias[j0 + j] : 0f;
                }
                int base = panel * k * width;
                for (int p = 0; p < k; p++) {
                    float av = a[aRow + kOff[p]];
                    int bo = base + p * width;
                    for (int j = 0; j < width; j++) {
                        acc[j] += av * bp[bo + j];
                    }
                }
                System.arraycopy(acc, 0, c, cRow, cols);
            }
        }
    }
}

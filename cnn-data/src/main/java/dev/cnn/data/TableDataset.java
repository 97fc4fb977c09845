package dev.cnn.data;

import dev.cnn.core.Dataset;

/** A {@link Dataset} of feature rows {@code (columns,)} and scalar targets {@code (1,)}. */
public final class TableDataset implements Dataset {
    private final float[] features;
    private final float[] target;
    private final int columns;

    /** {@code features} is {@code target.length x columns}, row-major. */
    public TableDataset(float[] features, float[] target, int columns) {
        if ((long) target.length * columns != features.length) {
            throw new IllegalArgumentException(features.length + " feature values are not " + target.length + " rows of "
                    + columns + " columns");
        }
        this.features = features;
        this.target = target;
        this.columns = columns;
    }

    @Override
    public int size() {
        return target.length;
    }

    @Override
    public int[] sampleShape() {
        return new int[] {columns};
    }

    @Override
    public int[] targetShape() {
        return new int[] {1};
    }

    @Override
    public void fill(int[] indices, int from, int to, float[] x, float[] y) {
        for (int i = from; i < to; i++) {
            int s = indices[i];
            System.arraycopy(features, s * columns, x, (i - from) * columns, columns);
            if (y != null) {
                y[i - from] = target[s];
            }
        }
    }
}

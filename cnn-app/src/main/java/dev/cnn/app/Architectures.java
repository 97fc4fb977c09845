package dev.cnn.app;

import dev.cnn.core.PoolMode;
import dev.cnn.nn.Model;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Add;
import dev.cnn.nn.layers.BatchNorm;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.GlobalAveragePooling2D;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Pool2D;

/** Standard architectures built as cnn graphs, for benchmarks. */
final class Architectures {
    private Architectures() {
    }

    /**
     * torchvision's ResNet-18 for {@code size x size x 3} images: conv 7x7/2 (pad 3), batch norm, ReLU, max
     * pool 3x3/2 (pad 1), four stages of two basic blocks (64, 128, 256, 512 channels; the first block of
     * stages 2-4 strides 2 with a 1x1/2 projection and batch norm on the shortcut), global average pooling,
     * a fully connected layer to {@code classes} and softmax. cnn's convolutions carry a bias, which
     * torchvision's do not: 4,800 parameters more of 11.7 million. Batch norm as PyTorch's (momentum 0.1,
     * epsilon 1e-5).
     */
    static Model resnet18(int size, int classes, long seed) {
        Model.Builder b = Model.builder(size, size, 3).seed(seed)
                .add("conv1", new Conv2D(64, 7, 7, 2, 2, 3, 3, Init.HE))
                .add("bn1", bn())
                .add("relu", Activation.relu())
                .add("maxpool", new Pool2D(3, 3, 2, 2, 1, 1, false, true, PoolMode.MAX));
        String x = "maxpool";
        int in = 64;
        int[] widths = {64, 128, 256, 512};
        for (int stage = 0; stage < 4; stage++) {
            for (int block = 0; block < 2; block++) {
                int c = widths[stage];
                int stride = stage > 0 && block == 0 ? 2 : 1;
                String p = "layer" + (stage + 1) + "." + block;
                String n = p.replace('.', '_');
                b.add(n + "_conv1", new Conv2D(c, 3, 3, stride, stride, 1, 1, Init.HE), x)
                        .add(n + "_bn1", bn()).add(n + "_relu1", Activation.relu())
                        .add(n + "_conv2", new Conv2D(c, 3, 3, 1, 1, 1, 1, Init.HE)).add(n + "_bn2", bn());
                String shortcut = x;
                if (stride != 1 || in != c) {
                    b.add(n + "_downsample", new Conv2D(c, 1, 1, stride, stride, 0, 0, Init.HE), x)
                            .add(n + "_downsample_bn", bn());
                    shortcut = n + "_downsample_bn";
                }
                b.add(n + "_add", new Add(), n + "_bn2", shortcut).add(n + "_relu2", Activation.relu());
                x = n + "_relu2";
                in = c;
            }
        }
        return b.add("avgpool", new GlobalAveragePooling2D()).add("fc", new FullyConnected(classes))
                .add("softmax", Activation.softmax()).build();
    }

    private static BatchNorm bn() {
        return new BatchNorm(0.9, 1e-5);
    }
}

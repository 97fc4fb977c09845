package example.consumer;

import dev.cnn.core.Dataset;
import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.data.DataException;
import dev.cnn.data.ImageFolder;
import dev.cnn.data.Mnist;
import dev.cnn.nn.ClassificationEvaluation;
import dev.cnn.nn.Model;
import dev.cnn.nn.TrainOptions;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.Flatten;
import dev.cnn.nn.layers.FullyConnected;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** A project that uses cnn as a library: reads IDX files, trains, saves, reloads, predicts. */
public class Main {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Mnist.Split idx = Mnist.load(dir, List.of("zero", "one", "two"));
        System.out.println("idx: " + idx.train().count() + " train images of " + idx.train().height() + "x"
                + idx.train().width() + ", classes " + idx.train().classNames());

        try {
            ImageFolder.load(dir, 1);
            System.out.println("images: decoded");
        } catch (DataException e) {
            System.out.println("images: " + e.getMessage());
        }

        NumpyRandom rng = new NumpyRandom(3);
        Tensor x = rng.randn(24, 6, 6, 1);
        Tensor y = Tensor.zeros(24, 2);
        for (int i = 0; i < 24; i++) {
            y.set(1f, i, x.get(i, 2, 2, 0) > 0 ? 1 : 0);
        }
        Model model = Model.builder(6, 6, 1).seed(3)
                .add("conv", new Conv2D(4, 3)).add("relu", Activation.relu())
                .add("flat", new Flatten()).add("fc", new FullyConnected(2)).add("softmax", Activation.softmax())
                .build();
        Dataset data = Dataset.of(x, y);
        double before = model.evaluate(data, 8).loss();
        model.train(data, TrainOptions.defaults().withEpochs(20).withBatchSize(8).withVerbose(false));
        ClassificationEvaluation e = model.evaluate(data, 8).classification();
        System.out.printf("model: loss %.4f -> %.4f, accuracy %.3f%n", before, e.loss(), e.accuracy());
        System.out.println("loss fell: " + (e.loss() < 0.75 * before));

        Path file = Path.of(args[1]);
        model.save(file);
        boolean same = Arrays.equals(model.predict(x).data(), Model.load(file).predict(x).data());
        System.out.println("reloaded predictions identical: " + same);

        String internal;
        try {
            Class.forName("dev.cnn.core.internal.Parallel").getMethod("threads").invoke(null);
            internal = "accessible";
        } catch (IllegalAccessException ex) {
            internal = "not accessible";
        }
        System.out.println("internal package: " + internal);
        System.out.println("module: " + Model.class.getModule().getName());
    }
}

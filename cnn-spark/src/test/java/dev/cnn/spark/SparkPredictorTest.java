package dev.cnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.ClassificationEvaluation;
import dev.cnn.nn.Model;
import dev.cnn.nn.RegressionEvaluation;
import dev.cnn.nn.TrainOptions;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.Flatten;
import dev.cnn.nn.layers.FullyConnected;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** In {@code local[2]}: predictions equal {@code Model.predict} bit for bit, evaluations equal {@code Model.evaluate}. */
class SparkPredictorTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("cnn-spark-test")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.sql.shuffle.partitions", "3")
                .getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    /** n images 6x6x1 as bytes, labelled 0..2 by their brightness. */
    private static List<Row> images(int n, NumpyRandom rng) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = i % 3;
            byte[] px = new byte[36];
            for (int p = 0; p < 36; p++) {
                px[p] = (byte) (label * 80 + (int) (rng.nextDouble() * 60));
            }
            rows.add(RowFactory.create(i, px, label));
        }
        return rows;
    }

    @Test
    void predictionsAndEvaluationEqualThoseOfOneProcess() {
        NumpyRandom rng = new NumpyRandom(3);
        Model m = Model.builder(6, 6, 1).seed(2).add("conv", new Conv2D(4, 3)).add("relu", Activation.relu())
                .add("flat", new Flatten()).add("fc", new FullyConnected(3)).add("softmax", Activation.softmax()).build();
        List<Row> rows = images(600, rng);
        Tensor x = Tensor.zeros(600, 6, 6, 1);
        Tensor y = Tensor.zeros(600, 3);
        for (int i = 0; i < 600; i++) {
            byte[] px = (byte[]) rows.get(i).get(1);
            for (int p = 0; p < 36; p++) {
                x.data()[i * 36 + p] = (float) ((px[p] & 0xff) * (1.0 / 255));
            }
            y.set(1f, i, rows.get(i).getInt(2));
        }
        m.train(dev.cnn.core.Dataset.of(x, y), TrainOptions.defaults().withEpochs(2).withBatchSize(32).withVerbose(false));
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("pixels", DataTypes.BinaryType)
                .add("label", DataTypes.IntegerType);
        org.apache.spark.sql.Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(3);
        try (SparkPredictor p = SparkPredictor.of(spark, m)) {
            List<Row> out = p.transform(df, "pixels").collectAsList();
            assertEquals(600, out.size());
            float[] expected = m.predict(x).data();
            int[] classes = m.predictClasses(x);
            for (Row r : out) {
                int id = r.getInt(0);
                List<Float> o = r.getList(5);
                float[] got = new float[3];
                for (int k = 0; k < 3; k++) {
                    got[k] = o.get(k);
                }
                assertArrayEquals(java.util.Arrays.copyOfRange(expected, id * 3, id * 3 + 3), got, 0f, "row " + id);
                assertEquals(classes[id], r.getDouble(3), "row " + id);
            }
            ClassificationEvaluation spark = p.evaluate(df, "pixels", "label").classification();
            ClassificationEvaluation local = m.evaluate(dev.cnn.core.Dataset.of(x, y), 256).classification();
            assertEquals(600, spark.samples());
            assertArrayEquals(local.confusion(), spark.confusion());
            assertArrayEquals(local.rankCounts(), spark.rankCounts());
            assertEquals(local.loss(), spark.loss(), 1e-9 * Math.abs(local.loss()));
        }
    }

    @Test
    void numericColumnsForARegressionModelAndClearErrors() {
        NumpyRandom rng = new NumpyRandom(5);
        Model m = Model.builder(4).seed(1).add("fc1", new FullyConnected(8)).add("tanh", Activation.tanh())
                .add("fc2", new FullyConnected(1)).build();
        List<Row> rows = new ArrayList<>();
        Tensor x = rng.randn(100, 4);
        Tensor y = rng.randn(100, 1);
        for (int i = 0; i < 100; i++) {
            List<Double> f = new ArrayList<>();
            for (int k = 0; k < 4; k++) {
                f.add((double) x.get(i, k));
            }
            rows.add(RowFactory.create(i, scala.jdk.javaapi.CollectionConverters.asScala(f).toSeq(), (double) y.get(i, 0)));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType)).add("price", DataTypes.DoubleType);
        org.apache.spark.sql.Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(2);
        try (SparkPredictor p = SparkPredictor.of(spark, m)) {
            float[] expected = m.predict(x).data();
            for (Row r : p.transform(df, "features").collectAsList()) {
                assertEquals(expected[r.getInt(0)], r.getDouble(3), 0.0);
                assertTrue(r.isNullAt(4), "no probability for regression");
            }
            RegressionEvaluation e = p.evaluate(df, "features", "price").regression();
            RegressionEvaluation local = m.evaluate(dev.cnn.core.Dataset.of(x, y), 256).regression();
            assertEquals(local.rmse(), e.rmse(), 1e-9 * local.rmse());
            assertEquals(local.mae(), e.mae(), 1e-9 * local.mae());

            IllegalArgumentException wrongType = assertThrows(IllegalArgumentException.class, () -> p.transform(df, "price"));
            assertTrue(wrongType.getMessage().contains("column 'price' has type double; expected binary"),
                    wrongType.getMessage());
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> p.transform(df, "pixels"));
            assertTrue(missing.getMessage().contains("no column 'pixels'"), missing.getMessage());
            org.apache.spark.sql.Dataset<Row> shortRows = spark.createDataFrame(List.of(RowFactory.create(0,
                    scala.jdk.javaapi.CollectionConverters.asScala(List.of(1.0, 2.0)).toSeq(), 0.0)), schema);
            Exception wrongSize = assertThrows(Exception.class, () -> p.transform(shortRows, "features").collectAsList());
            assertTrue(String.valueOf(rootCause(wrongSize).getMessage())
                    .contains("column 'features': the model takes 4 values per row, a row has 2"), rootCause(wrongSize).toString());
        }
    }

    @Test
    void aTableModelsScalingStatisticsApplyToInputsPredictionsAndErrors() {
        NumpyRandom rng = new NumpyRandom(6);
        Model m = Model.builder(2).seed(4).add("fc", new FullyConnected(1)).build();
        dev.cnn.data.Standardizer fx = new dev.cnn.data.Standardizer(new double[] {1, 2}, new double[] {2, 4});
        dev.cnn.data.Standardizer fy = new dev.cnn.data.Standardizer(new double[] {100}, new double[] {10});
        m.metadata().put("featureScaler", fx.toMap());
        m.metadata().put("targetScaler", fy.toMap());
        List<Row> rows = new ArrayList<>();
        Tensor raw = rng.randn(40, 2);
        float[] label = new float[40];
        for (int i = 0; i < 40; i++) {
            label[i] = (float) (100 + 30 * rng.nextGaussian());
            rows.add(RowFactory.create(i, scala.jdk.javaapi.CollectionConverters.asScala(
                    List.of((double) raw.get(i, 0), (double) raw.get(i, 1))).toSeq(), (double) label[i]));
        }
        StructType schema = new StructType().add("id", DataTypes.IntegerType)
                .add("features", DataTypes.createArrayType(DataTypes.DoubleType)).add("y", DataTypes.DoubleType);
        org.apache.spark.sql.Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(2);
        Tensor scaled = Tensor.wrap(fx.apply(raw.data().clone()), 40, 2);
        float[] z = m.predict(scaled).data();
        try (SparkPredictor p = SparkPredictor.of(spark, m)) {
            for (Row r : p.transform(df, "features").collectAsList()) {
                int id = r.getInt(0);
                assertEquals(fy.invert(z[id], 0), r.getDouble(3), 1e-9, "prediction in target units, row " + id);
            }
            double sq = 0;
            for (int i = 0; i < 40; i++) {
                double d = fy.invert(z[i], 0) - label[i];
                sq += d * d;
            }
            assertEquals(Math.sqrt(sq / 40), p.evaluate(df, "features", "y").regression().rmse(), 1e-3,
                    "RMSE in target units");
        }
    }

    /** Writes {@code n} random {@code h x w} images of {@code type} into each of the class folders a and b. */
    private static void writeImages(java.nio.file.Path root, int n, int h, int w, int type, NumpyRandom rng)
            throws java.io.IOException {
        for (String c : List.of("a", "b")) {
            java.nio.file.Files.createDirectories(root.resolve(c));
            for (int i = 0; i < n; i++) {
                java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(w, h, type);
                for (int yy = 0; yy < h; yy++) {
                    for (int xx = 0; xx < w; xx++) {
                        int argb = (int) (rng.nextDouble() * 0x1000000) | (c.equals("b") ? 0xff000000 : 0x7f000000);
                        if (type == java.awt.image.BufferedImage.TYPE_BYTE_GRAY) {
                            img.getRaster().setSample(xx, yy, 0, argb & 0xff);
                        } else {
                            img.setRGB(xx, yy, argb);
                        }
                    }
                }
                javax.imageio.ImageIO.write(img, "png", root.resolve(c).resolve(i + ".png").toFile());
            }
        }
    }

    /**
     * Rows of Spark's image data source with a label from the folder name: predictions equal {@code Model.predict}
     * on {@code ImageFolder}'s pixels of the same files bit for bit (colour to RGB, colour to gray, gray to RGB).
     */
    private static void imageRowsMatchImageFolder(java.nio.file.Path root, int channels, int seed) throws Exception {
        dev.cnn.data.ImageSet set = dev.cnn.data.ImageFolder.load(root, channels);
        int h = set.height();
        int w = set.width();
        Model m = Model.builder(h, w, channels).seed(seed).add("conv", new Conv2D(3, 3)).add("relu", Activation.relu())
                .add("flat", new Flatten()).add("fc", new FullyConnected(2)).add("softmax", Activation.softmax()).build();
        int size = h * w * channels;
        Tensor x = Tensor.zeros(set.count(), h, w, channels);
        for (int i = 0; i < set.count(); i++) {
            byte[] px = set.image(i);
            for (int p = 0; p < size; p++) {
                x.data()[i * size + p] = (float) ((px[p] & 0xff) * (1.0 / 255));
            }
        }
        float[] expected = m.predict(x).data();
        // ImageFolder's order: class folders sorted, then file names sorted
        List<String> order = new ArrayList<>();
        for (String c : List.of("a", "b")) {
            try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(root.resolve(c))) {
                s.sorted().forEach(f -> order.add(c + "/" + f.getFileName()));
            }
        }
        org.apache.spark.sql.Dataset<Row> df = spark.read().format("image").load(root + "/*/*.png")
                .withColumn("label", org.apache.spark.sql.functions.expr(
                        "CASE WHEN image.origin LIKE '%/a/%' THEN 0 ELSE 1 END")).repartition(2);
        try (SparkPredictor p = SparkPredictor.of(spark, m)) {
            List<Row> out = p.transform(df, "image").collectAsList();
            assertEquals(set.count(), out.size());
            for (Row r : out) {
                java.nio.file.Path f = java.nio.file.Path.of(java.net.URI.create(r.getStruct(0).getString(0)));
                int i = order.indexOf(f.getParent().getFileName() + "/" + f.getFileName());
                List<Float> o = r.getList(4);
                assertEquals(expected[2 * i], o.get(0), 0f, f + ", " + channels + " channels");
                assertEquals(expected[2 * i + 1], o.get(1), 0f, f + ", " + channels + " channels");
            }
            ClassificationEvaluation local = m.evaluate(dev.cnn.core.Dataset.of(x, Tensor.wrap(oneHot(set.labels()),
                    set.count(), 2)), 256).classification();
            ClassificationEvaluation distributed = p.evaluate(df, "image", "label").classification();
            assertArrayEquals(local.confusion(), distributed.confusion());
        }
    }

    private static float[] oneHot(int[] labels) {
        float[] y = new float[labels.length * 2];
        for (int i = 0; i < labels.length; i++) {
            y[2 * i + labels[i]] = 1f;
        }
        return y;
    }

    @Test
    void rowsOfSparksImageDataSourceGiveTheSamePixelsAsImageFolder(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        NumpyRandom rng = new NumpyRandom(8);
        java.nio.file.Path colour = dir.resolve("colour");
        writeImages(colour, 6, 4, 5, java.awt.image.BufferedImage.TYPE_INT_ARGB, rng); // BGRA rows, half transparent
        java.nio.file.Path rgb = dir.resolve("rgb");
        writeImages(rgb, 6, 4, 5, java.awt.image.BufferedImage.TYPE_INT_RGB, rng); // BGR rows
        java.nio.file.Path gray = dir.resolve("gray");
        writeImages(gray, 6, 4, 5, java.awt.image.BufferedImage.TYPE_BYTE_GRAY, rng);
        imageRowsMatchImageFolder(rgb, 3, 1);
        imageRowsMatchImageFolder(colour, 3, 2);
        imageRowsMatchImageFolder(rgb, 1, 3);
        imageRowsMatchImageFolder(gray, 3, 4);
        imageRowsMatchImageFolder(gray, 1, 5);

        // an image of another size: an error naming the file and both sizes
        Model m = Model.builder(4, 5, 1).seed(1).add("flat", new Flatten()).add("fc", new FullyConnected(1)).build();
        java.nio.file.Path odd = gray.resolve("b").resolve("odd.png");
        javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(6, 3, java.awt.image.BufferedImage.TYPE_BYTE_GRAY),
                "png", odd.toFile());
        try (SparkPredictor p = SparkPredictor.of(spark, m)) {
            Exception e = assertThrows(Exception.class,
                    () -> p.transform(spark.read().format("image").load(gray + "/*/*.png"), "image").collectAsList());
            String message = String.valueOf(rootCause(e).getMessage());
            assertTrue(message.contains("column 'image': the image file:") && message.contains("odd.png is 3x6 (height x "
                    + "width), the model takes 4x5"), message);
            Model fourD = Model.builder(20).seed(1).add("fc", new FullyConnected(1)).build();
            try (SparkPredictor q = SparkPredictor.of(spark, fourD)) {
                Exception flat = assertThrows(Exception.class,
                        () -> q.transform(spark.read().format("image").load(rgb + "/a/*.png"), "image").collectAsList());
                assertTrue(String.valueOf(rootCause(flat).getMessage()).contains("holds images, but the model takes "
                        + "inputs of shape [20]"), rootCause(flat).toString());
            }
        }
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}

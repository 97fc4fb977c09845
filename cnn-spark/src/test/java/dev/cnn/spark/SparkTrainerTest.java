package dev.cnn.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.History;
import dev.cnn.nn.Model;
import dev.cnn.nn.io.ModelIO;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.BatchNorm;
import dev.cnn.nn.layers.FullyConnected;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.junit.jupiter.api.io.TempDir;

/**
 * Distributed training equals one process on the same global batches (20 Adam steps), for 1, 2 and 3
 * shards, and a failed task that Spark retries changes nothing. Spark runs {@code local[2,3]}: 2 threads,
 * up to 3 attempts per task.
 */
class SparkTrainerTest {
    private static SparkSession spark;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2,3]").appName("cnn-spark-trainer-test")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1").getOrCreate();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Model model() {
        return Model.builder(5).seed(3).add("fc1", new FullyConnected(8)).add("tanh", Activation.tanh())
                .add("fc2", new FullyConnected(3)).add("softmax", Activation.softmax()).build();
    }

    @Test
    void distributedStepsEqualOneProcessOnTheSameGlobalBatches() throws Exception {
        List<Row> rows = rows(100, 8);
        for (int partitions = 1; partitions <= 3; partitions++) {
            org.apache.spark.sql.Dataset<Row> df = frame(rows, partitions);
            Model distributed = model();
            Model single = ModelIO.fromBytes(ModelIO.toBytes(distributed), "copy");
            Path ckpt = dir.resolve("p" + partitions + ".cnn");
            History h = SparkTrainer.builder(distributed).globalBatchSize(10).epochs(2).seed(4).checkpoint(ckpt, 5).build()
                    .fit(df, df);
            assertEquals(2, h.epochs());
            assertEquals(20, distributed.optimizer().steps(), "10 steps per epoch");

            // the same global batches in one process: each step concatenates every shard's slice
            trainOnGlobalBatches(single, df.javaRDD().glom().collect(), 4, 2, 10);
            float[] a = parameters(single);
            float[] b = parameters(distributed);
            double worst = largestDifference(a, b);
            System.out.printf("%d partitions (%s rows): largest |distributed - single| after 20 Adam steps %.3g%n",
                    partitions, df.javaRDD().glom().map(List::size).collect(), worst);
            assertArrayEquals(a, b, 1e-5f, partitions + " partitions");
            Model saved = Model.load(ckpt);
            assertArrayEquals(b, parameters(saved), 0f, "the final checkpoint holds the trained weights");
            assertEquals(20, saved.optimizer().steps());
            assertTrue(Files.size(ckpt) > 0);
            Tensor[] all = batch(rows);
            double local = distributed.evaluate(dev.cnn.core.Dataset.of(all[0], all[1]), 256).loss();
            assertEquals(local, h.validationLoss().get(1), 1e-9 * local, "validation loss of the last epoch, from Spark");
        }
    }

    /**
     * Trains {@code single} in one process on the global batches a {@link SparkTrainer} with {@code seed}
     * forms from {@code shards} ({@code steps} per epoch, rows of 5 features and a class of 3), at the
     * training position (and shuffle seed) the trainer's replicas take.
     */
    private static void trainOnGlobalBatches(Model single, List<List<Row>> shards, long seed, int epochs, int steps) {
        trainOnGlobalBatches(single, shards, seed, epochs, steps, null);
    }

    /** As above, with the learning rate of each epoch from {@code schedule} (null: the optimizer's own). */
    private static void trainOnGlobalBatches(Model single, List<List<Row>> shards, long seed, int epochs, int steps,
                                             dev.cnn.nn.schedules.LearningRateSchedule schedule) {
        for (int epoch = 0; epoch < epochs; epoch++) {
            if (schedule != null) {
                single.optimizer().setLearningRate(schedule.rate(epoch));
            }
            for (int step = 0; step < steps; step++) {
                List<Row> batch = new ArrayList<>();
                for (int p = 0; p < shards.size(); p++) {
                    int n = shards.get(p).size();
                    int[] order = SparkTrainer.shardOrder(seed, epoch, p, n);
                    for (int i = step * n / steps; i < (step + 1) * n / steps; i++) {
                        batch.add(shards.get(p).get(order[i]));
                    }
                }
                Tensor[] xy = batch(batch);
                single.setTrainingState(single.trainingState().withSeed(seed).at(epoch, step));
                single.trainBatch(xy[0], xy[1]);
            }
        }
    }

    /** Rows of 5 features and a class of 3 as inputs {@code [0]} and one-hot targets {@code [1]}. */
    private static Tensor[] batch(List<Row> rows) {
        Tensor x = Tensor.zeros(rows.size(), 5);
        Tensor y = Tensor.zeros(rows.size(), 3);
        for (int i = 0; i < rows.size(); i++) {
            List<Double> f = rows.get(i).getList(0);
            for (int k = 0; k < 5; k++) {
                x.set(f.get(k).floatValue(), i, k);
            }
            y.set(1f, i, rows.get(i).getInt(1));
        }
        return new Tensor[] {x, y};
    }

    /** {@code rows} as a DataFrame ({@code input} array&lt;double&gt;, {@code label} int) in {@code partitions} partitions. */
    private static org.apache.spark.sql.Dataset<Row> frame(List<Row> rows, int partitions) {
        StructType schema = new StructType().add("input", DataTypes.createArrayType(DataTypes.DoubleType))
                .add("label", DataTypes.IntegerType);
        return spark.createDataFrame(
                new org.apache.spark.api.java.JavaSparkContext(spark.sparkContext()).parallelize(rows, partitions), schema);
    }

    private static float[] parameters(Model m) {
        float[] p = new float[m.flatSize()];
        m.copyParametersTo(p);
        return p;
    }

    private static double largestDifference(float[] a, float[] b) {
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }

    private static List<Row> rows(int n, long seed) {
        NumpyRandom rng = new NumpyRandom(seed);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            List<Double> f = new ArrayList<>();
            double s = 0;
            for (int k = 0; k < 5; k++) {
                double v = rng.nextGaussian();
                f.add(v);
                s += v * (k + 1);
            }
            rows.add(RowFactory.create(scala.jdk.javaapi.CollectionConverters.asScala(f).toSeq(), s > 1 ? 2 : s > -1 ? 1 : 0));
        }
        return rows;
    }

    @Test
    void dropoutMasksEachRowAsOneProcessOnTheGlobalBatchWould() throws Exception {
        List<Row> rows = rows(90, 11);
        for (int partitions = 1; partitions <= 3; partitions++) {
            org.apache.spark.sql.Dataset<Row> df = frame(rows, partitions);
            Model distributed = Model.builder(5).seed(3).add("fc1", new FullyConnected(16))
                    .add("drop", new dev.cnn.nn.layers.Dropout(0.4)).add("tanh", Activation.tanh())
                    .add("fc2", new FullyConnected(3)).add("softmax", Activation.softmax()).build();
            Model single = ModelIO.fromBytes(ModelIO.toBytes(distributed), "copy");
            SparkTrainer.builder(distributed).globalBatchSize(15).epochs(2).seed(6).build().fit(df, null);
            List<List<Row>> shards = df.javaRDD().glom().collect();
            trainOnGlobalBatches(single, shards, 6, 2, 6);
            float[] a = parameters(single);
            float[] b = parameters(distributed);
            double worst = largestDifference(a, b);
            System.out.printf("dropout 0.4, %d partitions: largest |distributed - single| after 12 Adam steps %.3g%n",
                    partitions, worst);
            assertArrayEquals(a, b, 1e-5f, partitions + " partitions, dropout 0.4");
            assertEquals(12, distributed.optimizer().steps());
            assertEquals(2, distributed.epochsDone());
        }
    }

    @Test
    void aTaskThatFailsOnceAndIsRetriedChangesNothing() throws Exception {
        NumpyRandom rng = new NumpyRandom(2);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            List<Double> f = new ArrayList<>();
            for (int k = 0; k < 5; k++) {
                f.add(rng.nextGaussian());
            }
            rows.add(RowFactory.create(scala.jdk.javaapi.CollectionConverters.asScala(f).toSeq(), i % 3));
        }
        org.apache.spark.sql.Dataset<Row> df = frame(rows, 2);
        Model clean = model();
        SparkTrainer.builder(clean).globalBatchSize(12).epochs(1).build().fit(df, null);
        Model failed = model();
        SparkTrainer.FAIL_ONCE.set("0/3/1");
        SparkTrainer.builder(failed).globalBatchSize(12).epochs(1).build().fit(df, null);
        assertEquals(null, SparkTrainer.FAIL_ONCE.get(), "the injected failure happened");
        assertArrayEquals(parameters(clean), parameters(failed), 0f, "bit-identical after a retried task");
    }

    @Test
    void theSharedLoopBringsTheScheduleTheDivergenceGuardAndEarlyStoppingToSpark(@TempDir Path dir) throws Exception {
        List<Row> rows = rows(80, 21);
        org.apache.spark.sql.Dataset<Row> df = frame(rows, 2);
        List<List<Row>> shards = df.javaRDD().glom().collect();

        // a step decay: the rate of every epoch as in one process, saved with the model
        dev.cnn.nn.schedules.StepDecay decay = new dev.cnn.nn.schedules.StepDecay(0.02, 1, 0.5);
        Model distributed = model();
        Model single = ModelIO.fromBytes(ModelIO.toBytes(distributed), "copy");
        SparkTrainer.builder(distributed).globalBatchSize(16).epochs(3).seed(5).schedule(decay).build().fit(df, null);
        trainOnGlobalBatches(single, shards, 5, 3, 5, decay);
        assertArrayEquals(parameters(single), parameters(distributed), 1e-5f, "scheduled steps");
        assertEquals(0.005, distributed.optimizer().learningRate(), 1e-12, "epoch 3's rate");
        Path saved = dir.resolve("decayed.cnn");
        distributed.save(saved);
        assertEquals(decay, Model.load(saved).schedule());

        // early stopping on the validation loss: no epoch after the first improves by 1e9, so training stops
        // after the second and the first epoch's weights come back
        Model early = model();
        Model oneEpoch = ModelIO.fromBytes(ModelIO.toBytes(early), "copy");
        History h = SparkTrainer.builder(early).globalBatchSize(16).epochs(5).seed(5)
                .earlyStopping(new dev.cnn.nn.EarlyStopping(dev.cnn.nn.EarlyStopping.Monitor.VALIDATION_LOSS, 1, 1e9, true))
                .build().fit(df, df);
        assertEquals(2, h.epochs(), "stopped after epoch 2 of 5");
        trainOnGlobalBatches(oneEpoch, shards, 5, 1, 5);
        assertArrayEquals(parameters(oneEpoch), parameters(early), 1e-5f, "the best (first) epoch's weights restored");

        // the divergence guard: a rate that blows the loss up stops before the bad step is applied
        Model wild = Model.builder(5).seed(3).add("fc1", new FullyConnected(8)).add("tanh", Activation.tanh())
                .add("fc2", new FullyConnected(3)).add("softmax", Activation.softmax())
                .optimizer(new dev.cnn.nn.optimizers.GradientDescent(1e7)).build();
        dev.cnn.nn.TrainingDivergedException e = assertThrows(dev.cnn.nn.TrainingDivergedException.class,
                () -> SparkTrainer.builder(wild).globalBatchSize(16).epochs(3).seed(5).divergenceFactor(1.5).build()
                        .fit(df, null));
        assertTrue(e.getMessage().contains("loss"), e.getMessage());
        for (float v : parameters(wild)) {
            assertTrue(Float.isFinite(v), "weights stay finite");
        }
        assertTrue(wild.optimizer().steps() < 15, wild.optimizer().steps() + " steps applied of 15");
    }

    @Test
    void layersWithStateAreRefusedByName() {
        Model m = Model.builder(4).add("fc", new FullyConnected(3)).add("bn", new BatchNorm()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SparkTrainer.builder(m));
        assertTrue(e.getMessage().startsWith("layer 'bn' (BatchNorm) is not supported by SparkTrainer yet"), e.getMessage());
    }
}

package dev.cnn.spark;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.Tensor;
import dev.cnn.nn.EarlyStopping;
import dev.cnn.nn.Evaluation;
import dev.cnn.nn.GradientSource;
import dev.cnn.nn.History;
import dev.cnn.nn.Model;
import dev.cnn.nn.TrainOptions;
import dev.cnn.nn.Trainer;
import dev.cnn.nn.TrainingListener;
import dev.cnn.nn.io.ModelIO;
import dev.cnn.nn.schedules.LearningRateSchedule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;

/**
 * Synchronous data-parallel training of a {@link Model} on Spark, equal to one process training on the
 * same global batches up to float rounding. The training rows stay where they are: each partition is a
 * shard, loaded once per executor into arrays. Every epoch each partition orders its rows by
 * {@code NumpyRandom(seed + 7919·epoch + 104729·partition)} (see {@link #shardOrder}) and splits them into the
 * epoch's {@code S = ceil(N / globalBatchSize)} steps (partition {@code p} with {@code n_p} rows gives rows
 * {@code [⌊k·n_p/S⌋, ⌊(k+1)·n_p/S⌋)} of its order to step {@code k}), so every partition takes the same
 * number of steps. One step is one Spark job: the current weights are broadcast, each partition computes
 * the gradient of its rows' mean loss on a replica and returns it times its row count, the sums are
 * tree-aggregated, and the driver divides by the step's row count and applies the model's own optimizer
 * once — the driver holds the only optimizer state. A retried task recomputes the same numbers.
 *
 * <p>The loop is the library's own {@link Trainer}, fed by a Spark {@link GradientSource}: the same
 * learning-rate schedule, L2 and clipping, divergence guard, early stopping, history and
 * {@link dev.cnn.nn.TrainingState} as training in one process.
 *
 * <p>The step's global batch is the partitions' slices in partition order; each replica is set to the
 * driver's training position and runs {@link Model#forward(Tensor, long)} from its slice's first row in that
 * batch, so {@code Dropout} (and any layer drawing through {@link dev.cnn.nn.layers.Layer#setTraining(boolean, long,
 * long)}) masks each row as one process training on the global batch would.
 *
 * <p>Not supported: layers with state computed from the batch ({@code BatchNorm}), whose statistics would be
 * per shard instead of over the global batch; the builder refuses them by name.
 */
public final class SparkTrainer {
    private static final Logger LOG = LogManager.getLogger(SparkTrainer.class);
    private static final AtomicLong IDS = new AtomicLong();
    /** Test hook: the task {@code "epoch/step/partition"} fails once, in the JVM that runs it. */
    static final java.util.concurrent.atomic.AtomicReference<String> FAIL_ONCE =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final Model model;
    private final int globalBatchSize;
    private final int epochs;
    private final long seed;
    private final String inputCol;
    private final String labelCol;
    private final Path checkpoint;
    private final int checkpointEvery;
    private final LearningRateSchedule schedule;
    private final EarlyStopping earlyStopping;
    private final double divergenceFactor;
    private final TrainingListener listener;
    private volatile Trainer running;

    private SparkTrainer(Builder b) {
        this.model = b.model;
        this.globalBatchSize = b.globalBatchSize;
        this.epochs = b.epochs;
        this.seed = b.seed;
        this.inputCol = b.inputCol;
        this.labelCol = b.labelCol;
        this.checkpoint = b.checkpoint;
        this.checkpointEvery = b.checkpointEvery;
        this.schedule = b.schedule;
        this.earlyStopping = b.earlyStopping;
        this.divergenceFactor = b.divergenceFactor;
        this.listener = b.listener;
    }

    /** Starts a trainer for {@code model}, which it trains in place with its own optimizer. */
    public static Builder builder(Model model) {
        return new Builder(model);
    }

    /** Settings of a {@link SparkTrainer}. Defaults: global batch 64, 1 epoch, seed 1, columns "input"/"label". */
    public static final class Builder {
        private final Model model;
        private int globalBatchSize = 64;
        private int epochs = 1;
        private long seed = 1;
        private String inputCol = "input";
        private String labelCol = "label";
        private Path checkpoint;
        private int checkpointEvery;
        private LearningRateSchedule schedule;
        private EarlyStopping earlyStopping;
        private double divergenceFactor = TrainOptions.DEFAULT_DIVERGENCE_FACTOR;
        private TrainingListener listener;

        private Builder(Model model) {
            for (int i = 0; i < model.layers().size(); i++) {
                String type = model.layers().get(i).type();
                if (!model.layers().get(i).state().isEmpty()) {
                    throw new IllegalArgumentException("layer '" + model.layerNames().get(i) + "' (" + type + ") is not "
                            + "supported by SparkTrainer yet: its batch statistics would be each shard's, not the global "
                            + "batch's");
                }
            }
            this.model = model;
        }

        /** Rows per optimizer step over all partitions together (>= 1). */
        public Builder globalBatchSize(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("global batch size must be >= 1, got " + n);
            }
            this.globalBatchSize = n;
            return this;
        }

        /** Epochs to train (>= 1). */
        public Builder epochs(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + n);
            }
            this.epochs = n;
            return this;
        }

        /** The seed of the per-epoch shard orders (0 to 2^32-1). */
        public Builder seed(long s) {
            if (s < 0 || s > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("seed must be from 0 to 2^32-1, got " + s);
            }
            this.seed = s;
            return this;
        }

        /** The input column (binary pixels or an array of numbers, as {@link SparkPredictor} reads it). */
        public Builder inputColumn(String c) {
            this.inputCol = c;
            return this;
        }

        /** The label column: the class index, or the target value for regression. */
        public Builder labelColumn(String c) {
            this.labelCol = c;
            return this;
        }

        /** Saves the model (atomically, with its optimizer state) to {@code path} every {@code everySteps} steps. */
        public Builder checkpoint(Path path, int everySteps) {
            this.checkpoint = path;
            this.checkpointEvery = everySteps;
            return this;
        }

        /** The learning rate per epoch (saved with the model), as {@link TrainOptions#withSchedule}. */
        public Builder schedule(LearningRateSchedule s) {
            this.schedule = s;
            return this;
        }

        /** Stops when the monitored figure stops improving, as {@link TrainOptions#withEarlyStopping}. */
        public Builder earlyStopping(EarlyStopping e) {
            this.earlyStopping = e;
            return this;
        }

        /** The divergence guard's factor, as {@link TrainOptions#withDivergenceFactor}. */
        public Builder divergenceFactor(double factor) {
            TrainOptions.defaults().withDivergenceFactor(factor); // checks it
            this.divergenceFactor = factor;
            return this;
        }

        /** Receives progress per epoch and step, as {@link TrainOptions#withListener}. */
        public Builder listener(TrainingListener l) {
            this.listener = l;
            return this;
        }

        /** The trainer. */
        public SparkTrainer build() {
            return new SparkTrainer(this);
        }
    }

    /** The row order of a shard of {@code n} rows (partition {@code partition}) in epoch {@code epoch}. */
    public static int[] shardOrder(long seed, int epoch, int partition, int n) {
        return new NumpyRandom((seed + 7919L * epoch + 104729L * partition) & 0xFFFFFFFFL).permutation(n);
    }

    /**
     * Trains {@code epochs} epochs on {@code train} and returns the model's history; after each epoch the
     * validation loss and metric come from {@link SparkPredictor#evaluate} when {@code validation} is not null.
     */
    public History fit(org.apache.spark.sql.Dataset<Row> train, org.apache.spark.sql.Dataset<Row> validation) {
        SparkSession spark = train.sparkSession();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        org.apache.spark.sql.Dataset<Row> data = train.select(inputCol, labelCol);
        int col = Inputs.column(data.schema(), inputCol);
        StructField field = data.schema().fields()[col];
        JavaRDD<Row> rows = data.javaRDD().persist(StorageLevel.MEMORY_AND_DISK());
        List<Integer> sizes = rows.mapPartitions(it -> {
            int n = 0;
            while (it.hasNext()) {
                it.next();
                n++;
            }
            return List.of(n).iterator();
        }).collect();
        int[] shardSizes = sizes.stream().mapToInt(Integer::intValue).toArray();
        long total = 0;
        for (int n : shardSizes) {
            total += n;
        }
        if (total == 0) {
            throw new IllegalArgumentException("the training data has no rows");
        }
        int steps = (int) ((total + globalBatchSize - 1) / globalBatchSize);
        long trainerId = IDS.incrementAndGet();
        Broadcast<byte[]> initial = jsc.broadcast(ModelIO.toBytes(model));
        Encoding encoding = Encoding.of(model);
        float[] weights = new float[model.flatSize()];
        float[] gradient = new float[weights.length];
        GradientSource source = new GradientSource() {
            @Override
            public int batches() {
                return steps;
            }

            @Override
            public Step gradient(int epoch, int k) {
                model.copyParametersTo(weights);
                Broadcast<float[]> w = jsc.broadcast(weights.clone());
                StepFunction f = new StepFunction(trainerId, initial, w, seed, epoch, k, steps, shardSizes, encoding,
                        col, field, labelCol);
                double[] sum = rows.mapPartitionsWithIndex(f, false).treeReduce(SparkTrainer::add);
                w.destroy();
                double count = sum[sum.length - 1];
                for (int i = 0; i < gradient.length; i++) {
                    gradient[i] = (float) (sum[i] / count);
                }
                model.setGradients(gradient);
                return new Step(sum[sum.length - 2] / count, (int) count);
            }
        };
        TrainingListener progress = new TrainingListener() {
            @Override
            public void onEpochStart(int epoch, int batches) {
                if (listener != null) {
                    listener.onEpochStart(epoch, batches);
                }
            }

            @Override
            public void onBatchEnd(int epoch, int batch, int batches, int batchSize, double loss) {
                long done = (long) epoch * steps + batch + 1;
                if (checkpoint != null && checkpointEvery > 0 && done % checkpointEvery == 0) {
                    save();
                }
                if (listener != null) {
                    listener.onBatchEnd(epoch, batch, batches, batchSize, loss);
                }
            }

            @Override
            public void onEpochEnd(int epoch, double trainLoss, double validationLoss, double validationMetric) {
                LOG.info("epoch {}: {} steps over {} partitions, train loss {}, validation loss {}", epoch + 1, steps,
                        sizes.size(), String.format("%.6f", trainLoss), String.format("%.6f", validationLoss));
                if (listener != null) {
                    listener.onEpochEnd(epoch, trainLoss, validationLoss, validationMetric);
                }
            }
        };
        TrainOptions options = TrainOptions.defaults().withEpochs(epochs).withBatchSize(globalBatchSize)
                .withShuffle(true, seed).withVerbose(false).withDivergenceFactor(divergenceFactor).withSchedule(schedule)
                .withEarlyStopping(earlyStopping).withListener(progress);
        Trainer.Validation scoring = validation == null ? null : m -> {
            try (SparkPredictor current = SparkPredictor.of(spark, m)) {
                Evaluation ev = current.evaluate(validation, inputCol, labelCol);
                return ev;
            }
        };
        Trainer trainer = new Trainer(model, options);
        running = trainer;
        try {
            trainer.fit(source, scoring);
        } finally {
            running = null;
            initial.destroy();
            rows.unpersist(false);
            Replicas.forget(trainerId);
        }
        if (checkpoint != null) {
            save();
        }
        return model.history();
    }

    /** Asks a running {@link #fit} to stop after the current step (any thread); the model keeps its position. */
    public void requestStop() {
        Trainer t = running;
        if (t != null) {
            t.requestStop();
        }
    }

    private void save() {
        try {
            model.save(checkpoint);
        } catch (IOException e) {
            throw new UncheckedIOException("could not save checkpoint " + checkpoint + ": " + e.getMessage(), e);
        }
    }

    /** Where step {@code step}'s slice of a shard of {@code n} rows starts in its epoch order ({@code steps} steps). */
    private static int sliceStart(int step, int n, int steps) {
        return (int) ((long) step * n / steps);
    }

    private static double[] add(double[] a, double[] b) {
        for (int i = 0; i < a.length; i++) {
            a[i] += b[i];
        }
        return a;
    }

    /** One step on one partition: its slice's gradient times its row count, the loss sum, the row count. */
    private static final class StepFunction
            implements org.apache.spark.api.java.function.Function2<Integer, Iterator<Row>, Iterator<double[]>> {
        private static final long serialVersionUID = 1L;
        private final long trainerId;
        private final Broadcast<byte[]> initial;
        private final Broadcast<float[]> weights;
        private final long seed;
        private final int epoch;
        private final int step;
        private final int steps;
        private final int[] sizes;
        private final Encoding enc;
        private final int col;
        private final StructField field;
        private final String labelCol;

        StepFunction(long trainerId, Broadcast<byte[]> initial, Broadcast<float[]> weights, long seed, int epoch, int step,
                     int steps, int[] sizes, Encoding enc, int col, StructField field, String labelCol) {
            this.trainerId = trainerId;
            this.initial = initial;
            this.weights = weights;
            this.seed = seed;
            this.epoch = epoch;
            this.step = step;
            this.steps = steps;
            this.sizes = sizes;
            this.enc = enc;
            this.col = col;
            this.field = field;
            this.labelCol = labelCol;
        }

        @Override
        public Iterator<double[]> call(Integer partition, Iterator<Row> rows) {
            String failing = FAIL_ONCE.get();
            if ((epoch + "/" + step + "/" + partition).equals(failing) && FAIL_ONCE.compareAndSet(failing, null)) {
                throw new IllegalStateException("injected failure of epoch " + epoch + ", step " + step + ", partition "
                        + partition + " (test hook)");
            }
            Shard shard = Shards.get(trainerId, partition, () -> Shard.load(rows, enc, col, field, labelCol));
            int size = enc.size;
            int outputs = enc.outputs;
            int n = shard.rows();
            int[] order = shardOrder(seed, epoch, partition, n);
            int lo = sliceStart(step, n, steps);
            int hi = sliceStart(step + 1, n, steps);
            if (hi <= lo) {
                return java.util.Collections.emptyIterator();
            }
            int count = hi - lo;
            long firstSample = 0; // this slice's first row in the step's global batch: the slices before it
            for (int q = 0; q < partition; q++) {
                firstSample += sliceStart(step + 1, sizes[q], steps) - sliceStart(step, sizes[q], steps);
            }
            float[] x = new float[count * size];
            float[] y = new float[count * outputs];
            for (int i = 0; i < count; i++) {
                int r = order[lo + i];
                System.arraycopy(shard.x, r * size, x, i * size, size);
                System.arraycopy(shard.y, r * outputs, y, i * outputs, outputs);
            }
            Model replica = Replicas.take(trainerId, initial);
            try {
                replica.setParameters(weights.value());
                replica.setTrainingState(replica.trainingState().withSeed(seed).at(epoch, step));
                replica.forward(Tensor.wrap(x, Tensor.withBatch(count, enc.shape)), firstSample);
                double loss = replica.backward(Tensor.wrap(y, count, outputs));
                float[] g = new float[replica.flatSize()];
                replica.copyGradientsTo(g);
                double[] out = new double[g.length + 2];
                for (int i = 0; i < g.length; i++) {
                    out[i] = (double) g[i] * count;
                }
                out[g.length] = loss * count;
                out[g.length + 1] = count;
                return List.of(out).iterator();
            } finally {
                Replicas.give(trainerId, replica);
            }
        }
    }

    /** A partition's rows as arrays: inputs and targets, encoded as {@link Encoding} says. */
    private static final class Shard {
        final float[] x;
        final float[] y;

        private Shard(float[] x, float[] y) {
            this.x = x;
            this.y = y;
        }

        private int count;

        int rows() {
            return count;
        }

        static Shard load(Iterator<Row> rows, Encoding enc, int col, StructField field, String labelCol) {
            List<Row> list = new ArrayList<>();
            rows.forEachRemaining(list::add);
            float[] x = new float[list.size() * enc.size];
            float[] y = new float[list.size() * enc.outputs];
            for (int i = 0; i < list.size(); i++) {
                enc.input(list.get(i), col, field, x, i * enc.size);
                enc.target(list.get(i), 1, labelCol, y, i * enc.outputs);
            }
            Shard s = new Shard(x, y);
            s.count = list.size();
            return s;
        }
    }

    /** Shards loaded on this executor, by trainer and partition. */
    private static final class Shards {
        private static final Map<String, Shard> SHARDS = new ConcurrentHashMap<>();

        static Shard get(long trainer, int partition, java.util.function.Supplier<Shard> load) {
            return SHARDS.computeIfAbsent(trainer + "/" + partition, k -> load.get());
        }

        static void forget(long trainer) {
            SHARDS.keySet().removeIf(k -> k.startsWith(trainer + "/"));
        }
    }

    /** Model replicas on this executor, one per concurrently running task of a trainer. */
    private static final class Replicas {
        private static final Map<Long, ConcurrentLinkedDeque<Model>> POOLS = new ConcurrentHashMap<>();

        static Model take(long trainer, Broadcast<byte[]> initial) {
            Model m = POOLS.computeIfAbsent(trainer, k -> new ConcurrentLinkedDeque<>()).poll();
            if (m != null) {
                return m;
            }
            try {
                return ModelIO.fromBytes(initial.value(), "broadcast model of trainer " + trainer);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static void give(long trainer, Model m) {
            POOLS.computeIfAbsent(trainer, k -> new ConcurrentLinkedDeque<>()).push(m);
        }

        static void forget(long trainer) {
            POOLS.remove(trainer);
            Shards.forget(trainer);
        }
    }
}

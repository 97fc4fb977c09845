package dev.cnn.spark;

import dev.cnn.data.CsvTable;
import dev.cnn.data.ImageFolder;
import dev.cnn.data.ImageSet;
import dev.cnn.data.Mnist;
import dev.cnn.nn.Evaluation;
import dev.cnn.nn.Model;
import dev.cnn.nn.io.NetworkFile;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.optimizers.Adam;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The Spark entry point ({@code spark-submit --class dev.cnn.spark.SparkMain cnn-spark.jar COMMAND ...}, or
 * plain {@code java} with Spark on the class path): {@code prepare} writes MNIST IDX files, an image folder or
 * a CSV table as Parquet ({@code pixels} binary + {@code label} int, or {@code features} array&lt;double&gt; +
 * {@code label} double); {@code predict} scores a model over Parquet rows or, with {@code --format image}, over
 * image files read by Spark's image data source (labelled by folder when the model names its classes), and
 * writes the predictions as Parquet or JSON lines ({@code --out} ending in {@code .json}); {@code train} trains one with
 * {@link SparkTrainer}. {@code --master} defaults to {@code local[*]}. Exit codes: 0 success, 2 usage error,
 * 1 failure.
 */
public final class SparkMain {
    private static final String USAGE = String.join("\n",
            "usage: SparkMain prepare mnist IDX_DIR OUT.parquet [--split train|test] [--digits 2,5]",
            "       SparkMain prepare images DIR OUT.parquet",
            "       SparkMain prepare table FILE.csv OUT.parquet --target COLUMN",
            "       SparkMain predict MODEL.cnn DATA.parquet [--input pixels] [--label label] [--out OUT.parquet|OUT.json]",
            "       SparkMain predict MODEL.cnn IMAGE_DIR --format image [--out OUT.parquet|OUT.json]",
            "       SparkMain train DATA.parquet --network NET.json|START.cnn --out MODEL.cnn [--input-shape 28,28,1]",
            "                 [--epochs 3] [--batch-size 64] [--lr 0.002] [--seed 1] [--validation VAL.parquet]",
            "                 [--input pixels] [--label label] [--checkpoint-every STEPS]",
            "       SparkMain bench MODEL.cnn DATA.parquet [--input pixels] [--label label] [--steps 20] [--batch-size 64]",
            "all commands: [--master local[*]]");

    private SparkMain() {
    }

    /** Runs a command; exits with its code. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command and returns the exit code (0, 1 or 2), printing errors on one line. */
    public static int run(String[] args) {
        List<String> positional = new ArrayList<>();
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--")) {
                if (i + 1 >= args.length) {
                    return usage(args[i] + " needs a value");
                }
                options.put(args[i].substring(2), args[++i]);
            } else {
                positional.add(args[i]);
            }
        }
        if (positional.isEmpty()) {
            return usage("no command");
        }
        SparkSession spark = null;
        try {
            String command = positional.get(0);
            if (!List.of("prepare", "predict", "train", "bench").contains(command)) {
                return usage("unknown command '" + command + "'");
            }
            spark = SparkSession.builder().appName("cnn " + command).master(options.getOrDefault("master", "local[*]"))
                    .getOrCreate();
            return switch (command) {
                case "prepare" -> prepare(spark, positional, options);
                case "predict" -> predict(spark, positional, options);
                case "bench" -> bench(spark, positional, options);
                default -> train(spark, positional, options);
            };
        } catch (UsageException e) {
            return usage(e.getMessage());
        } catch (Exception e) {
            System.err.println("cnn-spark: error: " + e.getMessage());
            return 1;
        } finally {
            if (spark != null) {
                spark.stop();
            }
        }
    }

    private static int usage(String problem) {
        System.err.println("cnn-spark: usage error: " + problem + "\n" + USAGE);
        return 2;
    }

    private static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private static String arg(List<String> positional, int i, String what) {
        if (positional.size() <= i) {
            throw new UsageException("missing " + what);
        }
        return positional.get(i);
    }

    private static int prepare(SparkSession spark, List<String> positional, Map<String, String> options) throws Exception {
        String kind = arg(positional, 1, "what to prepare (mnist, images or table)");
        Path source = Path.of(arg(positional, 2, "the source"));
        String out = arg(positional, 3, "OUT.parquet");
        List<Row> rows = new ArrayList<>();
        StructType schema;
        if (kind.equals("table")) {
            String target = options.get("target");
            if (target == null) {
                throw new UsageException("prepare table needs --target COLUMN");
            }
            CsvTable t = CsvTable.read(source, null, target);
            for (int r = 0; r < t.rows(); r++) {
                List<Double> f = new ArrayList<>(t.columns());
                for (int c = 0; c < t.columns(); c++) {
                    f.add((double) t.features()[r * t.columns() + c]);
                }
                rows.add(RowFactory.create(scala.jdk.javaapi.CollectionConverters.asScala(f).toSeq(),
                        (double) t.target()[r]));
            }
            schema = new StructType().add("features", DataTypes.createArrayType(DataTypes.DoubleType), false)
                    .add("label", DataTypes.DoubleType, false);
        } else {
            ImageSet images;
            int[] keep = null;
            if (kind.equals("mnist")) {
                Mnist.Split split = Mnist.load(source);
                images = options.getOrDefault("split", "train").equals("test") ? split.test() : split.train();
                if (options.containsKey("digits")) {
                    keep = Arrays.stream(options.get("digits").split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
                }
            } else if (kind.equals("images")) {
                images = ImageFolder.load(source);
            } else {
                throw new UsageException("prepare takes mnist, images or table, got " + kind);
            }
            for (int i = 0; i < images.count(); i++) {
                int label = images.label(i);
                if (keep != null) {
                    int idx = indexOf(keep, label);
                    if (idx < 0) {
                        continue;
                    }
                    label = idx;
                }
                rows.add(RowFactory.create(images.image(i), label));
            }
            schema = new StructType().add("pixels", DataTypes.BinaryType, false).add("label", DataTypes.IntegerType, false);
        }
        spark.createDataFrame(rows, schema).write().mode(SaveMode.Overwrite).parquet(out);
        System.out.println("wrote " + rows.size() + " rows to " + out);
        return 0;
    }

    private static int indexOf(int[] a, int v) {
        for (int i = 0; i < a.length; i++) {
            if (a[i] == v) {
                return i;
            }
        }
        return -1;
    }

    private static int predict(SparkSession spark, List<String> positional, Map<String, String> options) throws Exception {
        Path modelFile = Path.of(arg(positional, 1, "MODEL.cnn"));
        String source = arg(positional, 2, "DATA.parquet or IMAGE_DIR");
        String format = options.getOrDefault("format", "parquet");
        Model model = Model.load(modelFile);
        org.apache.spark.sql.Dataset<Row> data;
        org.apache.spark.sql.Dataset<Row> decoded = null;
        String input;
        if (format.equals("image")) {
            // decoded once: the predictions and the evaluation both read the images
            decoded = spark.read().format("image").option("recursiveFileLookup", "true")
                    .option("pathGlobFilter", "*.{png,jpg,jpeg,PNG,JPG,JPEG}").load(source)
                    .persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
            data = labelledByFolder(decoded, model);
            input = "image";
        } else if (format.equals("parquet")) {
            data = spark.read().parquet(source);
            input = options.getOrDefault("input", data.schema().getFieldIndex("pixels").isDefined() ? "pixels" : "features");
        } else {
            throw new UsageException("--format takes parquet or image, got " + format);
        }
        try (SparkPredictor p = SparkPredictor.of(spark, model)) {
            return predict(p, data, input, options);
        } finally {
            if (decoded != null) {
                decoded.unpersist(false);
            }
        }
    }

    private static int predict(SparkPredictor p, org.apache.spark.sql.Dataset<Row> data, String input,
                               Map<String, String> options) {
        org.apache.spark.sql.Dataset<Row> scored = p.transform(data, input);
        if (options.containsKey("out")) {
            String out = options.get("out");
            org.apache.spark.sql.Dataset<Row> written = input.equals("image")
                    ? scored.withColumn("origin", org.apache.spark.sql.functions.col("image.origin")).drop(input)
                    : scored.drop(input);
            if (out.endsWith(".json")) {
                written.write().mode(SaveMode.Overwrite).json(out);
            } else {
                written.write().mode(SaveMode.Overwrite).parquet(out);
            }
            System.out.println("wrote predictions to " + out);
        }
        String label = options.getOrDefault("label", "label");
        if (data.schema().getFieldIndex(label).isDefined()) {
            Evaluation e = p.evaluate(data, input, label);
            System.out.println(describe(e));
        } else if (!options.containsKey("out")) {
            System.out.println("scored " + scored.count() + " rows");
        }
        return 0;
    }

    /**
     * Rows of Spark's image data source with a {@code label} column added when the model names its classes
     * ({@code classNames}, as {@code cnn train images} writes them) and every file's folder is one of them: the
     * index of that class.
     */
    private static org.apache.spark.sql.Dataset<Row> labelledByFolder(org.apache.spark.sql.Dataset<Row> df, Model model) {
        if (!(model.metadata().get("classNames") instanceof List<?> names) || names.isEmpty()) {
            return df;
        }
        org.apache.spark.sql.Column[] classes = names.stream().map(n -> org.apache.spark.sql.functions.lit(String.valueOf(n)))
                .toArray(org.apache.spark.sql.Column[]::new);
        org.apache.spark.sql.Column folder = org.apache.spark.sql.functions.regexp_extract(
                org.apache.spark.sql.functions.col("image.origin"), "([^/]+)/[^/]+$", 1);
        org.apache.spark.sql.Dataset<Row> labelled = df.withColumn("label", org.apache.spark.sql.functions.array_position(
                org.apache.spark.sql.functions.array(classes), folder).minus(1).cast("int"));
        long outside = labelled.filter("label < 0").count();
        if (outside > 0) {
            System.out.println(outside + " images are not in a folder named after one of the model's classes " + names
                    + ": scored without evaluation");
            return df;
        }
        return labelled;
    }

    /**
     * Inference rows/s through {@link SparkPredictor} against {@code Model.predict} in this process on the same
     * rows (with the time Spark takes to pass the same rows through a {@code mapPartitions} without a model), and
     * the time of a synchronous {@link SparkTrainer} step against {@code Model.trainBatch} on the same global
     * batch; inference figures are medians of 5 runs after a warm-up, measured back to back.
     */
    private static int bench(SparkSession spark, List<String> positional, Map<String, String> options) throws Exception {
        Path modelFile = Path.of(arg(positional, 1, "MODEL.cnn"));
        org.apache.spark.sql.Dataset<Row> data = spark.read().parquet(arg(positional, 2, "DATA.parquet")).cache();
        String input = options.getOrDefault("input", data.schema().getFieldIndex("pixels").isDefined() ? "pixels" : "features");
        String label = options.getOrDefault("label", "label");
        int steps = Integer.parseInt(options.getOrDefault("steps", "20"));
        int batch = Integer.parseInt(options.getOrDefault("batch-size", "64"));
        byte[] bytes = java.nio.file.Files.readAllBytes(modelFile);
        Model m = dev.cnn.nn.io.ModelIO.fromBytes(bytes, modelFile.toString());
        List<Row> rows = data.select(input, label).collectAsList();
        int n = rows.size();
        Encoding enc = Encoding.of(m);
        int size = enc.size;
        int outputs = enc.outputs;
        org.apache.spark.sql.types.StructField field = data.select(input).schema().fields()[0];
        float[] x = new float[n * size];
        float[] y = new float[n * outputs];
        for (int i = 0; i < n; i++) {
            enc.input(rows.get(i), 0, field, x, i * size);
            enc.target(rows.get(i), 1, label, y, i * outputs);
        }
        dev.cnn.core.Tensor all = dev.cnn.core.Tensor.wrap(x, dev.cnn.core.Tensor.withBatch(n, m.inputShape()));
        data.count();
        double local;
        double distributed;
        double pass;
        // Spark's own cost of the same job without a model: the cached rows read, decoded to Row objects and
        // encoded back, as transform's mapPartitions does around the predictions
        org.apache.spark.api.java.function.MapPartitionsFunction<Row, Row> identity = it -> it;
        org.apache.spark.sql.Encoder<Row> rowEncoder = org.apache.spark.sql.Encoders.row(data.schema());
        try (SparkPredictor p = SparkPredictor.of(spark, m)) {
            p.transform(data, input).count();
            data.mapPartitions(identity, rowEncoder).count();
            m.predict(all);
            double[] a = new double[5];
            double[] b = new double[5];
            double[] c = new double[5];
            for (int r = 0; r < a.length; r++) {
                long t = System.nanoTime();
                m.predict(all);
                a[r] = (System.nanoTime() - t) / 1e6;
                t = System.nanoTime();
                p.transform(data, input).count();
                b[r] = (System.nanoTime() - t) / 1e6;
                t = System.nanoTime();
                data.mapPartitions(identity, rowEncoder).count();
                c[r] = (System.nanoTime() - t) / 1e6;
            }
            local = median(a);
            distributed = median(b);
            pass = median(c);
        }
        System.out.printf("inference: Spark %,.0f rows/s, one process %,.0f rows/s, ratio %.2f (%d rows, %s; "
                + "medians of 5: transform %.0f ms, of which Spark's row pass without a model %.0f ms; predict %.0f ms)%n",
                n / distributed * 1e3, n / local * 1e3, local / distributed, n, spark.sparkContext().master(), distributed,
                pass, local);
        // one synchronous step against the same step in this process
        int take = Math.min(n, batch * steps);
        org.apache.spark.sql.Dataset<Row> part = data.limit(take).repartition(2).cache();
        part.count();
        Model single = dev.cnn.nn.io.ModelIO.fromBytes(bytes, "copy");
        dev.cnn.core.Tensor xb = dev.cnn.core.Tensor.wrap(java.util.Arrays.copyOf(x, batch * size),
                dev.cnn.core.Tensor.withBatch(batch, m.inputShape()));
        dev.cnn.core.Tensor yb = dev.cnn.core.Tensor.wrap(java.util.Arrays.copyOf(y, batch * outputs), batch, outputs);
        for (int i = 0; i < 5; i++) {
            single.trainBatch(xb, yb);
        }
        long t = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            single.trainBatch(xb, yb);
        }
        double singleMs = (System.nanoTime() - t) / 1e6 / steps;
        SparkTrainer.builder(dev.cnn.nn.io.ModelIO.fromBytes(bytes, "warm-up")).inputColumn(input).labelColumn(label)
                .globalBatchSize(batch).epochs(1).build().fit(part, null);
        t = System.nanoTime();
        SparkTrainer.builder(dev.cnn.nn.io.ModelIO.fromBytes(bytes, "timed")).inputColumn(input).labelColumn(label)
                .globalBatchSize(batch).epochs(1).build().fit(part, null);
        int stepsRun = (take + batch - 1) / batch;
        double sparkMs = (System.nanoTime() - t) / 1e6 / stepsRun;
        System.out.printf("training step (global batch %d, 2 shards): Spark %.1f ms, one process %.1f ms, overhead %.1f ms "
                + "per step (%s)%n", batch, sparkMs, singleMs, sparkMs - singleMs, spark.sparkContext().master());
        return 0;
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private static String describe(Evaluation e) {
        if (e instanceof dev.cnn.nn.ClassificationEvaluation c) {
            return String.format("accuracy %.4f%% (%d wrong of %d), loss %.5f%nconfusion (rows: true class) %s",
                    100 * c.accuracy(), c.errors(), c.samples(), c.loss(), Arrays.deepToString(c.confusion()));
        }
        return String.format("rmse %.6g, mae %.6g over %d rows", e.regression().rmse(), e.regression().mae(), e.samples());
    }

    private static int train(SparkSession spark, List<String> positional, Map<String, String> options) throws Exception {
        org.apache.spark.sql.Dataset<Row> data = spark.read().parquet(arg(positional, 1, "DATA.parquet"));
        String input = options.getOrDefault("input", data.schema().getFieldIndex("pixels").isDefined() ? "pixels" : "features");
        String network = options.get("network");
        String out = options.get("out");
        if (network == null || out == null) {
            throw new UsageException("train needs --network NET.json|START.cnn and --out MODEL.cnn");
        }
        long seed = Long.parseLong(options.getOrDefault("seed", "1"));
        Model model;
        if (network.endsWith(".cnn")) {
            model = Model.load(Path.of(network));
        } else {
            int[] shape = options.containsKey("input-shape")
                    ? Arrays.stream(options.get("input-shape").split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray()
                    : null;
            if (shape == null) {
                Row first = data.select(input).first();
                Object v = first.get(0);
                shape = new int[] {v instanceof byte[] b ? b.length : first.getList(0).size()};
            }
            model = NetworkFile.read(Path.of(network), shape, Init.HE, seed)
                    .optimizer(new Adam(Double.parseDouble(options.getOrDefault("lr", "0.002")))).build();
            if (data.schema().apply(input).dataType().equals(DataTypes.BinaryType)) {
                model.metadata().put("inputScale", 1.0 / 255);
            }
        }
        org.apache.spark.sql.Dataset<Row> validation = options.containsKey("validation")
                ? spark.read().parquet(options.get("validation")) : null;
        long start = System.nanoTime();
        SparkTrainer.builder(model).inputColumn(input).labelColumn(options.getOrDefault("label", "label"))
                .globalBatchSize(Integer.parseInt(options.getOrDefault("batch-size", "64")))
                .epochs(Integer.parseInt(options.getOrDefault("epochs", "3"))).seed(seed)
                .checkpoint(Path.of(out), Integer.parseInt(options.getOrDefault("checkpoint-every", "0"))).build()
                .fit(data, validation);
        System.out.printf("trained %d epochs (%d optimizer steps) in %.1f s; model saved to %s%n", model.epochsDone(),
                model.optimizer().steps(), (System.nanoTime() - start) / 1e9, out);
        if (validation != null) {
            System.out.println("validation: loss " + model.history().validationLoss().get(model.history().epochs() - 1)
                    + ", metric " + model.history().validationMetric().get(model.history().epochs() - 1));
        }
        return 0;
    }
}

package dev.cnn.spark;

import dev.cnn.core.Dataset;
import dev.cnn.core.Tensor;
import dev.cnn.nn.Evaluation;
import dev.cnn.nn.Model;
import dev.cnn.nn.RegressionEvaluation;
import dev.cnn.nn.io.ModelIO;
import dev.cnn.nn.losses.Loss;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Batch inference and evaluation of a cnn {@link Model} over a Spark {@code Dataset<Row>}: the model file's
 * bytes are broadcast once, each executor JVM loads one {@code Model} from them and its tasks share it, and
 * rows go through {@link Model#predict} in batches of {@value #BATCH}, so every prediction equals
 * {@code Model.predict} on the same input bit for bit.
 *
 * <p>The input column is either {@code binary} — raw uint8 pixels of one sample in NHWC order, multiplied by
 * the model's {@code inputScale} metadata (1/255 when absent), the form {@code cnn} stores images in — or
 * {@code array<float>} / {@code array<double>} with the network's inputs as they are, or the {@code image}
 * struct of Spark's image data source ({@code spark.read().format("image")}, which needs {@code spark-mllib} on
 * the class path, as Spark distributions have it): its BGR(A) rows become the pixels {@code cnn}'s
 * {@code ImageFolder} reads from the same file (RGB with alpha dropped, or gray {@code round(0.299 R + 0.587 G
 * + 0.114 B)} for a one-channel model; a gray image copied into every channel of an RGB model), scaled like
 * binary pixels; images of another size than the model's are refused, not resized. A wrong type, length or
 * image size is an error naming the column (and the image's file), the expected and the found size. A model that carries scaling statistics in
 * its metadata ({@code featureScaler}, {@code targetScaler}, as {@code cnn train table} writes them) gets
 * numeric inputs standardised with them, and a regression model's {@code prediction} (and
 * {@link #evaluate}'s RMSE and MAE) in the target's own units.
 *
 * <p>Thread-safe; {@link #close} releases the broadcast.
 */
public final class SparkPredictor implements AutoCloseable {
    /** Rows per {@code Model.predict} call inside a partition. */
    public static final int BATCH = 256;
    private final SparkSession spark;
    private final Broadcast<byte[]> model;
    private final Encoding encoding;

    private SparkPredictor(SparkSession spark, Model m) {
        this.spark = spark;
        this.encoding = Encoding.of(m);
        this.model = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(ModelIO.toBytes(m));
    }

    /** A predictor for the model saved at {@code modelFile}. */
    public static SparkPredictor load(SparkSession spark, Path modelFile) throws IOException {
        return new SparkPredictor(spark, Model.load(modelFile));
    }

    /** A predictor for {@code model} as it is now (its bytes are broadcast; later changes are not seen). */
    public static SparkPredictor of(SparkSession spark, Model model) {
        return new SparkPredictor(spark, model);
    }

    /**
     * {@code df} with three columns added: {@code prediction} (double: the class index for a classification
     * model — threshold 0.5 for one sigmoid output, argmax otherwise — or the first output for regression),
     * {@code probability} (double: the predicted class's probability; null for regression) and {@code output}
     * (array&lt;float&gt;: the network's whole output row). Lazy, like every Spark transformation.
     */
    public org.apache.spark.sql.Dataset<Row> transform(org.apache.spark.sql.Dataset<Row> df, String inputCol) {
        StructType in = df.schema();
        int col = Inputs.column(in, inputCol);
        StructField field = in.fields()[col];
        StructType out = in.add("prediction", DataTypes.DoubleType, false).add("probability", DataTypes.DoubleType, true)
                .add("output", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        return df.mapPartitions(predictions(model, encoding, col, field), Encoders.row(out));
    }

    /** The per-partition prediction function; static, so the closure holds only what it names. */
    private static MapPartitionsFunction<Row, Row> predictions(Broadcast<byte[]> b, Encoding enc, int col,
                                                               StructField field) {
        int k = enc.outputs;
        return rows -> new Batches(rows, BATCH) {
            @Override
            List<Row> process(List<Row> batch) {
                Model m = ModelCache.get(b.id(), b.value());
                float[] x = new float[batch.size() * enc.size];
                for (int i = 0; i < batch.size(); i++) {
                    enc.input(batch.get(i), col, field, x, i * enc.size);
                }
                float[] p = m.predict(Tensor.wrap(x, Tensor.withBatch(batch.size(), enc.shape))).data();
                List<Row> result = new ArrayList<>(batch.size());
                for (int i = 0; i < batch.size(); i++) {
                    Row r = batch.get(i);
                    Object[] values = new Object[r.length() + 3];
                    for (int c = 0; c < r.length(); c++) {
                        values[c] = r.get(c);
                    }
                    float[] o = java.util.Arrays.copyOfRange(p, i * k, (i + 1) * k);
                    double prediction;
                    Double probability;
                    if (enc.task == Loss.Task.REGRESSION) {
                        prediction = enc.toTargetUnits(o[0]);
                        probability = null;
                    } else if (k == 1) {
                        prediction = o[0] >= 0.5f ? 1 : 0;
                        probability = (double) (o[0] >= 0.5f ? o[0] : 1 - o[0]);
                    } else {
                        int best = Tensor.argmax(o, 0, k);
                        prediction = best;
                        probability = (double) o[best];
                    }
                    values[r.length()] = prediction;
                    values[r.length() + 1] = probability;
                    List<Float> list = new ArrayList<>(k);
                    for (float v : o) {
                        list.add(v);
                    }
                    values[r.length() + 2] = scala.jdk.javaapi.CollectionConverters.asScala(list).toSeq();
                    result.add(RowFactory.create(values));
                }
                return result;
            }
        };
    }

    /**
     * Loss and metrics over {@code df}, equal to {@link Model#evaluate} on the same rows (confusion matrix and
     * counts exactly; the mean loss up to the rounding of adding partition sums): each partition evaluates
     * its rows in chunks of 4096 and the partial results are merged. {@code labelCol} holds, for a
     * classification model, the class index (a whole number, 0 or 1 for one sigmoid output), else the target
     * value (numeric).
     */
    public Evaluation evaluate(org.apache.spark.sql.Dataset<Row> df, String inputCol, String labelCol) {
        StructType in = df.schema();
        int col = Inputs.column(in, inputCol);
        StructField field = in.fields()[col];
        int labelIndex;
        try {
            labelIndex = in.fieldIndex(labelCol);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("no label column '" + labelCol + "' (columns: "
                    + List.of(in.fieldNames()) + ")");
        }
        List<Evaluation> partials = df.javaRDD().mapPartitions(evaluations(model, encoding, col, field, labelIndex,
                labelCol)).collect();
        if (partials.isEmpty()) {
            throw new IllegalArgumentException("the dataset has no rows to evaluate");
        }
        Evaluation result = partials.get(0);
        for (int i = 1; i < partials.size(); i++) {
            result = result.merge(partials.get(i));
        }
        return result;
    }

    /** The per-partition evaluation function; static, so the closure holds only what it names. */
    private static FlatMapFunction<Iterator<Row>, Evaluation> evaluations(Broadcast<byte[]> b, Encoding enc, int col,
            StructField field, int labelIndex, String labelCol) {
        return rows -> {
            Model m = ModelCache.get(b.id(), b.value());
            List<Evaluation> out = new ArrayList<>(1);
            Evaluation total = null;
            Batches chunks = new Batches(rows, 4096) {
                @Override
                List<Row> process(List<Row> batch) {
                    return batch;
                }
            };
            while (chunks.hasNextBatch()) {
                List<Row> batch = chunks.nextBatch();
                int n = batch.size();
                float[] x = new float[n * enc.size];
                float[] y = new float[n * enc.outputs];
                for (int i = 0; i < n; i++) {
                    enc.input(batch.get(i), col, field, x, i * enc.size);
                    enc.target(batch.get(i), labelIndex, labelCol, y, i * enc.outputs);
                }
                Evaluation e = m.evaluate(Dataset.of(Tensor.wrap(x, Tensor.withBatch(n, enc.shape)),
                        Tensor.wrap(y, n, enc.outputs)), SparkPredictor.BATCH);
                if (enc.target != null) { // RMSE and MAE in the target's units (the loss stays in the network's)
                    RegressionEvaluation r = e.regression();
                    double sd = enc.target.std(0);
                    e = new RegressionEvaluation(r.samples(), r.loss(), r.values(), r.squaredError() * sd * sd,
                            r.absoluteError() * sd);
                }
                total = total == null ? e : total.merge(e);
            }
            if (total != null) {
                out.add(total);
            }
            return out.iterator();
        };
    }

    /** The Spark session this predictor broadcasts in. */
    public SparkSession spark() {
        return spark;
    }

    /** Removes the broadcast model from the executors and this JVM's cache. */
    @Override
    public void close() {
        ModelCache.forget(model.id());
        model.destroy();
    }

    /** Reads a partition's rows in batches and hands each batch to {@link #process}. */
    abstract static class Batches implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final int size;
        private Iterator<Row> current = java.util.Collections.emptyIterator();

        Batches(Iterator<Row> rows, int size) {
            this.rows = rows;
            this.size = size;
        }

        abstract List<Row> process(List<Row> batch);

        boolean hasNextBatch() {
            return rows.hasNext();
        }

        List<Row> nextBatch() {
            List<Row> batch = new ArrayList<>(size);
            while (rows.hasNext() && batch.size() < size) {
                batch.add(rows.next());
            }
            return batch;
        }

        @Override
        public boolean hasNext() {
            if (!current.hasNext() && rows.hasNext()) {
                current = process(nextBatch()).iterator();
            }
            return current.hasNext();
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return current.next();
        }
    }
}

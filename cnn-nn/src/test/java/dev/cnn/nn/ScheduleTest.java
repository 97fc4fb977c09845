package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cnn.core.ConfigView;
import dev.cnn.core.Dataset;
import dev.cnn.nn.io.ModelTypes;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.optimizers.Optimizer;
import dev.cnn.nn.schedules.ConstantRate;
import dev.cnn.nn.schedules.CosineDecay;
import dev.cnn.nn.schedules.LearningRateSchedule;
import dev.cnn.nn.schedules.StepDecay;
import dev.cnn.nn.schedules.WarmUp;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScheduleTest {
    @TempDir
    Path dir;

    @Test
    void ratesByHand() {
        // cosine 0.1 -> 0.01 over 5 epochs: t = 0, .25, .5, .75, 1 -> 0.1·(0.1 + 0.9·½(1 + cos πt))
        CosineDecay c = new CosineDecay(0.1, 5, 0.1);
        double[] cosine = {0.1, 0.0868198052, 0.055, 0.0231801948, 0.01, 0.01};
        for (int e = 0; e < cosine.length; e++) {
            assertEquals(cosine[e], c.rate(e), 1e-10, "cosine epoch " + e);
        }
        StepDecay s = new StepDecay(0.2, 3, 0.5);
        assertEquals(List.of(0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.05), rates(s, 7));
        WarmUp w = new WarmUp(2, new ConstantRate(0.4));
        assertEquals(List.of(0.2, 0.4, 0.4), rates(w, 3));
        WarmUp wc = new WarmUp(1, c);
        assertEquals(List.of(0.1, 0.1, c.rate(1)), rates(wc, 3));
        assertThrows(IllegalArgumentException.class, () -> new CosineDecay(0.1, 0, 0.1));
        assertThrows(IllegalArgumentException.class, () -> new StepDecay(0.1, 1, 1.5));
        assertThrows(IllegalArgumentException.class, () -> new ConstantRate(Double.NaN));
    }

    private static List<Double> rates(LearningRateSchedule s, int epochs) {
        List<Double> r = new ArrayList<>();
        for (int e = 0; e < epochs; e++) {
            r.add(s.rate(e));
        }
        return r;
    }

    @Test
    void everyScheduleRebuildsFromItsSavedForm() {
        for (LearningRateSchedule s : List.of(new ConstantRate(0.3), new StepDecay(0.2, 3, 0.5),
                new CosineDecay(0.1, 5, 0.1), new WarmUp(2, new StepDecay(0.2, 3, 0.5)))) {
            LearningRateSchedule back = ModelTypes.schedule(new ConfigView(
                    com.google.gson.JsonParser.parseString(new com.google.gson.Gson().toJson(s.savedForm()))
                            .getAsJsonObject().asMap().entrySet().stream().collect(Collectors.toMap(
                                    Map.Entry::getKey,
                                    e -> new com.google.gson.Gson().fromJson(e.getValue(), Object.class))), "test"));
            assertEquals(s, back);
        }
    }

    @Test
    void theScheduleIsSavedWithTheModelAndAResumedRunStaysOnItsCurve() throws IOException {
        Dataset d = ModelTest.halves(32, 4);
        TrainOptions opts = TrainOptions.defaults().withBatchSize(8).withVerbose(false);
        List<Double> seen = new ArrayList<>();
        Model straight = ModelTest.smallCnn(6);
        straight.train(d, opts.withEpochs(4).withSchedule(new CosineDecay(0.02, 4, 0.1)).withListener(
                new TrainingListener() {
                    @Override
                    public void onEpochStart(int epoch, int batches) {
                        seen.add(straight.optimizer().learningRate());
                    }
                }));
        assertEquals(List.of(0.02, new CosineDecay(0.02, 4, 0.1).rate(1), new CosineDecay(0.02, 4, 0.1).rate(2), 0.002),
                seen);

        Model first = ModelTest.smallCnn(6);
        first.train(d, opts.withEpochs(2).withSchedule(new CosineDecay(0.02, 4, 0.1)));
        Path p = dir.resolve("s.cnn");
        first.save(p);
        Model back = Model.load(p);
        assertEquals(new CosineDecay(0.02, 4, 0.1), back.schedule());
        back.train(d, opts.withEpochs(2)); // no schedule given: the model's own
        assertArrayEquals(ModelTest.flatWeights(straight), ModelTest.flatWeights(back));
    }

    @Test
    void namesParseOneWay() {
        assertEquals(Init.HE, Init.parse("he"));
        assertEquals(Init.XAVIER, Init.parse("XAVIER"));
        assertEquals("Adam", Optimizer.named("adam", 0.1).type());
        assertEquals("GradientDescent", Optimizer.named("gd", 0.1).type());
        assertThrows(IllegalArgumentException.class, () -> Init.parse("glorot"));
        assertThrows(IllegalArgumentException.class, () -> Optimizer.named("sgdw", 0.1));
    }
}

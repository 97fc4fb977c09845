package dev.cnn.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.nn.Model;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Padding;
import dev.cnn.nn.layers.Pool2D;
import dev.cnn.nn.losses.Loss;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's exit codes and messages, on small models and files the test makes. */
class CliTest {
    @TempDir
    Path dir;

    /** One command's exit code and what it printed. */
    record Run(int code, String out, String err) {
    }

    /** Runs the command line in this JVM, capturing standard output and error. */
    static Run cnn(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private Path digitsModel() throws Exception {
        NumpyRandom rng = new NumpyRandom(1);
        Model m = Model.builder(28, 28, 1)
                .add("conv1", new Conv2D(1, 2, 5, 1, Padding.SAME, Init.HE, rng))
                .add("relu1", Activation.relu())
                .add("pool1", new Pool2D(4, 4, PoolMode.MAX))
                .add("fc1", new FullyConnected(98, 1, Init.XAVIER, rng))
                .add("sigmoid", Activation.sigmoid())
                .loss(Loss.BINARY_CROSS_ENTROPY).build();
        m.metadata().put("task", "digits");
        m.metadata().put("classNames", List.of("2", "5"));
        Path p = dir.resolve("digits.cnn");
        m.save(p);
        return p;
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertEquals(2, cnn("train").code());
        assertEquals(2, cnn("frobnicate").code());
        assertEquals(2, cnn("bench", "--runs", "many").code());
        Run unknown = cnn("nosuch", "--help");
        assertEquals(2, unknown.code(), "an unknown command is a usage error whatever follows it");
        assertTrue(unknown.err().startsWith("cnn: usage error: unknown command 'nosuch'; the commands are train, "
                + "evaluate, predict"), unknown.err());
        assertEquals("", unknown.out());
    }

    @Test
    void helpTextsDescribeWhatEachCommandTakes() {
        String train = cnn("train", "--help").out().replaceAll("\\s+", " ");
        assertTrue(train.contains("images DIR") && train.contains("table FILE.csv"), train);
        String evaluate = cnn("evaluate", "--help").out().replaceAll("\\s+", " ");
        assertTrue(evaluate.contains("the target's units: dollars for housing"), evaluate);
        String predict = cnn("predict", "--help").out().replaceAll("\\s+", " ");
        assertTrue(predict.contains("(digits, mnist, images)") && predict.contains("grayscale or RGB")
                && predict.contains("Table and housing models"), predict);
        String bench = cnn("bench", "--help").out().replaceAll("\\s+", " ");
        assertTrue(bench.contains("a pure FMA loop on one core before and after them"), bench);
    }

    @Test
    void progressShowsTheTimeLeftAndPlainLinesWhenNotATerminal() {
        ByteArrayOutputStream bar = new ByteArrayOutputStream();
        ConsoleProgress p = new ConsoleProgress(new PrintStream(bar, true, StandardCharsets.UTF_8), 3,
                ConsoleProgress.Mode.BAR);
        p.onEpochStart(0, 2);
        p.onBatchEnd(0, 0, 2, 8, 0.5);
        p.onBatchEnd(0, 1, 2, 8, 0.25);
        String s = bar.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("epoch 1/3 [") && s.contains("2/2") && s.contains("loss 0.37500") && s.contains(" s left"), s);
        assertEquals("0 s", ConsoleProgress.duration(0.2));
        assertEquals("2 min 05 s", ConsoleProgress.duration(125));
        assertEquals("1 h 03 min", ConsoleProgress.duration(3790));
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        ConsoleProgress q = new ConsoleProgress(new PrintStream(lines, true, StandardCharsets.UTF_8), 3,
                ConsoleProgress.Mode.LINES);
        q.onEpochStart(0, 2);
        q.onBatchEnd(0, 0, 2, 8, 0.5);
        assertEquals("", lines.toString(StandardCharsets.UTF_8), "a line every 10 s, not every batch");
    }

    @Test
    void helpAndVersionExitWithZero() {
        Run r = cnn("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("train") && r.out().contains("evaluate") && r.out().contains("bench"), r.out());
    }

    @Test
    void aCorruptModelIsOneLineAndExitOne() throws Exception {
        Path bad = Files.writeString(dir.resolve("bad.cnn"), "not a model");
        Run r = cnn("summary", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("cnn: error: ") && r.err().contains("not a valid model file"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line without --verbose: " + r.err());
        Run v = cnn("summary", bad.toString(), "--verbose");
        assertTrue(v.err().lines().count() > 3, "stack trace with --verbose");
    }

    @Test
    void aMissingDataDirectoryIsExitOne() throws Exception {
        Run r = cnn("evaluate", digitsModel().toString(), "--data", dir.resolve("absent").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("absent") && r.err().contains("data directory does not exist"), r.err());
    }

    @Test
    void predictClassifiesImagesAndRejectsWrongSizes() throws Exception {
        Path model = digitsModel();
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        Path ok = dir.resolve("ok.png");
        ImageIO.write(img, "png", ok.toFile());
        Run r = cnn("predict", model.toString(), ok.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("\"input\":\"" + ok) && r.out().contains("\"class\":"), r.out());
        Path big = dir.resolve("big.png");
        ImageIO.write(new BufferedImage(30, 28, BufferedImage.TYPE_BYTE_GRAY), "png", big.toFile());
        Run bad = cnn("predict", model.toString(), big.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("big.png: the image is 30x28 pixels but this digits model takes PNG or JPEG images of "
                + "28x28 pixels (grayscale)"), bad.err());
    }

    @Test
    void importReadsAnOnnxFileBackIntoAModelThatPredictsTheSame() throws Exception {
        Path model = digitsModel();
        Path onnx = dir.resolve("digits.onnx");
        assertEquals(0, cnn("export", model.toString(), onnx.toString()).code());
        Path back = dir.resolve("back.cnn");
        Run r = cnn("import", onnx.toString(), back.toString(), "--task", "digits");
        assertEquals(0, r.code(), r.err());
        // the five layers and the flatten before fc1, which the ONNX graph spells out
        assertTrue(r.out().contains("6 layers, 151 parameters; input (batch, 28, 28, 1) NHWC float32, output (batch, 1)")
                && r.out().contains("wrote " + back + " for task digits"), r.out());
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int i = 0; i < 28; i++) {
            img.getRaster().setSample(i, (i * 7) % 28, 0, 200);
        }
        Path png = dir.resolve("stroke.png");
        ImageIO.write(img, "png", png.toFile());
        Run a = cnn("predict", model.toString(), png.toString(), "--json");
        Run b = cnn("predict", back.toString(), png.toString(), "--json");
        assertEquals(0, b.code(), b.err());
        assertEquals(a.out(), b.out());
        // a network for ten classes is not a digits model
        Run wrong = cnn("import", onnx.toString(), dir.resolve("x.cnn").toString(), "--task", "mnist");
        assertEquals(2, wrong.code());
        assertTrue(wrong.err().contains("--task mnist needs a model from (h, w, c) images to 10 class scores"), wrong.err());
        Run notOnnx = cnn("import", model.toString(), dir.resolve("y.cnn").toString());
        assertEquals(1, notOnnx.code());
        assertTrue(notOnnx.err().contains(model + ": "), notOnnx.err());
    }

    @Test
    void predictTakesAndGivesArraysForAnyModel() throws Exception {
        Path model = digitsModel();
        Path onnx = dir.resolve("d.onnx");
        assertEquals(0, cnn("export", model.toString(), onnx.toString()).code());
        Path imported = dir.resolve("imported.cnn");
        assertEquals(0, cnn("import", onnx.toString(), imported.toString()).code()); // no --task: arrays only
        Tensor nhwc = new NumpyRandom(8).rand(3, 28, 28, 1);
        Path x = dir.resolve("x.npy");
        dev.cnn.core.Npy.write(x, nhwc.permute(0, 3, 1, 2)); // as PyTorch holds images: NCHW
        Path y = dir.resolve("y.npy");
        Run r = cnn("predict", imported.toString(), x.toString(), "--out", y.toString(), "--layout", "nchw");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote " + y + ": (3, 1) float32 for the 3 samples of " + x), r.out());
        assertArrayEquals(Model.load(model).predict(nhwc).data(), dev.cnn.core.Npy.read(y).data(), 1e-6f);
        // the same array read as NHWC has the wrong shape, which is said with both layouts
        Run bad = cnn("predict", imported.toString(), x.toString(), "--out", y.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("samples of shape (1, 28, 28), but the model takes (28, 28, 1) (NHWC; --layout "
                + "nchw for arrays in PyTorch's order)"), bad.err());
    }

    @Test
    void exportWritesOnnxAndRefusesOtherNames() throws Exception {
        Path model = digitsModel();
        Path onnx = dir.resolve("digits.onnx");
        Run r = cnn("export", model.toString(), onnx.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("input 'input' (batch, 28, 28, 1), output 'output' (batch, 1)"), r.out());
        assertEquals(Files.size(onnx), dev.cnn.nn.onnx.OnnxExport.toBytes(Model.load(model)).length);
        Run bad = cnn("export", model.toString(), dir.resolve("digits.zip").toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("OUT must end in .onnx"), bad.err());
    }

    @Test
    void modelJsonTrainsAnEditedNetworkAndNamesTheLayerThatIsWrong() throws Exception {
        Path folder = shapes();
        Path net = dir.resolve("net.json");
        Files.writeString(net, "[{\"name\": \"flat\", \"type\": \"Flatten\"},"
                + " {\"name\": \"fc\", \"type\": \"FullyConnected\", \"config\": {\"inputSize\": 64, \"outputSize\": 1}},"
                + " {\"name\": \"sigmoid\", \"type\": \"Sigmoid\"}]");
        Path model = dir.resolve("json/model.cnn");
        Run r = cnn("train", "images", folder.toString(), "--model", net.toString(), "--epochs", "30", "--batch-size", "8",
                "--val-fraction", "0.25", "--out", model.toString(), "--quiet", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("flat", "fc", "sigmoid"), Model.load(model).layerNames());

        Files.writeString(net, Files.readString(net).replace("\"outputSize\": 1", "\"outputSize\": 1, \"units\": 3"));
        Run unknown = cnn("train", "images", folder.toString(), "--model", net.toString(), "--out", model.toString());
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("layer 'fc' (FullyConnected): unknown config key(s) [units]"), unknown.err());

        Files.writeString(net, Files.readString(net).replace(", \"units\": 3", "").replace("64", "63"));
        Run shape = cnn("train", "images", folder.toString(), "--model", net.toString(), "--out", model.toString());
        assertEquals(1, shape.code());
        assertTrue(shape.err().contains("layer 'fc' (FullyConnected): FullyConnected expects 63 features"), shape.err());

        Files.writeString(net, Files.readString(net).replace("63", "64").replace("\"outputSize\": 1", "\"outputSize\": 3"));
        Run out = cnn("train", "images", folder.toString(), "--model", net.toString(), "--out", model.toString());
        assertEquals(2, out.code());
        assertTrue(out.err().contains("outputs (3,) per sample but images needs (1,)"), out.err());
    }

    @Test
    void trainTableClassifiesAndRegressesACsvAndPredictsItsRows() throws Exception {
        NumpyRandom rng = new NumpyRandom(4);
        StringBuilder csv = new StringBuilder("a,b,kind,size\n");
        for (int i = 0; i < 300; i++) {
            double a = rng.nextDouble() * 3;
            double b = rng.nextDouble();
            csv.append(String.format(java.util.Locale.ROOT, "%.4f,%.4f,%d,%.4f%n", a, b, (int) a, 10 * a - 4 * b));
        }
        Path file = Files.writeString(dir.resolve("t.csv"), csv);
        Path cls = dir.resolve("cls/model.cnn");
        Run r = cnn("train", "table", file.toString(), "--target", "kind", "--classes", "--epochs", "150", "--out",
                cls.toString(), "--quiet", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().matches("(?s)table: validation accuracy (9[0-9]|100)\\..*"), r.out());
        Path rows = Files.writeString(dir.resolve("rows.csv"), "b,a,size\n0.5,2.9,1\n0.5,0.1,1\n");
        Run p = cnn("predict", cls.toString(), rows.toString());
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("line 2: class 2") && p.out().contains("line 3: class 0"), p.out());

        Path reg = dir.resolve("reg/model.cnn");
        Run q = cnn("train", "table", file.toString(), "--target", "size", "--epochs", "40", "--out", reg.toString(),
                "--quiet", "--threads", "1");
        assertEquals(0, q.code(), q.err());
        assertTrue(q.out().contains("validation RMSE") && q.out().contains("(size) over 30 rows"), q.out());
        Run e = cnn("evaluate", reg.toString());
        assertEquals(0, e.code(), e.err());
        assertEquals(q.out().lines().filter(l -> l.startsWith("table:")).findFirst().orElseThrow(),
                e.out().lines().findFirst().orElseThrow());

        assertTrue(e.out().contains("scored 30 of 300 rows of " + file + " (the validation split)"), e.out());
        Path fresh = Files.writeString(dir.resolve("fresh.csv"), "size,b,a,kind\n25.0,0.5,2.7,2\n5.6,0.1,0.6,0\n"
                + "14.0,0.5,1.6,1\n");
        Run newRows = cnn("evaluate", reg.toString(), fresh.toString());
        assertEquals(0, newRows.code(), newRows.err());
        assertTrue(newRows.out().startsWith("table: RMSE ") && newRows.out().contains("(size) over 3 rows")
                && newRows.out().contains("scored 3 of 3 rows of " + fresh), newRows.out());
        Run newClasses = cnn("evaluate", cls.toString(), fresh.toString(), "--json");
        assertEquals(0, newClasses.code(), newClasses.err());
        assertTrue(newClasses.out().contains("\"samples\":3,\"scope\":\"all\""), newClasses.out());

        Run noTarget = cnn("train", "table", file.toString());
        assertEquals(2, noTarget.code());
        assertTrue(noTarget.err().contains("--target COLUMN"), noTarget.err());
        Run badLabel = cnn("train", "table", file.toString(), "--target", "size", "--classes", "--out", reg.toString());
        assertEquals(1, badLabel.code());
        assertTrue(badLabel.err().contains("is not a whole number, so the column looks continuous; leave out --classes"),
                badLabel.err());
    }

    @Test
    void textColumnsAreCategoriesAndEmptyCellsAreHandledAsAsked() throws Exception {
        NumpyRandom rng = new NumpyRandom(6);
        StringBuilder csv = new StringBuilder("size;color;price\n");
        String[] colors = {"red", "green", "blue"};
        for (int i = 0; i < 240; i++) {
            double size = rng.nextDouble();
            int c = i % 3;
            String sizeCell = i % 10 == 0 ? "" : String.format(java.util.Locale.ROOT, "%.4f", size);
            csv.append(sizeCell).append(';').append(colors[c]).append(';')
                    .append(String.format(java.util.Locale.ROOT, "%.4f%n", 3 * size + 2 * c));
        }
        Path file = Files.writeString(dir.resolve("shop.csv"), csv);
        Path model = dir.resolve("shop/model.cnn");
        Run strict = cnn("train", "table", file.toString(), "--target", "price", "--delimiter", ";", "--out",
                model.toString(), "--quiet");
        assertEquals(1, strict.code());
        assertTrue(strict.err().contains("shop.csv line 2, column 'size': empty cell (train with --missing drop or "
                + "--missing mean to allow them)"), strict.err());

        Run dropped = cnn("train", "table", file.toString(), "--target", "price", "--delimiter", ";", "--missing", "drop",
                "--epochs", "1", "--out", dir.resolve("drop/model.cnn").toString(), "--threads", "1");
        assertEquals(0, dropped.code(), dropped.err());
        assertTrue(dropped.err().contains("left out 24 of 240 rows with empty cells (--missing drop)"), dropped.err());

        Run mean = cnn("train", "table", file.toString(), "--target", "price", "--delimiter", ";", "--missing", "mean",
                "--epochs", "60", "--out", model.toString(), "--quiet", "--threads", "1");
        assertEquals(0, mean.code(), mean.err());
        Model m = Model.load(model);
        assertEquals(List.of("size", "color=blue", "color=green", "color=red"), m.metadata().get("features"));
        Path rows = Files.writeString(dir.resolve("ask.csv"), "color;size\nblue;0.5\ngreen;\npurple;0.5\n");
        Run p = cnn("predict", model.toString(), rows.toString());
        assertEquals(1, p.code());
        assertTrue(p.err().contains("ask.csv line 4, column 'color': category 'purple' was not seen in training (known: "
                + "blue, green, red)"), p.err());
        Path good = Files.writeString(dir.resolve("good.csv"), "color;size\nblue;0.5\ngreen;\n");
        Run q = cnn("predict", model.toString(), good.toString(), "--json");
        assertEquals(0, q.code(), q.err());
        List<String> lines = q.out().lines().toList();
        assertEquals(2, lines.size(), q.out());
        double blue = Double.parseDouble(lines.get(0).replaceAll(".*\"value\":([-0-9.Ee]+).*", "$1"));
        assertEquals(3 * 0.5 + 2 * 2, blue, 0.5, "price of a blue size-0.5 item: " + q.out());
        Run e = cnn("evaluate", model.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("scored 24 of 240 rows"), e.out());
        Run badDelimiter = cnn("train", "table", file.toString(), "--target", "price", "--delimiter", "ab");
        assertEquals(2, badDelimiter.code());
        Run badMissing = cnn("train", "table", file.toString(), "--target", "price", "--missing", "zero");
        assertEquals(2, badMissing.code());
        assertTrue(badMissing.err().contains("--missing: expected error, drop or mean, got 'zero'"), badMissing.err());
    }

    @Test
    void classLabelsMayBeAnyTextOrIntegersAndAreRefusedWhenTheyLookContinuous() throws Exception {
        NumpyRandom rng = new NumpyRandom(5);
        StringBuilder csv = new StringBuilder("w,h,animal,grade,id\n");
        for (int i = 0; i < 200; i++) {
            double w = rng.nextDouble();
            csv.append(String.format(java.util.Locale.ROOT, "%.4f,%.4f,%s,%d,%d%n", w, rng.nextDouble(),
                    w < 0.5 ? "cat" : "dog", w < 0.5 ? 1 : 2, i));
        }
        Path file = Files.writeString(dir.resolve("animals.csv"), csv);
        Path model = dir.resolve("animals/model.cnn");
        Run r = cnn("train", "table", file.toString(), "--target", "animal", "--classes", "--epochs", "60", "--out",
                model.toString(), "--quiet", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("cat", "dog"), Model.load(model).metadata().get("classNames"));
        assertEquals(1, Model.load(model).outputShape()[0], "two classes: one sigmoid output");
        Path rows = Files.writeString(dir.resolve("ask.csv"), "h,w,grade,id\n0.5,0.95,2,100\n0.5,0.05,1,100\n");
        Run p = cnn("predict", model.toString(), rows.toString());
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("line 2: class dog") && p.out().contains("line 3: class cat"), p.out());

        // the same rows without the text column (a text feature is not read as one yet)
        Path numeric = Files.writeString(dir.resolve("numeric.csv"), csv.toString().replaceAll(",(cat|dog|animal),", ","));
        Path grades = dir.resolve("grades/model.cnn");
        Run g = cnn("train", "table", numeric.toString(), "--target", "grade", "--classes", "--epochs", "1", "--out",
                grades.toString(), "--quiet", "--threads", "1");
        assertEquals(0, g.code(), g.err());
        assertEquals(List.of("1", "2"), Model.load(grades).metadata().get("classNames"), "labels 1 and 2: two classes");

        Run ids = cnn("train", "table", numeric.toString(), "--target", "id", "--classes", "--out", grades.toString());
        assertEquals(1, ids.code());
        assertTrue(ids.err().contains("column 'id' has 200 distinct values, more than the 100 classes --classes takes"),
                ids.err());
        Run cont = cnn("train", "table", numeric.toString(), "--target", "w", "--classes", "--out", grades.toString());
        assertEquals(1, cont.code());
        assertTrue(cont.err().contains("column 'w': 0.") && cont.err().contains("looks continuous"), cont.err());
    }

    /** 20 dark and 20 light 8x8 grayscale PNGs in class folders. */
    private Path shapes() throws IOException {
        Path folder = dir.resolve("shapes");
        NumpyRandom rng = new NumpyRandom(2);
        for (String cls : new String[] {"dark", "light"}) {
            Files.createDirectories(folder.resolve(cls));
            for (int i = 0; i < 20; i++) {
                BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 8; y++) {
                    for (int x = 0; x < 8; x++) {
                        int base = cls.equals("dark") ? 40 : 200;
                        img.getRaster().setSample(x, y, 0, base + (int) (rng.nextDouble() * 40));
                    }
                }
                ImageIO.write(img, "png", folder.resolve(cls).resolve(i + ".png").toFile());
            }
        }
        return folder;
    }

    @Test
    void trainImagesLearnsAFolderOfPngsAndEvaluatesItsValidationSplit() throws Exception {
        Path folder = shapes();
        Path model = dir.resolve("runs/shapes/model.cnn");
        Run r = cnn("train", "images", folder.toString(), "--epochs", "20", "--batch-size", "8", "--val-fraction", "0.25", "--out",
                model.toString(), "--quiet", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("validation accuracy 100.0000% (0 wrong of 10)"), r.out());
        Run e = cnn("evaluate", model.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("validation accuracy 100.0000% (0 wrong of 10)"), e.out());
        assertTrue(e.out().contains("scored 10 of 40 images of " + folder + " (the validation split)"), e.out());

        // new data: every image in it is scored, and the output says how many
        Path heldOut = dir.resolve("held-out");
        Files.createDirectories(heldOut.resolve("light"));
        for (int i = 0; i < 7; i++) {
            Files.copy(folder.resolve("light").resolve(i + ".png"), heldOut.resolve("light").resolve(i + ".png"));
        }
        Run all = cnn("evaluate", model.toString(), heldOut.toString(), "--json");
        assertEquals(0, all.code(), all.err());
        assertTrue(all.out().contains("\"samples\":7,\"scope\":\"all\""), all.out());
        Run viaOption = cnn("evaluate", model.toString(), "--data", heldOut.toString());
        assertEquals(0, viaOption.code(), viaOption.err());
        assertTrue(viaOption.out().contains("accuracy 100.0000% (0 wrong of 7)")
                && viaOption.out().contains("scored 7 of 7 images in " + heldOut), viaOption.out());
        Files.createDirectories(heldOut.resolve("round"));
        Files.copy(folder.resolve("dark").resolve("0.png"), heldOut.resolve("round").resolve("0.png"));
        Run unknownClass = cnn("evaluate", model.toString(), heldOut.toString());
        assertEquals(1, unknownClass.code());
        assertTrue(unknownClass.err().contains("class 'round' is not one of the 2 classes [dark, light] the model was "
                + "trained on"), unknownClass.err());

        Files.createDirectories(folder.resolve("empty"));
        Run empty = cnn("train", "images", folder.toString(), "--out", dir.resolve("e.cnn").toString());
        assertEquals(1, empty.code());
        assertTrue(empty.err().contains("class folder 'empty' has no .png, .jpg or .jpeg files"), empty.err());
        Files.delete(folder.resolve("empty"));

        // 30 training images, the default batch size is 32: it adapts, and says so
        Run small = cnn("train", "images", folder.toString(), "--epochs", "1", "--val-fraction", "0.25", "--out",
                dir.resolve("small/model.cnn").toString(), "--threads", "1");
        assertEquals(0, small.code(), small.err());
        assertTrue(small.err().contains("30 training samples, fewer than the default batch size 32: training in batches "
                + "of 30"), small.err());

        Run missing = cnn("train", "images");
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("train images needs the image folder"), missing.err());
        Run extra = cnn("train", "digits", folder.toString());
        assertEquals(2, extra.code());
    }

    @Test
    void fromFineTunesAnOnnxOrCnnModelsFeaturesUnderANewClassifier() throws Exception {
        Path folder = shapes();
        NumpyRandom rng = new NumpyRandom(3);
        Model base = Model.builder(8, 8, 1)
                .add("conv1", new Conv2D(1, 4, 3, 1, Padding.SAME, Init.HE, rng)).add("relu1", Activation.relu())
                .add("conv2", new Conv2D(4, 4, 3, 1, Padding.SAME, Init.HE, rng)).add("relu2", Activation.relu())
                .add("pool", new Pool2D(2, 2, PoolMode.MAX))
                .add("fc", new FullyConnected(64, 5, Init.XAVIER, rng)).add("softmax", Activation.softmax()).build();
        Path baseFile = dir.resolve("base.cnn");
        base.save(baseFile);
        Path onnx = dir.resolve("base.onnx");
        assertEquals(0, cnn("export", baseFile.toString(), onnx.toString()).code());

        Path tuned = dir.resolve("tuned/model.cnn");
        Run r = cnn("train", "images", folder.toString(), "--from", onnx.toString(), "--epochs", "15", "--batch-size", "8", "--lr", "0.05",
                "--val-fraction", "0.25", "--out", tuned.toString(), "--quiet", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("fine-tuning " + onnx + ": its 6 layers up to 'fc_flatten' (2 frozen), a new "
                + "classifier 'classifier' of 1 output"), r.err());
        assertTrue(r.out().contains("validation accuracy 100.0000% (0 wrong of 10)"), r.out());
        Model t = Model.load(tuned);
        assertEquals(List.of("conv1", "relu1", "conv2", "relu2", "pool", "fc_flatten", "classifier", "sigmoid"), t.layerNames());
        assertArrayEquals(base.parameters().get("conv2.W").value().data(), t.parameters().get("conv2.W").value().data());
        assertEquals("base.onnx", t.metadata().get("fineTunedFrom"));
        Run p = cnn("predict", tuned.toString(), folder.resolve("light/0.png").toString());
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("light"), p.out());

        // --unfreeze 1: the last convolution learns too, the first stays
        Path more = dir.resolve("more/model.cnn");
        Run u = cnn("train", "images", folder.toString(), "--from", baseFile.toString(), "--unfreeze", "1", "--epochs", "2",
                "--out", more.toString(), "--quiet", "--threads", "1");
        assertEquals(0, u.code(), u.err());
        Model m = Model.load(more);
        assertArrayEquals(base.parameters().get("conv1.W").value().data(), m.parameters().get("conv1.W").value().data());
        assertTrue(m.isTrainable("conv2") && !m.isTrainable("conv1"));
        assertTrue(!java.util.Arrays.equals(base.parameters().get("conv2.W").value().data(),
                m.parameters().get("conv2.W").value().data()));

        Run size = cnn("train", "images", folder.toString(), "--from", digitsModel().toString(), "--out",
                dir.resolve("x/model.cnn").toString());
        assertEquals(2, size.code());
        assertTrue(size.err().contains("takes (28, 28, 1) inputs but the images are (8, 8, 1); --resize 28x28 resizes "
                + "them"), size.err());
        Run tooMany = cnn("train", "images", folder.toString(), "--from", baseFile.toString(), "--unfreeze", "3",
                "--out", dir.resolve("y/model.cnn").toString());
        assertEquals(2, tooMany.code());
        assertTrue(tooMany.err().contains("has 2 layers with weights up to 'pool'"), tooMany.err());
        assertEquals(2, cnn("train", "images", folder.toString(), "--unfreeze", "1").code());
        assertEquals(2, cnn("train", "housing", "--from", baseFile.toString()).code());
    }

    @Test
    void trainImagesResizesAFolderOfMixedSizesAndPredictResizesToo() throws Exception {
        Path folder = shapes();
        BufferedImage big = new BufferedImage(12, 10, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 10; y++) {
            for (int x = 0; x < 12; x++) {
                big.getRaster().setSample(x, y, 0, 220);
            }
        }
        ImageIO.write(big, "png", folder.resolve("light").resolve("big.png").toFile());
        Run refused = cnn("train", "images", folder.toString(), "--out", dir.resolve("r/model.cnn").toString());
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("(or resize them all: --resize HxW)"), refused.err());
        Path model = dir.resolve("resized/model.cnn");
        Run r = cnn("train", "images", folder.toString(), "--resize", "8x8", "--epochs", "15", "--batch-size", "8",
                "--out", model.toString(), "--quiet", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(8.0, 8.0), Model.load(model).metadata().get("resize"), "JSON numbers read back as doubles");
        Path ask = dir.resolve("ask.png");
        ImageIO.write(big, "png", ask.toFile());
        Run p = cnn("predict", model.toString(), ask.toString());
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains("ask.png: light"), p.out());
        Run bad = cnn("train", "images", folder.toString(), "--resize", "big");
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--resize must be HEIGHTxWIDTH in pixels"), bad.err());
    }

    @Test
    void summaryShowsLayersAndMetadata() throws Exception {
        Run r = cnn("summary", digitsModel().toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("conv1") && r.out().contains("total parameters: 151") && r.out().contains("digits"),
                r.out());
    }

    @Test
    void aGraphNetworkIsSummarisedWithItsInputsExportedAndBuiltFromTheShippedExample() throws Exception {
        Model m = Model.builder(28, 28, 1).seed(2)
                .add("conv1", new Conv2D(4, 3, 1, Padding.SAME, Init.HE))
                .add("relu1", Activation.relu())
                .add("conv2", new Conv2D(4, 3, 1, Padding.SAME, Init.HE))
                .add("sum", new dev.cnn.nn.layers.Add(), "conv2", "relu1")
                .add("pool", new dev.cnn.nn.layers.GlobalAveragePooling2D())
                .add("fc", new FullyConnected(2))
                .add("softmax", Activation.softmax()).build();
        m.metadata().put("task", "mnist");
        Path p = dir.resolve("graph.cnn");
        m.save(p);
        Run r = cnn("summary", p.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("inputs") && r.out().matches("(?s).*sum +Add +\\(28, 28, 4\\) +0 +conv2, relu1.*"),
                r.out());
        Path onnx = dir.resolve("graph.onnx");
        Run e = cnn("export", p.toString(), onnx.toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(Files.size(onnx) > 1000);
        // the shipped residual network builds: three stages of two basic blocks, 175,530 parameters
        Model resnet = dev.cnn.nn.io.NetworkFile.read(Path.of("..", "examples", "small-resnet.json"), new int[] {28, 28, 1},
                Init.HE, 1).build();
        assertEquals(175_530, resnet.parameterCount());
        assertEquals(List.of("s2b1_bn2", "s2b1_proj_bn"), resnet.inputsOf("s2b1_add"));
        assertArrayEquals(new int[] {7, 7, 64}, resnet.outputShape("s3b2_out"));
    }

    @Test
    void mnistOnAFolderOfItsOwnIdxFilesNamesThatFolder() throws Exception {
        // --data at a folder of IDX files (as Fashion-MNIST comes) is what is scored, not "MNIST"
        Path idx = dir.resolve("fashion");
        Files.createDirectories(idx);
        NumpyRandom rng = new NumpyRandom(2);
        for (String set : List.of("train", "t10k")) {
            int n = set.equals("train") ? 40 : 10;
            byte[] pixels = new byte[n * 784];
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                labels[i] = (byte) (i % 10);
                for (int p = 0; p < 784; p++) {
                    pixels[i * 784 + p] = (byte) (rng.nextDouble() < 0.1 * (i % 10) ? 255 : 0);
                }
            }
            Files.write(idx.resolve(set + "-images-idx3-ubyte"), ConsumerTest.idx(2051, new int[] {n, 28, 28}, pixels));
            Files.write(idx.resolve(set + "-labels-idx1-ubyte"), ConsumerTest.idx(2049, new int[] {n}, labels));
        }
        Run r = cnn("train", "mnist", "--data", idx.toString(), "--epochs", "1", "--batch-size", "20", "--augment", "0,0",
                "--val-fraction", "0.25", "--quiet", "--out", dir.resolve("f.cnn").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("scored 10 test images of " + idx), r.out());
        // four images a class: the default tenth holds out none, which is said before any training
        Run none = cnn("train", "mnist", "--data", idx.toString(), "--epochs", "1", "--quiet", "--out",
                dir.resolve("g.cnn").toString());
        assertEquals(1, none.code());
        assertTrue(none.err().contains("--val-fraction 0.1 of 40 images holds out none for validation"), none.err());
    }

    @Test
    void housingFeaturesAreFiniteAndDistancesAreRight() {
        float[] raw = {-122.4194f, 37.7749f, 20, 1000, 200, 500, 180, 3.5f};
        float[] f = HousingFeatures.transform(raw, 1);
        assertEquals(HousingFeatures.COUNT, f.length);
        for (float v : f) {
            assertTrue(Float.isFinite(v));
        }
        assertEquals(0, f[14], 0.01, "at San Francisco");
        assertEquals(559, HousingFeatures.distanceKm(37.7749, -122.4194, 34.0522, -118.2437), 2,
                "San Francisco to Los Angeles");
    }
}

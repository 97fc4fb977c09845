package dev.cnn.app;

import dev.cnn.nn.Model;
import dev.cnn.nn.onnx.OnnxImport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cnn import MODEL.onnx OUT.cnn}: an ONNX network (as PyTorch exports it) as a cnn model file. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = "Read an ONNX model (opsets " + OnnxImport.MIN_OPSET + "-" + OnnxImport.MAX_OPSET + ", as "
                + "torch.onnx.export writes it) into a cnn model file: the same network in pure Java, NHWC in, "
                + "weights converted, batch norm folded. With --task it is ready for cnn evaluate and predict.")
final class ImportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The ONNX file.")
    Path onnx;

    @Parameters(index = "1", paramLabel = "OUT.cnn", description = "The model file to write.")
    Path out;

    @Option(names = "--task", paramLabel = "TASK", description = "What cnn evaluate and predict take the model for: "
            + "digits (2 vs 5), mnist (ten digits) or images (with --classes). Without it the file is for cnn summary, "
            + "export and the library.")
    String task;

    @Option(names = "--classes", split = ",", paramLabel = "NAME,...",
            description = "images: the class names, in the order of the model's outputs.")
    List<String> classes;

    @Option(names = "--input-scale", paramLabel = "S", defaultValue = "0.00392156862745098",
            description = "Image tasks: the factor from pixel bytes to the model's inputs (default 1/255: [0, 1]).")
    double inputScale;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!out.getFileName().toString().endsWith(".cnn")) {
            throw new ParameterException(spec.commandLine(), "OUT.cnn must end in .cnn, got " + out);
        }
        long start = System.nanoTime();
        Model m = Model.importOnnx(onnx);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (task != null) {
            label(m);
        }
        m.save(out);
        System.out.printf("imported %s (%s, opset %s) in %.2f s: %d layers, %,d parameters; input %s NHWC float32, "
                + "output %s%n", onnx, m.metadata().get("onnxProducer"), m.metadata().get("onnxOpset"), seconds,
                m.layerNames().size(), m.parameterCount(), ExportCommand.batchOf(m.inputShape()), ExportCommand.batchOf(m.outputShape()));
        System.out.println("wrote " + out + (task == null ? " (no --task: cnn summary, export and the library use it; "
                + "cnn evaluate and predict need --task)" : " for task " + task));
        return 0;
    }

    /** The metadata cnn evaluate and predict read, checked against the model's output. */
    private void label(Model m) {
        int[] outShape = m.outputShape();
        int outputs = outShape.length == 1 ? outShape[0] : -1;
        List<String> names = switch (task) {
            case "digits" -> List.of("2", "5");
            case "mnist" -> IntStream.range(0, 10).mapToObj(Integer::toString).toList();
            case "images" -> {
                if (classes == null || classes.size() < 2) {
                    throw new ParameterException(spec.commandLine(), "--task images needs --classes with two or more "
                            + "names, in the order of the model's outputs");
                }
                yield new ArrayList<>(classes);
            }
            default -> throw new ParameterException(spec.commandLine(), "--task must be digits, mnist or images, got "
                    + task);
        };
        if (m.inputShape().length != 3 || !(outputs == names.size() || outputs == 1 && names.size() == 2)) {
            throw new ParameterException(spec.commandLine(), "--task " + task + " needs a model from (h, w, c) images "
                    + "to " + names.size() + " class scores (or one for two classes), but this one maps "
                    + ExportCommand.batchOf(m.inputShape()) + " to " + ExportCommand.batchOf(outShape));
        }
        m.metadata().put("task", task);
        m.metadata().put("classNames", names);
        m.metadata().put("inputScale", inputScale);
    }
}

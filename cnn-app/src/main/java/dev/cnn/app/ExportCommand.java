package dev.cnn.app;

import dev.cnn.core.Tensor;
import dev.cnn.nn.Model;
import dev.cnn.nn.onnx.OnnxExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code cnn export MODEL OUT.onnx}: the network as an ONNX file for other runtimes. */
@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a saved model's network as ONNX (opset 13) for ONNX Runtime and other engines; "
                + "input and output are NHWC float32, exactly what cnn predict feeds the network.")
final class ExportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MODEL", description = "A model file written by cnn train.")
    Path modelFile;

    @Parameters(index = "1", paramLabel = "OUT", description = "The ONNX file to write (name ending in .onnx).")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!out.getFileName().toString().endsWith(".onnx")) {
            throw new ParameterException(spec.commandLine(), "OUT must end in .onnx, got " + out);
        }
        Model model = Model.load(modelFile);
        OnnxExport.write(model, out);
        System.out.printf("wrote %s (%d bytes, ONNX opset %d): input 'input' %s, output 'output' %s, float32%n", out,
                Files.size(out), OnnxExport.OPSET, batchOf(model.inputShape()), batchOf(model.outputShape()));
        if (model.metadata().containsKey("featureScaler")) {
            System.out.println("the network takes the standardised features named in the model's metadata ('features', "
                    + "'featureScaler') and returns the standardised target ('targetScaler'), as cnn predict does");
        } else if (model.metadata().get("inputScale") instanceof Number scale) {
            System.out.printf("the network takes pixels multiplied by %.8g (bytes 0-255 to [0, 1])%n", scale.doubleValue());
        }
        return 0;
    }

    /** {@code (batch, h, w, c)} for a sample shape {@code (h, w, c)}. */
    static String batchOf(int[] sample) {
        return Tensor.shapeText(sample).replaceFirst("\\(", "(batch, ").replace(",)", ")");
    }
}

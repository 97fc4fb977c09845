package dev.cnn.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Npy;
import dev.cnn.core.Tensor;
import dev.cnn.nn.onnx.OnnxImport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * torchvision's ResNet-18, MobileNetV2 and SqueezeNet 1.1 as torch 1.13 exports them (opsets 11 and 13, with
 * and without constant folding; {@code bench/torchvision_onnx.py} makes the files): imported, they give
 * PyTorch's outputs within 1e-4 of the largest output magnitude, and exported again by cnn they give them in
 * ONNX Runtime too. Runs with {@code -Dcnn.torchvision=DIR}.
 */
@EnabledIfSystemProperty(named = "cnn.torchvision", matches = ".+")
class TorchvisionImportTest {
    @Test
    void theThreeNetworksAnswerAsPyTorchAtBothOpsets() throws Exception {
        Path dir = Path.of(System.getProperty("cnn.torchvision"));
        int checked = 0;
        for (String net : List.of("resnet18", "mobilenet_v2", "squeezenet1_1")) {
            Tensor nchw = Npy.read(dir.resolve(net + "-input.npy"));
            float[] expected = Npy.read(dir.resolve(net + "-output.npy")).data();
            Tensor x = nchw.permute(0, 2, 3, 1);
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(p -> p.getFileName().toString().matches(net + "-opset\\d+-fold\\d\\.onnx")).sorted().toList();
            }
            assertEquals(4, files.size(), net + ": " + files);
            for (Path f : files) {
                long start = System.nanoTime();
                Model m = OnnxImport.read(f);
                double seconds = (System.nanoTime() - start) / 1e9;
                assertArrayEquals(new int[] {224, 224, 3}, m.inputShape(), f.toString());
                float[] got = m.predict(x).data();
                double worst = 0;
                double scale = 0;
                for (int i = 0; i < got.length; i++) {
                    worst = Math.max(worst, Math.abs(got[i] - expected[i]));
                    scale = Math.max(scale, Math.abs(expected[i]));
                }
                System.out.printf("%s: imported in %.2f s, %d layers; largest difference %.3g at output scale %.3g "
                        + "(%.2g of it)%n", f.getFileName(), seconds, m.layerNames().size(), worst, scale, worst / scale);
                assertTrue(worst <= 1e-4 * scale, f + ": difference " + worst + " at output scale " + scale);
                if (f.getFileName().toString().contains("opset13-fold0")) {
                    // and exported again, ONNX Runtime gives the source's outputs from cnn's NHWC file
                    float[] ort = OnnxExportTest.run(dev.cnn.nn.onnx.OnnxExport.toBytes(m), x);
                    double again = 0;
                    for (int i = 0; i < ort.length; i++) {
                        again = Math.max(again, Math.abs(ort[i] - expected[i]));
                    }
                    System.out.printf("%s exported again: ONNX Runtime within %.3g of PyTorch (%.2g of the scale)%n",
                            net, again, again / scale);
                    assertTrue(again <= 1e-4 * scale, net + " round trip: difference " + again);
                }
                checked++;
            }
        }
        assertEquals(12, checked);
    }
}

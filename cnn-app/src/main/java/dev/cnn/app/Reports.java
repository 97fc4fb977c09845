package dev.cnn.app;

import dev.cnn.core.AtomicFile;
import dev.cnn.data.ImageSet;
import dev.cnn.nn.History;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The files a training run leaves beside the model: metrics.json and PNG plots, each written atomically
 * through {@link AtomicFile} (unique temporary names, so two runs in one directory never mix files).
 */
final class Reports {
    private Reports() {
    }

    static void writeJson(Path file, Object value) throws IOException {
        String json = Json.PRETTY.toJson(value);
        AtomicFile.write(file, (json + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Train and validation loss per epoch. */
    static void lossCurve(Path file, History h, String title) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title(title).xAxisTitle("epoch").yAxisTitle("loss").build();
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        List<Double> epochs = new ArrayList<>();
        for (int i = 1; i <= h.epochs(); i++) {
            epochs.add((double) i);
        }
        if (epochs.isEmpty()) {
            epochs.add(0.0);
        }
        chart.addSeries("train", epochs, h.epochs() == 0 ? List.of(0.0) : h.trainLoss()).setMarker(SeriesMarkers.CIRCLE);
        List<Double> val = h.validationLoss();
        if (!val.isEmpty() && val.stream().noneMatch(v -> v.isNaN())) {
            chart.addSeries("validation", epochs, val).setMarker(SeriesMarkers.DIAMOND);
        }
        save(chart, file);
    }

    /** Predicted against actual values, with the y = x line. */
    static void scatter(Path file, float[] predicted, float[] actual, String title) throws IOException {
        XYChart chart = new XYChartBuilder().width(700).height(700).title(title).xAxisTitle("actual ($)")
                .yAxisTitle("predicted ($)").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(3);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        double[] a = new double[actual.length];
        double[] p = new double[predicted.length];
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (int i = 0; i < a.length; i++) {
            a[i] = actual[i];
            p[i] = predicted[i];
            lo = Math.min(lo, Math.min(a[i], p[i]));
            hi = Math.max(hi, Math.max(a[i], p[i]));
        }
        chart.addSeries("houses", a, p);
        XYSeries line = chart.addSeries("predicted = actual", new double[] {lo, hi}, new double[] {lo, hi});
        line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        line.setMarker(SeriesMarkers.NONE);
        save(chart, file);
    }

    /** A grid of misclassified test images, each captioned (lines split at '\n') with its predicted and true label. */
    static void misclassifiedGrid(Path file, ImageSet images, int[] testIndices, List<Integer> wrong,
                                  List<String> captions) throws IOException {
        int scale = 3;
        int cell = 28 * scale;
        int captionH = 30;
        int cols = Math.max(1, Math.min(10, wrong.size()));
        int rows = Math.max(1, (wrong.size() + cols - 1) / cols);
        int shown = Math.min(wrong.size(), 100);
        rows = Math.min(rows, 10);
        BufferedImage out = new BufferedImage(cols * (cell + 4) + 4, rows * (cell + captionH + 4) + 24,
                BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString(wrong.isEmpty() ? "no misclassified test images" : wrong.size() + " misclassified test images"
                + (wrong.size() > shown ? " (first " + shown + " shown)" : ""), 4, 16);
        for (int n = 0; n < shown; n++) {
            byte[] px = images.image(testIndices[wrong.get(n)]);
            int x0 = 4 + (n % cols) * (cell + 4);
            int y0 = 24 + (n / cols) * (cell + captionH + 4);
            for (int y = 0; y < images.height(); y++) {
                for (int x = 0; x < images.width(); x++) {
                    int v = 255 - (px[y * images.width() + x] & 0xff);
                    g.setColor(new Color(v, v, v));
                    g.fillRect(x0 + x * scale, y0 + y * scale, scale, scale);
                }
            }
            g.setColor(Color.RED.darker());
            String[] lines = captions.get(n).split("\n");
            for (int l = 0; l < lines.length; l++) {
                g.drawString(lines[l], x0, y0 + cell + 12 + 13 * l);
            }
        }
        g.dispose();
        AtomicFile.write(file, os -> ImageIO.write(out, "png", os));
    }

    private static void save(XYChart chart, Path file) throws IOException {
        AtomicFile.write(file, os -> BitmapEncoder.saveBitmap(chart, os, BitmapEncoder.BitmapFormat.PNG));
    }

    static Map<String, Object> historyMap(History h) {
        Map<String, Object> m = new LinkedHashMap<>(); // fixed key order: the same run, the same file
        m.put("trainLoss", h.trainLoss());
        m.put("validationLoss", h.validationLoss());
        m.put("validationMetric", h.validationMetric());
        return m;
    }
}

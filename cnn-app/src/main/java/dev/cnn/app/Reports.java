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
        chart.getStyler().setYAxisDecimalPattern("#,##0.0####"); // not XChart's ".049004995031945" for one epoch
        chart.getStyler().setXAxisDecimalPattern("0");
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

    /**
     * Predicted against actual values, with the y = x line; {@code quantity} names the axes ("price ($)",
     * "size") and {@code samples} the points ("houses", "rows").
     */
    static void scatter(Path file, float[] predicted, float[] actual, String title, String quantity, String samples)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(700).height(700).title(title).xAxisTitle("actual " + quantity)
                .yAxisTitle("predicted " + quantity).build();
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
        chart.addSeries(samples, a, p);
        XYSeries line = chart.addSeries("predicted = actual", new double[] {lo, hi}, new double[] {lo, hi});
        line.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        line.setMarker(SeriesMarkers.NONE);
        save(chart, file);
    }

    /** Images are drawn at least this many pixels on their longer side (8x8 images become 56x56)... */
    static final int MIN_CELL = 56;
    /** ...and at most this many (larger ones are scaled down). */
    static final int MAX_CELL = 160;

    /**
     * A grid of misclassified images, each captioned (lines split at '\n') with its predicted and true label:
     * grayscale or in colour as the images are, scaled so that the longer side is {@link #MIN_CELL} to
     * {@link #MAX_CELL} pixels, with columns as wide as their longest caption.
     */
    static void misclassifiedGrid(Path file, ImageSet images, int[] testIndices, List<Integer> wrong,
                                  List<String> captions) throws IOException {
        BufferedImage out = misclassifiedGrid(images, testIndices, wrong, captions);
        AtomicFile.write(file, os -> ImageIO.write(out, "png", os));
    }

    static BufferedImage misclassifiedGrid(ImageSet images, int[] testIndices, List<Integer> wrong, List<String> captions) {
        int h = images.height();
        int w = images.width();
        int longer = Math.max(h, w);
        double scale = longer < MIN_CELL ? Math.ceil((double) MIN_CELL / longer) : Math.min(1.0, (double) MAX_CELL / longer);
        int dw = (int) Math.round(w * scale);
        int dh = (int) Math.round(h * scale);
        int shown = Math.min(wrong.size(), 100);
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 13);
        java.awt.FontMetrics fm = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics().getFontMetrics(font);
        java.awt.FontMetrics tm = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics()
                .getFontMetrics(titleFont);
        int captionLines = 1;
        int cellW = dw;
        for (int n = 0; n < shown; n++) {
            String[] lines = captions.get(n).split("\n");
            captionLines = Math.max(captionLines, lines.length);
            for (String l : lines) {
                cellW = Math.max(cellW, fm.stringWidth(l));
            }
        }
        int gap = 8;
        int lineH = fm.getHeight();
        int cellH = dh + 4 + captionLines * lineH;
        String title = wrong.isEmpty() ? "no misclassified images: every one was predicted right"
                : wrong.size() + " misclassified image" + (wrong.size() == 1 ? "" : "s")
                        + (wrong.size() > shown ? " (the first " + shown + " shown)" : "");
        int cols = Math.max(1, Math.min(10, shown));
        int rows = (shown + cols - 1) / cols;
        int titleH = tm.getHeight() + 8;
        int width = Math.max(gap + cols * (cellW + gap), tm.stringWidth(title) + 2 * gap);
        int height = titleH + rows * (cellH + gap) + gap;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, scale >= 1
                ? RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(titleFont);
        g.drawString(title, gap, tm.getAscent() + 4);
        g.setFont(font);
        for (int n = 0; n < shown; n++) {
            int x0 = gap + (n % cols) * (cellW + gap);
            int y0 = titleH + (n / cols) * (cellH + gap);
            g.drawImage(picture(images, testIndices[wrong.get(n)]), x0, y0, dw, dh, null);
            g.setColor(Color.LIGHT_GRAY);
            g.drawRect(x0 - 1, y0 - 1, dw + 1, dh + 1);
            g.setColor(Color.RED.darker());
            String[] lines = captions.get(n).split("\n");
            for (int l = 0; l < lines.length; l++) {
                g.drawString(lines[l], x0, y0 + dh + 4 + fm.getAscent() + lineH * l);
            }
        }
        g.dispose();
        return out;
    }

    /** Image {@code i} as it is: gray for one channel, colour for three. */
    private static BufferedImage picture(ImageSet images, int i) {
        int h = images.height();
        int w = images.width();
        int c = images.channels();
        byte[] px = images.image(i);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * c;
                int r = px[o] & 0xff;
                int gr = c == 3 ? px[o + 1] & 0xff : r;
                int b = c == 3 ? px[o + 2] & 0xff : r;
                img.setRGB(x, y, (r << 16) | (gr << 8) | b);
            }
        }
        return img;
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

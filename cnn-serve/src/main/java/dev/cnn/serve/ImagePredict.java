package dev.cnn.serve;

import dev.cnn.core.Tensor;
import dev.cnn.data.DataException;
import dev.cnn.data.ImageFolder;
import dev.cnn.nn.Model;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code /predict} route's view of an image model: an image file (PNG, JPEG) as the model's input, the
 * way {@code cnn predict} reads it (resized when the model was trained with {@code --resize}, pixel bytes times
 * its {@code inputScale}), and the class, its probability and every class's probability as JSON.
 */
final class ImagePredict {
    private final int height;
    private final int width;
    private final int channels;
    private final double scale;
    private final List<String> classes;
    private final boolean resize;

    private ImagePredict(int h, int w, int c, double scale, List<String> classes, boolean resize) {
        this.height = h;
        this.width = w;
        this.channels = c;
        this.scale = scale;
        this.classes = classes;
        this.resize = resize;
    }

    /** How {@code m} reads images, or null when it is not an image classifier with class names and a pixel scale. */
    static ImagePredict of(Model m) {
        int[] in = m.inputShape();
        int[] out = m.outputShape();
        Map<String, Object> meta = m.metadata();
        if (in.length != 3 || out.length != 1 || !(meta.get("inputScale") instanceof Number scale)
                || !(meta.get("classNames") instanceof List<?> names)
                || !(names.size() == out[0] || out[0] == 1 && names.size() == 2)) {
            return null;
        }
        List<String> classes = new ArrayList<>();
        for (Object o : names) {
            classes.add(String.valueOf(o));
        }
        int h = in[0];
        int w = in[1];
        boolean resize = false;
        if (meta.get("resize") instanceof List<?> r && r.size() == 2 && r.get(0) instanceof Number rh
                && r.get(1) instanceof Number rw) {
            resize = rh.intValue() == h && rw.intValue() == w;
        }
        return new ImagePredict(h, w, in[2], scale.doubleValue(), classes, resize);
    }

    List<String> classes() {
        return classes;
    }

    /** The image {@code bytes} as one row of the model's input. */
    Tensor input(byte[] bytes) {
        BufferedImage img;
        try {
            img = ImageFolder.decode(bytes, "the request body");
        } catch (DataException e) {
            throw new HttpError(400, e.getMessage() + "; this route takes a PNG or JPEG image");
        }
        if (!resize && (img.getHeight() != height || img.getWidth() != width)) {
            throw new HttpError(400, "the image is " + img.getWidth() + "x" + img.getHeight() + " pixels but the model "
                    + "takes " + width + "x" + height);
        }
        byte[] px = new byte[height * width * channels];
        ImageFolder.toBytes(img, channels, height, width, px, 0);
        float[] x = new float[px.length];
        for (int i = 0; i < px.length; i++) {
            x[i] = (float) ((px[i] & 0xff) * scale);
        }
        return Tensor.wrap(x, 1, height, width, channels);
    }

    /** {@code {"model_name", "class", "probability", "probabilities": {class: p, ...}}} for one output row. */
    String answer(String model, Tensor y) {
        float[] o = y.data();
        double[] p = ClassScores.probabilities(o, 0, o.length, classes.size());
        int best = ClassScores.best(o, 0, o.length);
        StringBuilder sb = new StringBuilder("{\"model_name\":").append(InferenceJson.quote(model))
                .append(",\"class\":").append(InferenceJson.quote(classes.get(best)))
                .append(",\"probability\":").append(p[best]).append(",\"probabilities\":{");
        for (int i = 0; i < p.length; i++) {
            sb.append(i == 0 ? "" : ",").append(InferenceJson.quote(classes.get(i))).append(':').append(p[i]);
        }
        return sb.append("}}").toString();
    }
}

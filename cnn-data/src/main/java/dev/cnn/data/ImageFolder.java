package dev.cnn.data;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Images in class folders, {@code root/<class>/*.png|jpg|jpeg} (the course layout {@code MNIST/2/img_N.jpg}),
 * decoded with DJL's {@link ImageFactory}. Class names are the folder names in sorted order (label =
 * position). Every image must have the size of the first; any that differs, or does not decode, is an
 * error naming the file.
 */
public final class ImageFolder {
    /** Images with more pixels than this are refused from their header, before they are decoded. */
    public static final long MAX_PIXELS = 1L << 25;

    private ImageFolder() {
    }

    /**
     * Loads every image under {@code root}, grayscale (1 channel) when the first image (in sorted order) is
     * grayscale, else RGB (3 channels). All images must have the first one's size.
     */
    public static ImageSet load(Path root) throws IOException {
        return load(root, channelsOf(root));
    }

    /**
     * Loads every image under {@code root}, each resized to {@code height x width} ({@link #resize}), grayscale
     * when the first image (in sorted order) is grayscale, else RGB: a folder of images of mixed sizes.
     */
    public static ImageSet loadResized(Path root, int height, int width) throws IOException {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("resize to " + height + "x" + width + ": both must be positive");
        }
        return load(root, channelsOf(root), height, width);
    }

    /** 1 when the first image under {@code root} (in sorted order) is grayscale, else 3. */
    private static int channelsOf(Path root) throws IOException {
        requireDjl();
        if (!Files.isDirectory(root)) {
            throw new DataException(root + ": not a directory of class folders");
        }
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.filter(Files::isDirectory).sorted().toList()) {
                try (Stream<Path> s = Files.list(d)) {
                    java.util.Optional<Path> first = s.filter(ImageFolder::isImage).sorted().findFirst();
                    if (first.isPresent()) {
                        BufferedImage img = decode(first.get());
                        return img.getColorModel().getNumColorComponents() == 1 ? 1 : 3;
                    }
                }
            }
        }
        return 1; // loading says what is missing
    }

    /** Loads every image under {@code root} as {@code channels} = 1 (grayscale) or 3 (RGB). */
    public static ImageSet load(Path root, int channels) throws IOException {
        return load(root, channels, 0, 0);
    }

    /**
     * Loads every image under {@code root} as {@code channels} = 1 (grayscale) or 3 (RGB), each resized to
     * {@code height x width} pixels ({@link #resize}); with 0 and 0 all images must have the first one's size.
     */
    public static ImageSet load(Path root, int channels, int height, int width) throws IOException {
        if ((height == 0) != (width == 0) || height < 0 || width < 0 || (long) height * width > MAX_PIXELS) {
            throw new IllegalArgumentException("resize to " + height + "x" + width + ": both positive (at most "
                    + (MAX_PIXELS >> 20) + " megapixels), or both 0 to keep the images' size");
        }
        requireDjl();
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grayscale) or 3 (RGB), got " + channels);
        }
        if (!Files.isDirectory(root)) {
            throw new DataException(root + ": not a directory of class folders");
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).sorted().toList();
        }
        if (classDirs.isEmpty()) {
            throw new DataException(root + ": no class folders (expected root/<class>/<image files>)");
        }
        List<String> names = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Path d : classDirs) {
            names.add(d.getFileName().toString());
            int before = files.size();
            try (Stream<Path> s = Files.list(d)) {
                for (Path f : s.filter(ImageFolder::isImage).sorted().toList()) {
                    files.add(f);
                    labels.add(names.size() - 1);
                }
            }
            if (files.size() == before) {
                // a class with no images would train as a class never seen, scored with precision and recall NaN
                throw new DataException(d + ": class folder '" + d.getFileName() + "' has no .png, .jpg or .jpeg files; "
                        + "add images or remove the folder");
            }
        }
        int h = -1;
        int w = -1;
        byte[] pixels = null;
        for (int i = 0; i < files.size(); i++) {
            Path f = files.get(i);
            BufferedImage img = decode(f);
            if (i == 0) {
                h = height > 0 ? height : img.getHeight();
                w = width > 0 ? width : img.getWidth();
                pixels = new byte[Math.multiplyExact(files.size(), h * w * channels)];
            } else if (height == 0 && (img.getHeight() != h || img.getWidth() != w)) {
                throw new DataException(f + ": image is " + img.getWidth() + "x" + img.getHeight() + " but " + files.get(0)
                        + " is " + w + "x" + h + "; all images must have the same size (or resize them all: --resize HxW)");
            }
            toBytes(img, channels, h, w, pixels, i * h * w * channels);
        }
        return new ImageSet(pixels, labels.stream().mapToInt(Integer::intValue).toArray(), h, w, channels, names);
    }

    static boolean isImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg"));
    }

    /**
     * Fails with a message saying what to add when DJL's api is not there: excluded from the class path,
     * or on the module path but not resolved (cnn-data only {@code requires static ai.djl.api}).
     */
    private static void requireDjl() throws DataException {
        try {
            Class.forName("ai.djl.modality.cv.ImageFactory", false, ImageFolder.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new DataException("decoding images needs DJL's api (Maven ai.djl:api, module ai.djl.api), which is "
                    + "not " + (ImageFolder.class.getModule().isNamed() ? "resolved: add 'requires ai.djl.api;' to your "
                    + "module-info.java or start the JVM with --add-modules ai.djl.api" : "on the class path: add the "
                    + "ai.djl:api dependency (do not exclude it from cnn-data)"), e);
        }
    }

    /**
     * The {@code {width, height}} of the image {@code f}, read from its header without decoding the pixels;
     * null when no reader recognises the format (decoding will then say why).
     */
    public static int[] dimensions(Path f) throws DataException {
        // through a stream of the Path, not f.toFile(): a name whose bytes are not valid in the locale's encoding
        // (listed from a folder) opens as a Path but not as a File
        try (java.io.InputStream raw = java.nio.file.Files.newInputStream(f)) {
            return dimensions(raw, f.toString());
        } catch (IOException e) {
            throw new DataException(f + ": cannot read the image header (" + e.getMessage() + ")", e);
        }
    }

    private static int[] dimensions(java.io.InputStream raw, String source) throws DataException {
        try (ImageInputStream in = ImageIO.createImageInputStream(raw)) {
            if (in == null) {
                throw new DataException(source + ": cannot open image");
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                return new int[] {r.getWidth(0), r.getHeight(0)};
            } finally {
                r.dispose();
            }
        } catch (DataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DataException(source + ": cannot read the image header (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Decodes one image file with DJL's image factory; an undecodable file, or one of more than
     * {@link #MAX_PIXELS} pixels (judged from its header, before decoding), is a {@link DataException}.
     */
    public static BufferedImage decode(Path f) throws DataException {
        requireDjl();
        checkSize(dimensions(f), f.toString());
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(f)) { // a Path, as in dimensions()
            return decodeStream(in, f.toString());
        } catch (DataException e) {
            throw e;
        } catch (IOException e) {
            throw new DataException(f + ": cannot decode image (" + e.getMessage() + ")", e);
        }
    }

    /**
     * {@link #decode(Path)} for an image held in memory (a PNG or JPEG received over a network, say);
     * {@code source} names it in errors.
     */
    public static BufferedImage decode(byte[] image, String source) throws DataException {
        requireDjl();
        checkSize(dimensions(new java.io.ByteArrayInputStream(image), source), source);
        return decodeStream(new java.io.ByteArrayInputStream(image), source);
    }

    private static void checkSize(int[] size, String source) throws DataException {
        if (size != null && (long) size[0] * size[1] > MAX_PIXELS) {
            throw new DataException(source + ": image is " + size[0] + "x" + size[1] + ", more than the "
                    + (MAX_PIXELS >> 20) + " megapixels cnn decodes");
        }
    }

    private static BufferedImage decodeStream(java.io.InputStream in, String source) throws DataException {
        try {
            Image img = ImageFactory.getInstance().fromInputStream(in);
            Object wrapped = img.getWrappedImage();
            if (wrapped instanceof BufferedImage bi) {
                return bi;
            }
            throw new DataException(source + ": decoded to an unexpected image type " + wrapped.getClass().getName());
        } catch (DataException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new DataException(source + ": cannot decode image (" + e.getMessage() + ")", e);
        }
    }

    /**
     * {@link #toBytes(BufferedImage, int, byte[], int)} at {@code height x width}: the image's bytes as they are
     * when it has that size, else {@link #resize resized} to it.
     */
    public static void toBytes(BufferedImage img, int channels, int height, int width, byte[] out, int off) {
        if (img.getHeight() == height && img.getWidth() == width) {
            toBytes(img, channels, out, off);
            return;
        }
        byte[] own = new byte[img.getHeight() * img.getWidth() * channels];
        toBytes(img, channels, own, 0);
        System.arraycopy(resize(own, img.getHeight(), img.getWidth(), channels, height, width), 0, out, off,
                height * width * channels);
    }

    /**
     * {@code pixels} ({@code height x width x channels}, row-major bytes) resampled to {@code newHeight x newWidth}:
     * bilinear between the four nearest source pixels, with pixel centres aligned (a pixel's centre at
     * {@code (x + 0.5) * width / newWidth - 0.5} of the source); when shrinking by more than 2x, each output pixel is
     * the mean of the source pixels it covers instead, so that no detail is aliased away. Deterministic and
     * in integer bytes, as the model sees them at training and at prediction.
     */
    public static byte[] resize(byte[] pixels, int height, int width, int channels, int newHeight, int newWidth) {
        byte[] out = new byte[newHeight * newWidth * channels];
        double sy = (double) height / newHeight;
        double sx = (double) width / newWidth;
        boolean area = sy > 2 || sx > 2;
        for (int y = 0; y < newHeight; y++) {
            for (int x = 0; x < newWidth; x++) {
                for (int c = 0; c < channels; c++) {
                    double v;
                    if (area) {
                        int y0 = (int) Math.floor(y * sy);
                        int y1 = Math.max(y0 + 1, (int) Math.floor((y + 1) * sy));
                        int x0 = (int) Math.floor(x * sx);
                        int x1 = Math.max(x0 + 1, (int) Math.floor((x + 1) * sx));
                        double sum = 0;
                        for (int yy = y0; yy < Math.min(y1, height); yy++) {
                            for (int xx = x0; xx < Math.min(x1, width); xx++) {
                                sum += pixels[(yy * width + xx) * channels + c] & 0xff;
                            }
                        }
                        v = sum / ((Math.min(y1, height) - y0) * (Math.min(x1, width) - x0));
                    } else {
                        double fy = Math.max(0, Math.min(height - 1, (y + 0.5) * sy - 0.5));
                        double fx = Math.max(0, Math.min(width - 1, (x + 0.5) * sx - 0.5));
                        int y0 = (int) fy;
                        int x0 = (int) fx;
                        int y1 = Math.min(height - 1, y0 + 1);
                        int x1 = Math.min(width - 1, x0 + 1);
                        double dy = fy - y0;
                        double dx = fx - x0;
                        double top = (pixels[(y0 * width + x0) * channels + c] & 0xff) * (1 - dx)
                                + (pixels[(y0 * width + x1) * channels + c] & 0xff) * dx;
                        double bottom = (pixels[(y1 * width + x0) * channels + c] & 0xff) * (1 - dx)
                                + (pixels[(y1 * width + x1) * channels + c] & 0xff) * dx;
                        v = top * (1 - dy) + bottom * dy;
                    }
                    out[(y * newWidth + x) * channels + c] = (byte) Math.round(v);
                }
            }
        }
        return out;
    }

    /**
     * The gray value (0 to 255) {@link #toBytes} gives a colour pixel for one channel: the ITU-R 601 weights,
     * {@code round(0.299·red + 0.587·green + 0.114·blue)}, each component 0 to 255.
     */
    public static int gray(int red, int green, int blue) {
        return (int) Math.round(0.299 * red + 0.587 * green + 0.114 * blue);
    }

    /**
     * Writes {@code img} as {@code h x w x channels} bytes at {@code off}. Grayscale images are read from
     * their raster as stored (not through {@code getRGB}, which would apply a gamma curve); colour images
     * are converted to gray with the ITU-R 601 weights 0.299, 0.587, 0.114 when one channel is asked for.
     */
    public static void toBytes(BufferedImage img, int channels, byte[] out, int off) {
        int h = img.getHeight();
        int w = img.getWidth();
        Raster r = img.getRaster();
        boolean gray = r.getNumBands() == 1 && img.getColorModel().getNumComponents() == 1;
        int o = off;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (gray) {
                    int v = r.getSample(x, y, 0) & 0xff;
                    for (int c = 0; c < channels; c++) {
                        out[o++] = (byte) v;
                    }
                } else {
                    int rgb = img.getRGB(x, y);
                    int red = (rgb >> 16) & 0xff;
                    int green = (rgb >> 8) & 0xff;
                    int blue = rgb & 0xff;
                    if (channels == 1) {
                        out[o++] = (byte) gray(red, green, blue);
                    } else {
                        out[o++] = (byte) red;
                        out[o++] = (byte) green;
                        out[o++] = (byte) blue;
                    }
                }
            }
        }
    }
}

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
                        return load(root, img.getColorModel().getNumColorComponents() == 1 ? 1 : 3);
                    }
                }
            }
        }
        return load(root, 1); // says what is missing
    }

    /** Loads every image under {@code root} as {@code channels} = 1 (grayscale) or 3 (RGB). */
    public static ImageSet load(Path root, int channels) throws IOException {
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
                h = img.getHeight();
                w = img.getWidth();
                pixels = new byte[Math.multiplyExact(files.size(), h * w * channels)];
            } else if (img.getHeight() != h || img.getWidth() != w) {
                throw new DataException(f + ": image is " + img.getWidth() + "x" + img.getHeight() + " but " + files.get(0)
                        + " is " + w + "x" + h + "; all images must have the same size");
            }
            toBytes(img, channels, pixels, i * h * w * channels);
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
        try (ImageInputStream in = ImageIO.createImageInputStream(f.toFile())) {
            if (in == null) {
                throw new DataException(f + ": cannot open image");
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
        } catch (IOException | RuntimeException e) {
            throw new DataException(f + ": cannot read the image header (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Decodes one image file with DJL's image factory; an undecodable file, or one of more than
     * {@link #MAX_PIXELS} pixels (judged from its header, before decoding), is a {@link DataException}.
     */
    public static BufferedImage decode(Path f) throws DataException {
        requireDjl();
        int[] size = dimensions(f);
        if (size != null && (long) size[0] * size[1] > MAX_PIXELS) {
            throw new DataException(f + ": image is " + size[0] + "x" + size[1] + ", more than the " + (MAX_PIXELS >> 20)
                    + " megapixels cnn decodes");
        }
        try {
            Image img = ImageFactory.getInstance().fromFile(f);
            Object wrapped = img.getWrappedImage();
            if (wrapped instanceof BufferedImage bi) {
                return bi;
            }
            throw new DataException(f + ": decoded to an unexpected image type " + wrapped.getClass().getName());
        } catch (IOException | RuntimeException e) {
            throw new DataException(f + ": cannot decode image (" + e.getMessage() + ")", e);
        }
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

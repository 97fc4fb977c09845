package dev.cnn.data;

import static dev.cnn.data.MnistTest.assertError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.core.Dataset;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
    @TempDir
    Path root;

    private void gray(String cls, String name, int w, int h, int value) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, (value + x + y) & 0xff);
            }
        }
        Files.createDirectories(root.resolve(cls));
        ImageIO.write(img, name.endsWith(".png") ? "png" : "jpg", root.resolve(cls).resolve(name).toFile());
    }

    @Test
    void grayscalePngsKeepTheirExactValuesAndClassesAreSortedFolderNames() throws IOException {
        gray("5", "a.png", 4, 3, 100);
        gray("2", "b.png", 4, 3, 10);
        gray("2", "c.png", 4, 3, 20);
        Files.writeString(root.resolve("2").resolve("notes.txt"), "ignored");
        ImageSet s = ImageFolder.load(root, 1);
        assertEquals(List.of("2", "5"), s.classNames());
        assertArrayEquals(new int[] {0, 0, 1}, s.labels());
        assertEquals(3, s.height());
        assertEquals(4, s.width());
        byte[] first = s.image(0);
        assertEquals(10, first[0] & 0xff, "raw gray value, no gamma curve");
        assertEquals(10 + 3 + 2, first[2 * 4 + 3] & 0xff);
        Dataset d = s.binary(0, 1);
        float[] x = new float[3 * 12];
        float[] y = new float[3];
        d.fill(new int[] {0, 1, 2}, 0, 3, x, y);
        assertArrayEquals(new float[] {0, 0, 1}, y);
        assertEquals(100 / 255f, x[24], 1e-7);
    }

    @Test
    void resizeIsBilinearUpAndAnAreaMeanWhenShrinkingMoreThanTwice() {
        // 2x2 gray 0, 100 / 200, 300 (as bytes: 300 & 0xff would wrap, so 0, 100, 200, 250)
        byte[] px = {0, 100, (byte) 200, (byte) 250};
        byte[] up = ImageFolder.resize(px, 2, 2, 1, 4, 4);
        // pixel centres: output x=1 maps to source 0.25 between columns 0 and 1; the corners stay the corners
        assertEquals(0, up[0] & 0xff);
        assertEquals(25, up[1] & 0xff);
        assertEquals(250, up[15] & 0xff);
        byte[] rgb = {10, 20, 30, 10, 20, 30, 10, 20, 30, 10, 20, 30};
        assertArrayEquals(new byte[] {10, 20, 30}, ImageFolder.resize(rgb, 2, 2, 3, 1, 1), "bilinear at 2x");
        byte[] big = new byte[8 * 8];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i % 8 < 4 ? 0 : 200);
        }
        assertArrayEquals(new byte[] {0, (byte) 200}, ImageFolder.resize(big, 8, 8, 1, 1, 2), "the mean of each half");
    }

    @Test
    void aFileWhoseNameIsNotValidUtf8IsStillRead() throws Exception {
        gray("a", "x.png", 4, 3, 10);
        gray("b", "z.png", 4, 3, 90);
        // a byte 0xff in the name, as a file copied from an old Latin-1 system has: Java cannot name it, a shell can
        Process cp = new ProcessBuilder("sh", "-c", "cp \"$0/a/x.png\" \"$0/a/y$(printf '\\377').png\"",
                root.toString()).start();
        assertEquals(0, cp.waitFor());
        ImageSet s = ImageFolder.load(root, 1);
        assertEquals(3, s.count(), "listed from the folder, opened through its Path");
        assertArrayEquals(s.image(0), s.image(1));
    }

    @Test
    void foldersOfMixedSizesAreRefusedOrResized() throws IOException {
        gray("a", "x.png", 4, 3, 10);
        gray("a", "y.png", 8, 6, 10);
        gray("b", "z.png", 4, 3, 90);
        DataException e = assertThrows(DataException.class, () -> ImageFolder.load(root, 1));
        assertTrue(e.getMessage().contains("all images must have the same size (or resize them all: --resize HxW)"),
                e.getMessage());
        ImageSet s = ImageFolder.loadResized(root, 3, 4);
        assertEquals(3, s.count());
        assertEquals(3, s.height());
        assertEquals(4, s.width());
        assertEquals(1, s.channels());
    }

    @Test
    void rgbImagesConvertToGrayOrKeepThreeChannels() throws IOException {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0xFF0000);
        img.setRGB(1, 0, 0x00FF00);
        Files.createDirectories(root.resolve("c"));
        ImageIO.write(img, "png", root.resolve("c/x.png").toFile());
        assertArrayEquals(new byte[] {(byte) 76, (byte) 150}, ImageFolder.load(root, 1).image(0));
        assertArrayEquals(new byte[] {(byte) 255, 0, 0, 0, (byte) 255, 0}, ImageFolder.load(root, 3).image(0));
    }

    @Test
    void jpegsDecode() throws IOException {
        gray("7", "x.jpg", 8, 8, 128);
        ImageSet s = ImageFolder.load(root, 1);
        int v = s.image(0)[0] & 0xff;
        assertTrue(Math.abs(v - 128) <= 4, "JPEG value near 128: " + v);
    }

    @Test
    void aHugeImageIsRefusedFromItsHeaderBeforeDecoding() throws IOException {
        // a PNG that declares 20000x20000 pixels in 57 bytes: decoding it would need 1.6 GB
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(17).put("IHDR".getBytes())
                .putInt(20000).putInt(20000).put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        png.writeBytes(ByteBuffer.allocate(4).putInt(13).array());
        png.writeBytes(ihdr.array());
        png.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        Path f = Files.write(root.resolve("huge.png"), png.toByteArray());
        assertArrayEquals(new int[] {20000, 20000}, ImageFolder.dimensions(f));
        assertError(f + ": image is 20000x20000, more than the 32 megapixels cnn decodes", () -> ImageFolder.decode(f));
    }

    @Test
    void badFoldersGetErrorsNamingTheFile() throws IOException {
        gray("2", "a.png", 4, 3, 1);
        gray("5", "big.png", 5, 3, 1);
        assertError("big.png: image is 5x3 but", () -> ImageFolder.load(root, 1));
        Files.delete(root.resolve("5/big.png"));
        Files.writeString(root.resolve("5/broken.jpg"), "this is not a jpeg");
        assertError("broken.jpg: cannot decode image", () -> ImageFolder.load(root, 1));
        assertError("not a directory", () -> ImageFolder.load(root.resolve("nope"), 1));
    }
}

package dev.cnn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cnn.data.ImageSet;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a person sees in misclassified.png: images large enough, in their colours, captions whole. */
class ReportsTest {
    /** Two 8x8 RGB images: a pure red one and a pure blue one. */
    private static ImageSet redAndBlue() {
        byte[] px = new byte[2 * 8 * 8 * 3];
        for (int p = 0; p < 64; p++) {
            px[p * 3] = (byte) 255;                 // image 0: red
            px[192 + p * 3 + 2] = (byte) 255;       // image 1: blue
        }
        return new ImageSet(px, new int[] {0, 1}, 8, 8, 3, List.of("red", "blue"));
    }

    @Test
    void smallColourImagesAreUpscaledInColourWithWholeCaptions() {
        String caption = "pred a rather long class name (0.93)\ntrue red";
        BufferedImage g = Reports.misclassifiedGrid(redAndBlue(), new int[] {0, 1}, List.of(0, 1), List.of(caption, caption));
        int red = 0;
        int blue = 0;
        for (int y = 0; y < g.getHeight(); y++) {
            for (int x = 0; x < g.getWidth(); x++) {
                int rgb = g.getRGB(x, y) & 0xffffff;
                red += rgb == 0xff0000 ? 1 : 0;
                blue += rgb == 0x0000ff ? 1 : 0;
            }
        }
        // 8x8 drawn at 7x: 56 x 56 = 3136 pixels of each colour (not 8x8, not grey)
        assertEquals(3136, red);
        assertEquals(3136, blue);
        assertTrue(g.getWidth() > 2 * 200, "two columns as wide as the caption: " + g.getWidth());
    }

    @Test
    void noErrorsIsASentenceThatFits() {
        BufferedImage g = Reports.misclassifiedGrid(redAndBlue(), new int[] {0, 1}, List.of(), List.of());
        assertTrue(g.getWidth() >= 300 && g.getHeight() < 60, g.getWidth() + "x" + g.getHeight());
    }
}

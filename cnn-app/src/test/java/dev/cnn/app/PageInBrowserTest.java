package dev.cnn.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cnn.core.NumpyRandom;
import dev.cnn.core.PoolMode;
import dev.cnn.nn.Model;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.Init;
import dev.cnn.nn.layers.Padding;
import dev.cnn.nn.layers.Pool2D;
import dev.cnn.serve.ModelServer;
import dev.cnn.serve.ServeOptions;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * cnn serve's page in a real browser (headless Chromium through chromedriver, Debian's {@code chromium} and
 * {@code chromium-driver}): an image chosen in the page's file input is classified as {@code cnn predict}
 * classifies it. With {@code -Dcnn.browser.model=MODEL.cnn -Dcnn.browser.image=IMAGE} (as {@code .ci/run} gives
 * the trained digits model and a course JPEG) it checks those; without, a small model and image of its own.
 * Skipped when chromedriver is not installed.
 */
class PageInBrowserTest {
    static final Path DRIVER = Path.of(System.getProperty("cnn.chromedriver", "/usr/bin/chromedriver"));
    static final Path BROWSER = Path.of(System.getProperty("cnn.chromium", "/usr/bin/chromium"));

    @TempDir
    Path dir;

    @Test
    void anImageChosenInThePageIsClassifiedAsCnnPredictClassifiesIt() throws Exception {
        assumeTrue(Files.isExecutable(DRIVER) && Files.isExecutable(BROWSER), "no " + DRIVER + " or " + BROWSER);
        String givenModel = System.getProperty("cnn.browser.model", "");
        String givenImage = System.getProperty("cnn.browser.image", "");
        Path modelFile;
        Path image;
        if (!givenModel.isEmpty() && !givenImage.isEmpty()) {
            modelFile = Path.of(givenModel);
            image = Path.of(givenImage);
        } else {
            modelFile = ownModel();
            image = dir.resolve("stroke.png");
            BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            for (int i = 4; i < 24; i++) {
                img.getRaster().setSample(i, 28 - i, 0, 230);
            }
            ImageIO.write(img, "png", image.toFile());
        }
        CliTest.Run predicted = CliTest.cnn("predict", modelFile.toString(), image.toString(), "--json");
        assertEquals(0, predicted.code(), predicted.err());
        Matcher m = Pattern.compile("\"class\":\"([^\"]*)\"").matcher(predicted.out());
        assertTrue(m.find(), predicted.out());
        String expected = m.group(1);

        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        try (ModelServer server = ModelServer.start(Map.of("digits", Model.load(modelFile)),
                ServeOptions.defaults().withPort(0))) {
            WebDriver browser = new ChromeDriver(service, options);
            try {
                browser.get(server.uri().toString());
                assertEquals("cnn serve", browser.getTitle());
                assertTrue(browser.findElement(By.id("model")).getText().startsWith("digits (28x28x1)"),
                        browser.findElement(By.id("model")).getText());
                browser.findElement(By.id("file")).sendKeys(image.toAbsolutePath().toString());
                String shown = "";
                for (int i = 0; i < 200 && shown.isEmpty(); i++) {
                    Thread.sleep(50);
                    shown = String.valueOf(browser.findElement(By.id("result")).getAttribute("data-cls"));
                    shown = shown.equals("null") ? "" : shown;
                }
                assertEquals(expected, shown, "the page's class for " + image + "; error shown: "
                        + browser.findElement(By.id("error")).getText());
                assertEquals(2, browser.findElements(By.cssSelector("#bars .bar")).size());
                System.out.println("browser: the page classifies " + image.getFileName() + " as " + shown
                        + ", as cnn predict does (" + browser.findElement(By.id("result")).getText() + ")");
            } finally {
                browser.quit();
            }
        }
    }

    private Path ownModel() throws Exception {
        NumpyRandom rng = new NumpyRandom(5);
        Model m = Model.builder(28, 28, 1)
                .add("conv", new Conv2D(1, 2, 5, 1, Padding.SAME, Init.HE, rng)).add("relu", Activation.relu())
                .add("pool", new Pool2D(4, 4, PoolMode.MAX)).add("fc", new FullyConnected(98, 1, Init.XAVIER, rng))
                .add("sigmoid", Activation.sigmoid()).build();
        m.metadata().put("task", "digits");
        m.metadata().put("classNames", List.of("2", "5"));
        m.metadata().put("inputScale", 1 / 255.0);
        Path p = dir.resolve("digits.cnn");
        m.save(p);
        return p;
    }
}

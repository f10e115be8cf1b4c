package dev.aigw.samples.embedded;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The page in a real headless Chromium, as a person would use it: pick a user and a model, run, watch the output
 * stream in, see the calls appear in the table — then the same run again, answered from the gateway's cache.
 *
 * <p>Needs Debian's {@code chromium} and {@code chromium-driver}; the driver is never downloaded. Without them the test
 * is skipped with a message saying how to install them, except on CI ({@code CI=true}), where it fails instead:
 * {@code .ci/run} installs them, so a skip there would hide a broken setup.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PageInBrowserTest {
    /** Debian's paths; {@code -Dsamples.chromium=...} and {@code -Dsamples.chromedriver=...} for another install. */
    static final Path CHROMIUM = Path.of(System.getProperty("samples.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("samples.chromedriver", "/usr/bin/chromedriver"));
    static final String INSTALL = "apt-get install chromium chromium-driver";
    static final String EXPLAINER_END = "the gateway answers from its cache.";

    private DemoTelemetry telemetry;
    private RunningDemo demo;
    private WebDriver browser;
    private Path profile;

    @BeforeAll
    void start() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI must run the browser test, but " + CHROMIUM + " or " + CHROMEDRIVER
                    + " is missing: .ci/run should have run " + INSTALL);
        }
        if (!present) {
            String why = "Browser test skipped: no " + (Files.isExecutable(CHROMIUM) ? CHROMEDRIVER : CHROMIUM)
                    + ". Install Debian's Chromium and its driver to run it: " + INSTALL;
            // Surefire keeps test output in files and shows no skip reasons: say it on the build's own console.
            PrintStream console = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
            console.println("[WARNING] " + why);
            assumeTrue(false, why);
        }
        telemetry = DemoTelemetry.start(Map.<String, String>of()::get); // as ./demo: each call has a trace id
        demo = new RunningDemo();
        profile = Files.createTempDirectory("samples-chromium");
        browser = chromium(profile);
    }

    /** Debian's Chromium through its own chromedriver; Selenium Manager is never asked (it would go online). */
    static WebDriver chromium(Path profile) {
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + profile, "--window-size=1360,980", "--force-device-scale-factor=1");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    @AfterAll
    void stop() throws Exception {
        try {
            if (browser != null) {
                browser.quit();
            }
            if (demo != null) {
                demo.close();
            }
            if (telemetry != null) {
                telemetry.close();
                io.opentelemetry.api.GlobalOpenTelemetry.resetForTest();
            }
        } finally {
            if (profile != null) {
                try (Stream<Path> files = Files.walk(profile)) {
                    files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
                }
            }
        }
    }

    @Test
    void aRunStreamsItsOutputAndEveryCallShowsUpInTheTable() throws Exception {
        try {
            runAndWatch();
        } catch (Exception | AssertionError e) {
            Files.copy(((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath(),
                    Path.of("target", "samples-page-failed.png"), StandardCopyOption.REPLACE_EXISTING);
            throw e;
        }
    }

    private void runAndWatch() throws Exception {
        browser.get(demo.app.uri() + "/");
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(20), Duration.ofMillis(25));
        wait.until(b -> text("mode").startsWith("embedded"));
        new Select(browser.findElement(By.id("user"))).selectByVisibleText("bob");
        new Select(browser.findElement(By.id("model"))).selectByVisibleText(DemoServices.EXPLAINER);
        WebElement prompt = browser.findElement(By.id("prompt"));
        prompt.clear();
        prompt.sendKeys("Where do my words go?");
        browser.findElement(By.id("run")).click();

        // The output arrives a few words at a time: seen part-way, then whole.
        String partial = wait.until(b -> {
            String t = text("output");
            return !t.isEmpty() && t.startsWith("Your prompt") && !t.endsWith(EXPLAINER_END) ? t : null;
        });
        wait.until(b -> text("output").endsWith(EXPLAINER_END));
        assertThat(text("output")).startsWith(partial).hasSizeGreaterThan(partial.length());
        wait.until(b -> text("facts").contains("succeeded"));
        assertThat(text("facts")).contains("/replicate/models/" + DemoServices.EXPLAINER + "/predictions → 201",
                demo.app.uri() + "/replicate/predictions/", "predict_time");

        // The table: the page's create through the proxy, the app's own lookup, the verified webhook.
        List<String> rows = wait.until(b -> {
            List<String> r = rows();
            return r.stream().anyMatch(s -> s.contains("webhook")) ? r : null;
        });
        assertThat(rows).anySatisfy(r -> assertThat(r).contains("bob", "page → proxy",
                "POST /models/" + DemoServices.EXPLAINER + "/predictions", "201 starting", "MISS")
                .containsPattern("…[0-9a-f]{12}") // the gateway log id (a UUIDv7), shortened to its random end
                .containsPattern("[0-9a-f]{8}…")); // the call's trace id, shortened as trace viewers do
        assertThat(rows).anySatisfy(r -> assertThat(r).contains("bob", "app (JAX-RS)", "GET /predictions/"));
        assertThat(rows).anySatisfy(r -> assertThat(r).contains("bob", "webhook", "succeeded", "predict"));
        assertThat(Integer.parseInt(text("stat-calls"))).isGreaterThanOrEqualTo(2);

        // The same run again: the gateway answers from its cache, and the table says so.
        browser.findElement(By.id("run")).click();
        wait.until(b -> rows().stream().anyMatch(r -> r.contains("POST /models/") && r.contains("HIT")));
        wait.until(b -> text("output").endsWith(EXPLAINER_END) && text("facts").contains("succeeded"));
        assertThat(text("stat-hits")).startsWith("1");

        // Other people use the app meanwhile (their own browsers, here plain HTTP): the page shows who did what.
        CompletableFuture.allOf(Stream.of("alice", "carol").map(user -> CompletableFuture.runAsync(() -> {
            try {
                demo.post("/replicate/models/" + DemoServices.HAIKU + "/predictions", user,
                        "{\"input\":{\"prompt\":\"a haiku for " + user + "\"}}");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        })).toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        wait.until(b -> text("users-chart").contains("alice") && text("users-chart").contains("carol"));
        assertThat(text("stat-users")).isEqualTo("3");
        assertThat(rows()).anySatisfy(r -> assertThat(r).contains("carol", "POST /models/" + DemoServices.HAIKU));
        screenshot();
    }

    private String text(String id) {
        return browser.findElement(By.id(id)).getText().strip();
    }

    private List<String> rows() {
        return browser.findElements(By.cssSelector("#calls tbody tr")).stream().map(WebElement::getText).toList();
    }

    /** target/samples-page.png; also to {@code -Dsamples.screenshot=<file>} (how docs/samples-page.png is made). */
    private void screenshot() throws Exception {
        browser.manage().window().setSize(new Dimension(1360, 1240)); // tall enough for the table
        Thread.sleep(300); // let the fresh-row highlight fade and the layout settle
        Path shot = ((ChromeDriver) browser).getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, Path.of("target", "samples-page.png"), StandardCopyOption.REPLACE_EXISTING);
        String wanted = System.getProperty("samples.screenshot");
        if (wanted != null) {
            Files.copy(shot, Path.of(wanted), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}

package io.turnpike.admin;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.testing.Json;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.SystemTools;
import io.turnpike.testing.TestBackend;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's chromium, headless, driven by chromedriver): enter the
 * token, watch generated traffic appear, open the service's breaker with the button and see
 * requests get 503, close it again. Saves a screenshot of each page (to docs/img with
 * {@code -Dturnpike.screenshots=docs/img}, else under target/). Skipped, saying so, on a machine
 * without chromium (no Maven artifact ships it); CI installs it and fails instead (SystemTools).
 */
@ExtendWith(NoLeaks.class)
class DashboardBrowserTest {
    private static final Optional<Path> CHROMIUM = SystemTools.find("chromium", "/usr/bin");
    private static final Optional<Path> CHROMEDRIVER = SystemTools.find("chromedriver", "/usr/bin");
    private static final String KEY = "acme-key-for-the-dashboard-test";

    @Test
    void anOperatorSeesTrafficAndStopsItWithTheBreakerButton(@TempDir Path dir) throws Exception {
        SystemTools.assumeInstalled(CHROMIUM.isPresent() && CHROMEDRIVER.isPresent(),
                "install chromium and chromium-driver (Debian) to run the dashboard's browser test");
        Path shots = Path.of(System.getProperty("turnpike.screenshots", "target/screenshots"));
        Files.createDirectories(shots);
        String extra = """
                  - { id: orders, match: { path: "/orders/**" }, rewrite: { stripPrefix: /orders }, service: svc, auth: [apiKey] }
                  - { id: slow, match: { path: "/slow" }, rewrite: { path: /slow/120 }, service: svc }
                  - { id: legacy, match: { path: "/legacy" }, rewrite: { path: /status/502 }, service: svc }
                plans:
                  pro: { quota: 1000/day, price: { perUnit: "0.01", currency: USD } }
                  free: { quota: 100/day }
                consumers:
                  - { id: acme-mobile, plan: pro, credentials: [ { apiKey: "KEY" } ] }
                  - { id: globex, plan: free, credentials: [ { apiKey: "KEY-2" } ] }
                alerts:
                  channels: { log: { log: warn } }
                  rules:
                    - { name: svc-breaker-open, when: "circuitOpen(service=*)" }
                    - { name: hello-errors, when: "errorRate(route=hello) > 5%", for: 1m }
                    - { name: slow-p99, when: "p99(route=slow) > 100ms" }
                """.replace("KEY", KEY);
        try (TestBackend backend = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.config(dir, backend.url(), extra))) {
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.orElseThrow().toFile()).usingAnyFreePort().build();
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.orElseThrow().toFile());
            options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--window-size=1400,900");
            WebDriver browser = new ChromeDriver(service, options);
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
                String base = "http://127.0.0.1:" + f.admin.port() + "/";
                browser.get(base);
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token-input"))).sendKeys(AdminFixture.TOKEN);
                browser.findElement(By.id("token-submit")).click();
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("page-overview")));

                // traffic the test generates shows up on the overview
                for (int i = 0; i < 30; i++) assertThat(f.traffic("/hello").statusCode()).isEqualTo(200);
                for (int i = 0; i < 12; i++) keyed(f, i % 3 == 0 ? KEY + "-2" : KEY);
                for (int i = 0; i < 4; i++) f.traffic("/slow");
                for (int i = 0; i < 3; i++) f.traffic("/legacy");
                wait.until(d -> calls(d) >= 49);
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("top-routes"), "hello"));
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("top-consumers"), "acme-mobile"));
                shot(browser, shots, "overview");

                // open the breaker with the button: requests get 503; close it: they flow again
                browser.get(base + "#services");
                WebElement reason = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("input[data-reason='svc']")));
                reason.sendKeys("deploying svc");
                browser.findElement(By.cssSelector("button[data-action='open'][data-service='svc']")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-breaker='svc']"),
                        "traffic stopped"));
                assertThat(f.traffic("/hello").statusCode()).isEqualTo(503);
                assertThat(browser.findElement(By.cssSelector("[data-breaker='svc']")).getText())
                        .isEqualTo("forced-open (traffic stopped)");
                shot(browser, shots, "services");

                browser.get(base + "#alerts");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("alerts-firing"), "svc-breaker-open"));
                shot(browser, shots, "alerts");

                browser.get(base + "#services");
                wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button[data-action='closed'][data-service='svc']"))).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-breaker='svc']"),
                        "traffic flows"));
                assertThat(f.traffic("/hello").statusCode()).isEqualTo(200);
                assertThat(f.admin("GET", "/admin/services/svc/circuit", null).body()).contains("deploying svc");

                browser.get(base + "#routes");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("routes"), "orders"));
                shot(browser, shots, "routes");
                browser.get(base + "#consumers");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("consumers"), "globex"));
                // metered usage: the plan, units used against the quota, and the bill so far
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("consumers"), "USD"));
                assertThat(browser.findElement(By.id("consumers")).getText()).contains("pro").contains("free");
                shot(browser, shots, "consumers");
                browser.get(base + "#config");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("config"), "services"));
                assertThat(browser.findElement(By.id("config")).getText()).doesNotContain(KEY).doesNotContain(AdminFixture.TOKEN);
                shot(browser, shots, "config");

                // the token is kept for the tab: a reload does not ask again
                browser.navigate().refresh();
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("page-config")));
                assertThat(browser.findElement(By.id("login")).isDisplayed()).isFalse();
            } finally {
                browser.quit();
            }
        }
    }

    /**
     * Without a token: the dashboard, from its own origin, still reads and writes; a page of another
     * site (a form-like POST) and a page reached through a name rebound to 127.0.0.1 get nothing.
     */
    @Test
    void withoutATokenTheDashboardWorksAndOtherSitesPagesAreShutOut(@TempDir Path dir) throws Exception {
        SystemTools.assumeInstalled(CHROMIUM.isPresent() && CHROMEDRIVER.isPresent(),
                "install chromium and chromium-driver (Debian) to run the dashboard's browser test");
        String extra = """
                alerts:
                  channels: { log: { log: warn } }
                  rules: [ { name: svc-breaker-open, when: "circuitOpen(service=*)" } ]
                """;
        try (TestBackend backend = new TestBackend("b");
             AdminFixture f = AdminFixture.start(dir, AdminFixture.tokenless(AdminFixture.config(dir, backend.url(), extra)))) {
            int port = f.admin.port();
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.orElseThrow().toFile()).usingAnyFreePort().build();
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.orElseThrow().toFile());
            // evil.example is an attacker's name that its DNS points at 127.0.0.1 (DNS rebinding)
            options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--host-resolver-rules=MAP evil.example 127.0.0.1");
            WebDriver browser = new ChromeDriver(service, options);
            try {
                WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(15));
                String base = "http://localhost:" + port + "/";
                browser.get(base);
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token-input"))).sendKeys("none");
                browser.findElement(By.id("token-submit")).click();
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("page-overview")));
                browser.get(base + "#services");
                wait.until(ExpectedConditions.elementToBeClickable(
                        By.cssSelector("button[data-action='open'][data-service='svc']"))).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-breaker='svc']"),
                        "traffic stopped"));
                assertThat(f.traffic("/hello").statusCode()).isEqualTo(503);
                browser.findElement(By.cssSelector("button[data-action='closed'][data-service='svc']")).click();
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("[data-breaker='svc']"),
                        "traffic flows"));
                assertThat(f.traffic("/hello").statusCode()).isEqualTo(200);
                browser.get(base + "#config");
                wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("config"), "services"));

                // the rebound name: even the page's same-origin calls are refused
                browser.get("http://evil.example:" + port + "/");
                Object rebound = ((JavascriptExecutor) browser).executeAsyncScript(
                        "const done = arguments[arguments.length - 1];"
                                + "fetch('/admin/config').then(r => r.text().then(t => done(r.status + ' ' + t)), e => done('' + e));");
                assertThat(String.valueOf(rebound)).startsWith("403").doesNotContain("services");
                // another site's page posting what a form can send: no silence is set
                Object posted = ((JavascriptExecutor) browser).executeAsyncScript(
                        "const done = arguments[arguments.length - 1];"
                                + "fetch('http://127.0.0.1:" + port + "/admin/alerts/svc-breaker-open/silence',"
                                + " {method: 'POST', mode: 'no-cors', body: JSON.stringify({for: '7d'})})"
                                + ".then(() => done('sent'), e => done('' + e));");
                assertThat(String.valueOf(posted)).isEqualTo("sent");
                assertThat(Json.parse(f.admin("GET", "/admin/alerts", null, null).body()).get("silences").isEmpty()).isTrue();
            } finally {
                browser.quit();
            }
        }
    }

    private static long calls(WebDriver d) {
        String t = d.findElement(By.id("stat-calls")).getText().replace(",", "");
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void keyed(AdminFixture f, String key) throws Exception {
        HttpResponse<String> r = AdminFixture.HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + f.gateway.port() + "/orders/echo")).header("X-API-Key", key).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
    }

    private static void shot(WebDriver browser, Path dir, String page) throws Exception {
        Thread.sleep(300); // let the charts draw
        byte[] png = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
        Files.write(dir.resolve("dashboard-" + page + ".png"), png);
    }
}

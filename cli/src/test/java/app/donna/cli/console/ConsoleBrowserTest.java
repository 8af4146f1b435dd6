package app.donna.cli.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import app.donna.cli.dev.DevOptions;
import app.donna.cli.dev.DevStack;
import app.donna.localinfra.LocalPorts;
import app.donna.localinfra.StandInOpenAi;
import app.donna.localinfra.StandInRealtime;
import app.donna.testing.InfraExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (Debian's headless Chromium, driven by Selenium through its
 * chromedriver) against the whole system as {@code donna dev} runs it, with stand-ins for OpenAI that speak
 * its wire protocols: a visitor chats and sees the reply stream in; the workspace's owner signs in at the
 * dev issuer (authorization code with PKCE), takes that chat over and writes to the visitor, who sees it;
 * the visitor calls by voice, the browser's microphone playing a synthetic tone that the stand-in model
 * hears as a request to take a message, and the message shows on the owner's live secretary dashboard; the
 * owner connects the demo mailbox, drafts a reply and approves it, and sees it sent, then turns the
 * autopilot on and sees its decision on a new mail. A screenshot of each
 * page is written to {@code target/console-screenshots} (with {@code -Ddonna.screenshots=<folder>},
 * there: the README's come from {@code ../docs/screenshots}).
 */
@ExtendWith(InfraExtension.class)
class ConsoleBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Duration WAIT = Duration.ofSeconds(60);
    static final String HEARD = "Please take a message: Alex would like a call back on 555 0100.";

    @Test
    void aVisitorAndAnOwnerUseEveryPartOfTheConsole(InfraExtension.KafkaBootstrap kafka, @TempDir Path home)
            throws Exception {
        assumeTrue(
                Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Debian's chromium and chromium-driver are not installed (.ci/run installs them)");
        Path tone = home.resolve("tone-440hz.wav");
        Files.write(tone, wav(440, 4.0));
        Path screenshots = Path.of(System.getProperty("donna.screenshots", "target/console-screenshots"));
        Files.createDirectories(screenshots);

        try (StandInOpenAi model = new StandInOpenAi()
                        .byDefault(StandInOpenAi.stallAfter("Yes, ", 400, "we are open ", "on Saturday from 9 to 5."));
                StandInRealtime voiceModel = new StandInRealtime("voice-key")
                        .answering("I have taken your message; someone will call you back today.")
                        .hearingTone(440, HEARD)
                        .whenHeard(
                                "take a message",
                                "take_message",
                                "{\"caller_name\":\"Alex\",\"callback_number\":\"555 0100\","
                                        + "\"message\":\"Please call back about a booking\"}")) {
            Map<String, Integer> ports = new LinkedHashMap<>();
            DevOptions.DEFAULT_PORTS.keySet().forEach(service -> ports.put(service, LocalPorts.free()));
            DevOptions options = new DevOptions(
                    home,
                    Optional.of(kafka.servers()),
                    0,
                    Optional.empty(),
                    0,
                    ports,
                    "",
                    Map.of(
                            "chat-processor",
                            List.of(
                                    "--donna.chat.llm.base-url=" + model.baseUrl(),
                                    "--donna.chat.llm.api-key=chat-key"),
                            "voice-relay",
                            List.of(
                                    "--donna.voice.base-url=" + voiceModel.baseUrl(),
                                    "--donna.voice.api-key=voice-key")));
            try (DevStack stack = DevStack.start(options);
                    Browser browser = new Browser(home.resolve("chromium"), tone)) {
                URI console = stack.services().get("ingress-api").resolve("/console/");
                WebDriver driver = browser.driver;

                // a visitor chats: the reply streams in, in pieces
                driver.get(console.toString());
                browser.ready();
                String visitorWindow = driver.getWindowHandle();
                assertThat(driver.findElement(By.id("who")).getText()).contains("visitor");
                browser.type(By.id("chat-input"), "Are you open on Saturday?");
                driver.findElement(By.id("chat-send")).click();
                WebElement reply = browser.until(ExpectedConditions.presenceOfElementLocated(
                        By.cssSelector("#chat-log li[data-from=assistant][data-final=true]")));
                assertThat(reply.getText()).contains("Yes, we are open on Saturday from 9 to 5.");
                assertThat(Integer.parseInt(reply.getAttribute("data-deltas")))
                        .as("pieces the reply streamed in before it was whole")
                        .isGreaterThanOrEqualTo(2);
                String session = (String) ((JavascriptExecutor) driver)
                        .executeScript("return JSON.parse(sessionStorage.getItem('donna.console.chat')).sessionId");
                browser.screenshot(screenshots.resolve("console-chat.png"));

                // the owner signs in at the dev issuer, finds the chat in the inbox and takes it over
                driver.switchTo().newWindow(WindowType.WINDOW);
                String ownerWindow = driver.getWindowHandle();
                driver.get(console.toString());
                browser.ready();
                driver.findElement(By.id("sign-in")).click();
                browser.until(ExpectedConditions.presenceOfElementLocated(By.id("subject")));
                assertThat(driver.getCurrentUrl()).contains("/dev/authorize").contains("code_challenge=");
                browser.type(By.id("subject"), "owner");
                driver.findElement(By.id("sign-in")).click();
                browser.ready();
                assertThat(driver.getCurrentUrl()).doesNotContain("code=");
                browser.until(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "Signed in as owner"));
                assertThat(driver.findElement(By.id("who")).getText()).contains("owner of");
                driver.findElement(By.cssSelector("#tabs [data-tab=inbox]")).click();
                WebElement open = browser.until(ExpectedConditions.elementToBeClickable(
                        By.cssSelector("#inbox-table tr[data-key='chat:" + session + "'] button[data-action=open]")));
                open.click();
                browser.until(ExpectedConditions.textToBePresentInElementLocated(
                        By.id("conversation-log"), "Are you open on Saturday?"));
                driver.findElement(By.id("take-over")).click();
                browser.until(ExpectedConditions.textToBePresentInElementLocated(
                        By.cssSelector("#inbox-table tr[data-key='chat:" + session + "']"), "with_staff"));
                browser.type(By.id("staff-input"), "Hello, this is Sam at the salon: I can help you myself.");
                driver.findElement(By.id("staff-send")).click();
                browser.until(ExpectedConditions.textToBePresentInElementLocated(
                        By.id("conversation-log"), "this is Sam at the salon"));
                browser.screenshot(screenshots.resolve("console-inbox.png"));

                driver.switchTo().window(visitorWindow);
                WebElement staff = browser.until(
                        ExpectedConditions.presenceOfElementLocated(By.cssSelector("#chat-log li[data-from=staff]")));
                assertThat(staff.getText()).contains("this is Sam at the salon");

                driver.switchTo().window(ownerWindow);
                driver.findElement(By.id("hand-back")).click();

                // the visitor calls: the microphone plays a 440 Hz tone, which the model hears as a request
                driver.switchTo().window(visitorWindow);
                driver.findElement(By.cssSelector("#tabs [data-tab=voice]")).click();
                driver.findElement(By.id("call-start")).click();
                browser.until(ExpectedConditions.textToBePresentInElementLocated(By.id("call-status"), "In a call"));
                Thread.sleep(1_500); // the caller speaks: a second and a half of the tone
                driver.findElement(By.id("call-done")).click();
                WebElement heard = browser.until(
                        ExpectedConditions.presenceOfElementLocated(By.cssSelector("#call-log li[data-from=caller]")));
                assertThat(heard.getText()).contains(HEARD);
                browser.until(ExpectedConditions.presenceOfElementLocated(
                        By.cssSelector("#call-log li[data-from=assistant][data-final=true]")));
                browser.screenshot(screenshots.resolve("console-voice.png"));
                driver.findElement(By.id("call-end")).click();

                // the message the model took shows on the owner's secretary dashboard, live
                driver.switchTo().window(ownerWindow);
                driver.findElement(By.cssSelector("#tabs [data-tab=dashboards]"))
                        .click();
                browser.until(ExpectedConditions.textToBePresentInElementLocated(By.id("live"), "live"));
                WebElement item = browser.until(ExpectedConditions.presenceOfElementLocated(
                        By.xpath("//table[@id='dashboard-secretary-items']//tr[contains(., 'Alex')]")));
                assertThat(item.getText()).contains("555 0100");
                browser.screenshot(screenshots.resolve("console-dashboards.png"));

                // the owner connects the demo mailbox, drafts a reply to a mail and approves it
                driver.findElement(By.cssSelector("#tabs [data-tab=mail]")).click();
                browser.click(By.id("mail-connect"));
                browser.until(ExpectedConditions.attributeToBe(By.id("mail-connection"), "data-status", "connected"));
                assertThat(driver.getCurrentUrl()).endsWith("/console/#mail");
                // the mail tab refreshes itself every few seconds: a button is clicked where it is found
                browser.click(By.xpath(
                        "//table[@id='mail-messages']//tr[contains(., 'balayage')]//button[@data-action='draft']"));
                browser.click(By.xpath(
                        "//table[@id='mail-drafts']//tr[contains(., 'balayage')]//button[@data-action='approve']"));
                browser.until(ExpectedConditions.presenceOfElementLocated(
                        By.xpath("//table[@id='mail-logs']//tr[contains(., 'sent') and contains(., 'balayage')]")));
                browser.until(ExpectedConditions.presenceOfElementLocated(By.xpath("//table[@id='mail-drafts']//tr["
                        + "contains(., 'balayage') and td[@data-field='sent']='true' and not(.//button)]")));

                // the owner turns the autopilot on; a new mail arrives and its decision shows
                new Select(driver.findElement(By.id("autopilot-mode"))).selectByValue("draft-only");
                stack.demoGoogle()
                        .orElseThrow()
                        .mailbox(stack.demoMailbox().orElseThrow())
                        .deliver(
                                "Priya Shah <priya@example.com>",
                                "Can I move my appointment?",
                                "Hi, could I move Thursday's appointment to Friday at the same time? Priya");
                HttpClient http = HttpClient.newHttpClient();
                URI syncNow = stack.services().get("ingress-api").resolve("/api/gmail/autopilot-run");
                browser.until(d -> {
                    try { // the settings reach email-processor on their own topic: sync until they have
                        http.send(
                                HttpRequest.newBuilder(syncNow)
                                        .header("X-Internal-Secret", stack.internalSecret())
                                        .build(),
                                HttpResponse.BodyHandlers.discarding());
                        Thread.sleep(2_000);
                    } catch (IOException e) {
                        return false;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return false;
                    }
                    // the mails that came before were skipped while it was off; this one is decided with it on
                    return !d.findElements(By.xpath("//table[@id='autopilot-decisions']//tr["
                                    + "contains(., 'Can I move my appointment?')"
                                    + " and not(contains(., 'autopilot is off'))]"))
                            .isEmpty();
                });
                assertThat(new Select(driver.findElement(By.id("autopilot-mode")))
                                .getFirstSelectedOption()
                                .getAttribute("value"))
                        .isEqualTo("draft-only");
                browser.screenshot(screenshots.resolve("console-mail.png"));

                assertThat(driver.findElement(By.id("error")).getText()).isEmpty();
            }
        }
    }

    /** Headless Chromium with a fake microphone that plays {@code audio}, and its chromedriver. */
    static final class Browser implements AutoCloseable {

        final WebDriver driver;
        final WebDriverWait wait;

        Browser(Path profile, Path audio) {
            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments(
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--window-size=1280,900",
                    "--user-data-dir=" + profile,
                    "--use-fake-ui-for-media-stream",
                    "--use-fake-device-for-media-stream",
                    "--use-file-for-fake-audio-capture=" + audio,
                    "--autoplay-policy=no-user-gesture-required");
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(CHROMEDRIVER.toFile())
                    .usingAnyFreePort()
                    .build();
            this.driver = new ChromeDriver(service, options);
            // a page that redraws (or navigates) while a condition looks at it is looked at again
            this.wait = new WebDriverWait(driver, WAIT);
            wait.ignoring(StaleElementReferenceException.class);
        }

        <T> T until(java.util.function.Function<? super WebDriver, T> condition) {
            return wait.until(condition);
        }

        /** Waits until the console has loaded what it shows first. */
        void ready() {
            until(d -> "true".equals(((JavascriptExecutor) d).executeScript("return document.body.dataset.ready")));
        }

        /** Clicks what {@code target} finds once it is there and enabled, even if the page redraws it meanwhile. */
        void click(By target) {
            until(d -> {
                try {
                    WebElement element = d.findElement(target);
                    if (!element.isDisplayed() || !element.isEnabled()) {
                        return false;
                    }
                    element.click();
                    return true;
                } catch (org.openqa.selenium.NoSuchElementException | StaleElementReferenceException redrawn) {
                    return false;
                }
            });
        }

        void type(By field, String text) {
            WebElement element = until(ExpectedConditions.elementToBeClickable(field));
            element.clear();
            element.sendKeys(text);
        }

        void screenshot(Path file) throws IOException {
            Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
        }

        @Override
        public void close() {
            driver.quit();
        }
    }

    /** A WAV file (PCM16, mono, 48 kHz) of a sine tone, as a fake microphone plays it. */
    static byte[] wav(int hertz, double seconds) {
        int rate = 48_000;
        int samples = (int) (rate * seconds);
        ByteBuffer data = ByteBuffer.allocate(samples * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < samples; i++) {
            data.putShort((short) Math.round(12_000 * Math.sin(2 * Math.PI * hertz * i / rate)));
        }
        ByteBuffer header = ByteBuffer.allocate(44).order(ByteOrder.LITTLE_ENDIAN);
        header.put("RIFF".getBytes()).putInt(36 + samples * 2).put("WAVE".getBytes());
        header.put("fmt ".getBytes()).putInt(16).putShort((short) 1).putShort((short) 1);
        header.putInt(rate).putInt(rate * 2).putShort((short) 2).putShort((short) 16);
        header.put("data".getBytes()).putInt(samples * 2);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header.array());
        out.writeBytes(data.array());
        return out.toByteArray();
    }
}

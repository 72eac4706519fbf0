package io.turnpike.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.turnpike.config.ConfigLoader;
import io.turnpike.config.GatewayConfig;
import io.turnpike.server.Gateway;
import io.turnpike.testing.NoLeaks;
import io.turnpike.testing.RawHttp;
import io.turnpike.testing.TestBackend;
import io.turnpike.testing.TestPki;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates replaced on disk while one gateway runs: by rewriting the files, by an atomic
 * rename, and by Kubernetes' symlink swap of {@code ..data}; new handshakes see the new serial
 * within 5 s, a connection opened before keeps working, a bad pair leaves the old one served, and
 * a config reload reads the files again.
 */
@ExtendWith(NoLeaks.class)
class CertificateReloadTest {
    static final String CONFIG = """
            server:
              listen: "127.0.0.1:0"
              eventLoops: 1
              tls:
                listen: "127.0.0.1:0"
                certificates:
                  - { cert: inplace/tls.crt, key: inplace/tls.key }
                  - { cert: mounted/tls.crt, key: mounted/tls.key }
                  - { cert: bad/tls.crt, key: bad/tls.key%s }
            admin: { listen: off }
            observe: { accessLog: { enabled: false } }
            services:
              svc: { nodes: [ "%s" ] }
            routes:
              - { id: all, match: { path: "/**" }, service: svc }
            """;
    private static final Duration WITHIN = Duration.ofSeconds(5);

    @TempDir
    static Path dir;
    static TestPki.Issued ca;
    static TestBackend backend;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        ca = TestPki.ca("Reload Root");
        backend = new TestBackend("b");
        write(TestPki.server(ca, "inplace.example", false, "inplace.example"), "inplace");
        // Kubernetes mounts a secret as tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>/
        Path mounted = Files.createDirectories(dir.resolve("mounted"));
        Path first = Files.createDirectories(mounted.resolve("..2026_12_04_first"));
        TestPki.server(ca, "swap.example", true, "swap.example").write(first.resolve("tls.crt"), first.resolve("tls.key"));
        Files.createSymbolicLink(mounted.resolve("..data"), first.getFileName());
        Files.createSymbolicLink(mounted.resolve("tls.crt"), Path.of("..data/tls.crt"));
        Files.createSymbolicLink(mounted.resolve("tls.key"), Path.of("..data/tls.key"));
        write(TestPki.server(ca, "bad.example", false, "bad.example"), "bad");
        gateway = Gateway.start(config(""));
    }

    static GatewayConfig config(String badHosts) throws Exception {
        Path file = dir.resolve("turnpike.yaml");
        Files.writeString(file, CONFIG.formatted(badHosts, backend.url()));
        ConfigLoader.Result r = ConfigLoader.load(file);
        assertThat(r.problems()).isEmpty();
        return r.config();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
        if (backend != null) backend.close();
    }

    private static void write(TestPki.Issued cert, String folder) throws Exception {
        Path d = Files.createDirectories(dir.resolve(folder));
        cert.write(d.resolve("tls.crt"), d.resolve("tls.key"));
    }

    static BigInteger served(String name) throws Exception {
        try (SSLSocket s = TestPki.connect(TestPki.clientContext(ca, null), gateway.tlsPort(), name)) {
            return TestPki.served(s).getSerialNumber();
        }
    }

    /** Waits up to {@code WITHIN} for {@code name} to be served {@code serial}; true when it was. */
    static boolean servedWithin(String name, BigInteger serial) throws Exception {
        long end = System.nanoTime() + WITHIN.toNanos();
        while (System.nanoTime() < end) {
            if (served(name).equals(serial)) return true;
            Thread.sleep(100);
        }
        return false;
    }

    @Test
    void rewrittenFilesAreServedToNewHandshakesWhileAnOpenConnectionKeepsWorking() throws Exception {
        TestPki.Issued before = TestPki.server(ca, "inplace.example", false, "inplace.example");
        write(before, "inplace");
        assertThat(servedWithin("inplace.example", before.serial())).isTrue();
        try (SSLSocket open = TestPki.connect(TestPki.clientContext(ca, null), gateway.tlsPort(), "inplace.example");
             RawHttp http = new RawHttp(open)) {
            TestPki.Issued next = TestPki.server(ca, "inplace.example", true, "inplace.example");
            write(next, "inplace"); // in place: the same inodes, new bytes
            assertThat(servedWithin("inplace.example", next.serial())).as("new serial within 5 s").isTrue();

            TestPki.Issued renamed = TestPki.server(ca, "inplace.example", false, "inplace.example");
            Path tmp = Files.createDirectories(dir.resolve("tmp"));
            renamed.write(tmp.resolve("tls.crt"), tmp.resolve("tls.key"));
            Files.move(tmp.resolve("tls.key"), dir.resolve("inplace/tls.key"), StandardCopyOption.ATOMIC_MOVE);
            Files.move(tmp.resolve("tls.crt"), dir.resolve("inplace/tls.crt"), StandardCopyOption.ATOMIC_MOVE);
            assertThat(servedWithin("inplace.example", renamed.serial())).as("after an atomic rename").isTrue();

            http.send("GET /echo HTTP/1.1\r\nHost: inplace.example\r\n\r\n");
            assertThat(http.read().status()).isEqualTo(200);
            assertThat(TestPki.served(open).getSerialNumber()).isEqualTo(before.serial());
        }
    }

    @Test
    void aSymlinkSwapOfTheMountedSecretIsSeen() throws Exception {
        Path mounted = dir.resolve("mounted");
        BigInteger old = served("swap.example");
        TestPki.Issued next = TestPki.server(ca, "swap.example", true, "swap.example");
        Path second = Files.createDirectories(mounted.resolve("..2026_12_04_second"));
        next.write(second.resolve("tls.crt"), second.resolve("tls.key"));
        // what the kubelet does: a new ..data link, renamed over the old one in one step
        Files.createSymbolicLink(mounted.resolve("..data_tmp"), second.getFileName());
        Files.move(mounted.resolve("..data_tmp"), mounted.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
        assertThat(next.serial()).isNotEqualTo(old);
        assertThat(servedWithin("swap.example", next.serial())).as("new serial within 5 s").isTrue();
    }

    /**
     * Two looks at the files after a write has finished, as the watcher's next two polls would make:
     * a pair that reads the same twice is loaded (or refused) by then, whichever thread looks.
     */
    private static void lookTwice() {
        gateway.certificates().poll();
        gateway.certificates().poll();
    }

    @Test
    void aBadPairIsRefusedAndTheOldOneStaysUntilAGoodOneComes() throws Exception {
        BigInteger old = served("bad.example");
        Path d = dir.resolve("bad");
        TestPki.Issued stranger = TestPki.server(ca, "bad.example", false, "bad.example");
        TestPki.Issued other = TestPki.server(ca, "other.example", false, "other.example");
        stranger.writeCert(d.resolve("tls.crt"));
        Files.writeString(d.resolve("tls.key"), TestPki.pkcs8(other.key())); // a key of another certificate
        lookTwice();
        assertThat(served("bad.example")).as("the key does not match: the old one stays").isEqualTo(old);

        TestPki.Issued expired = TestPki.server(ca, "bad.example", false, Duration.ofMinutes(-1), "bad.example");
        expired.write(d.resolve("tls.crt"), d.resolve("tls.key"));
        lookTwice();
        assertThat(served("bad.example")).as("expired: the old one stays").isEqualTo(old);

        TestPki.Issued good = TestPki.server(ca, "bad.example", true, "bad.example");
        good.write(d.resolve("tls.crt"), d.resolve("tls.key"));
        assertThat(servedWithin("bad.example", good.serial())).isTrue();
    }

    @Test
    void aConfigReloadReadsTheCertificatesAgain() throws Exception {
        assertThat(served("extra.example")).as("an unknown name gets the default").isNotEqualTo(served("bad.example"));
        gateway.apply(config(", hosts: [bad.example, extra.example]"));
        assertThat(served("extra.example")).isEqualTo(served("bad.example"));
    }
}

package io.turnpike.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import io.turnpike.config.TlsSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS listener's certificates and the SNI choice among them: the exact server name, then a
 * one-label wildcard, else the default certificate. One immutable {@link State} behind a volatile
 * reference, so a handshake reads it without a lock. The files are polled; a pair whose bytes
 * changed (an in-place write, an atomic rename, a symlink swap: all change what reading the path
 * gives) and stayed the same for one more poll is loaded, checked and published for new
 * handshakes. A bad pair is logged and the previous one kept. Connections keep the context they
 * began with.
 */
public final class EdgeCertificates implements Mapping<String, SslContext>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EdgeCertificates.class);
    public static final long POLL_MILLIS = 1000;

    /** A certificate as served now, and the digest of the two files it was read from. */
    private record Entry(TlsSettings.Certificate source, byte[] digest, CertificatePair pair, SslContext context) {}

    /** @param caDigest the digest of the clientCa file as read; null without one */
    private record State(TlsSettings settings, ClientTrust trust, byte[] caDigest, List<Entry> entries,
                         Mapping<String, SslContext> byName) {}

    /** What {@code GET /admin/certificates} and the expiry gauge show of one certificate. */
    public record Served(int index, String label, String subject, List<String> names, Instant notAfter,
                         String sha256, String serial, boolean isDefault) {}

    private final Clock clock;
    private volatile State state;
    private byte[][] pending = new byte[0][];
    private byte[][] refused = new byte[0][];
    private boolean[] unreadable = new boolean[0];
    private byte[] caPending;
    private byte[] caRefused;
    private ScheduledExecutorService watcher;

    private EdgeCertificates(Clock clock, State initial) {
        this.clock = clock;
        this.state = initial;
        resetWatch(initial.entries.size());
    }

    /** Reads every certificate of {@code settings}; fails (saying which and why) if one cannot be served. */
    public static EdgeCertificates load(TlsSettings settings, Clock clock) throws CertificatePair.Invalid {
        return new EdgeCertificates(clock, read(settings, clock.instant()));
    }

    private static State read(TlsSettings settings, Instant now) throws CertificatePair.Invalid {
        ClientTrust trust = null;
        byte[] caDigest = null;
        if (settings.clientAuth() != TlsSettings.ClientAuth.NONE) {
            try {
                byte[] ca = Files.readAllBytes(settings.clientCa());
                trust = ClientTrust.of(settings.clientAuth(), ca);
                caDigest = digest(new byte[][] {ca});
            } catch (IOException e) {
                throw new CertificatePair.Invalid("server.tls.clientCa: cannot read " + settings.clientCa() + ": " + e);
            } catch (CertificatePair.Invalid e) {
                throw new CertificatePair.Invalid("server.tls.clientCa (" + settings.clientCa() + "): " + e.getMessage());
            }
        }
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < settings.certificates().size(); i++) {
            TlsSettings.Certificate c = settings.certificates().get(i);
            try {
                byte[][] files = readFiles(c);
                entries.add(entry(c, files, settings, trust, now));
            } catch (IOException e) {
                throw new CertificatePair.Invalid("server.tls.certificates[" + i + "]: cannot read " + e.getMessage());
            } catch (CertificatePair.Invalid e) {
                throw new CertificatePair.Invalid("server.tls.certificates[" + i + "] (" + c.cert() + "): " + e.getMessage());
            }
        }
        return state(settings, trust, caDigest, entries);
    }

    private static byte[][] readFiles(TlsSettings.Certificate c) throws IOException {
        return new byte[][] {Files.readAllBytes(c.cert()), Files.readAllBytes(c.key())};
    }

    private static Entry entry(TlsSettings.Certificate c, byte[][] files, TlsSettings settings, ClientTrust trust,
                               Instant now) throws CertificatePair.Invalid {
        CertificatePair pair = CertificatePair.read(files[0], files[1], c.hosts(), now);
        return new Entry(c, digest(files), pair, ServerContexts.build(pair, settings, trust));
    }

    /** The first certificate naming a server name wins it. */
    private static State state(TlsSettings settings, ClientTrust trust, byte[] caDigest, List<Entry> entries) {
        Map<String, SslContext> names = new LinkedHashMap<>();
        for (Entry e : entries) {
            for (String n : e.pair.names()) names.putIfAbsent(n, e.context);
        }
        DomainWildcardMappingBuilder<SslContext> b =
                new DomainWildcardMappingBuilder<>(entries.get(settings.defaultCertificate()).context);
        names.forEach(b::add);
        return new State(settings, trust, caDigest, List.copyOf(entries), b.build());
    }

    /** The TLS engine handshakes run on: {@code openssl} (BoringSSL) or {@code jdk}. */
    public static String engine() {
        return ServerContexts.provider().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The context for a ClientHello's server name (null when the client sent none). */
    @Override
    public SslContext map(String serverName) {
        return state.byName.map(serverName);
    }

    /** The verified client certificate of a finished handshake, or null (none, or not signed by clientCa). */
    io.turnpike.core.ClientCertificate clientCertificate(java.security.cert.X509Certificate[] chain) {
        ClientTrust t = state.trust;
        return t == null ? null : t.verified(chain);
    }

    /** The settings the served certificates were read with. */
    public TlsSettings settings() {
        return state.settings;
    }

    /** Whether handshakes ask for a client certificate. */
    boolean asksForClientCertificates() {
        return state.trust != null;
    }

    /** Polls the files every second on a thread of its own (reading files never happens on an event loop). */
    public synchronized void watch() {
        if (watcher != null) return;
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "turnpike-tls-watch");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::pollQuietly, POLL_MILLIS, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void pollQuietly() {
        try {
            poll();
        } catch (RuntimeException e) {
            log.warn("certificate check failed; trying again in {} ms", POLL_MILLIS, e);
        }
    }

    /**
     * One look at the files: a pair read the same twice in a row, different from what is served,
     * is loaded; a bad one is logged once and the served one kept.
     *
     * @return how many certificates were replaced
     */
    synchronized int poll() {
        if (clientCaChanged()) return state.entries.size();
        State s = state;
        List<Entry> next = null;
        Instant now = clock.instant();
        for (int i = 0; i < s.entries.size(); i++) {
            Entry e = s.entries.get(i);
            byte[][] files;
            try {
                files = readFiles(e.source);
            } catch (IOException ex) {
                // between a delete and a create, or a swap in progress: look again next time; a file
                // that stays gone leaves the served certificate as it is, said once
                if (!unreadable[i]) log.warn("certificate {}: cannot read {}; the served one stays", i, ex.toString());
                unreadable[i] = true;
                continue;
            }
            unreadable[i] = false;
            byte[] d = digest(files);
            if (Arrays.equals(d, e.digest)) {
                pending[i] = null;
                continue;
            }
            if (Arrays.equals(d, refused[i])) continue;
            if (!Arrays.equals(d, pending[i])) {
                pending[i] = d; // a writer may not be done: take it when it reads the same next time
                continue;
            }
            pending[i] = null;
            try {
                Entry loaded = entry(e.source, files, s.settings, s.trust, now);
                if (next == null) next = new ArrayList<>(s.entries);
                next.set(i, loaded);
                log.info("certificate {} reloaded from {}: {}, serial {}, valid until {}", i, e.source.cert(),
                        loaded.pair.subject(), loaded.pair.leaf().getSerialNumber().toString(16),
                        loaded.pair.leaf().getNotAfter().toInstant());
            } catch (CertificatePair.Invalid ex) {
                refused[i] = d;
                log.error("certificate {} ({}, {}) changed but cannot be served: {}; the previous one stays",
                        i, e.source.cert(), e.source.key(), ex.getMessage());
            }
        }
        if (next == null) return 0;
        int changed = 0;
        for (int i = 0; i < next.size(); i++) if (next.get(i) != s.entries.get(i)) changed++;
        state = state(s.settings, s.trust, s.caDigest, next);
        return changed;
    }

    /**
     * The clientCa file, watched like the certificates: new CAs rebuild every context (each asks
     * for client certificates with the CA list), so all certificates are read again with them.
     */
    private boolean clientCaChanged() {
        State s = state;
        if (s.caDigest == null) return false;
        byte[] d;
        try {
            d = digest(new byte[][] {Files.readAllBytes(s.settings.clientCa())});
        } catch (IOException e) {
            return false; // logged when it comes back unreadable at a config reload; the served CAs stay
        }
        if (Arrays.equals(d, s.caDigest) || Arrays.equals(d, caRefused)) {
            caPending = null;
            return false;
        }
        if (!Arrays.equals(d, caPending)) {
            caPending = d;
            return false;
        }
        caPending = null;
        try {
            state = read(s.settings, clock.instant());
            log.info("clientCa {} reloaded", s.settings.clientCa());
            return true;
        } catch (CertificatePair.Invalid e) {
            caRefused = d;
            log.error("clientCa changed but cannot be used: {}; the previous CAs stay", e.getMessage());
            return false;
        }
    }

    /**
     * A new config's {@code server.tls}: every file is read again. On failure the served
     * certificates stay and the reason is thrown for the reload's log.
     */
    public synchronized void configure(TlsSettings settings) throws CertificatePair.Invalid {
        State next = read(settings, clock.instant());
        state = next;
        resetWatch(next.entries.size());
    }

    private void resetWatch(int n) {
        pending = new byte[n][];
        refused = new byte[n][];
        unreadable = new boolean[n];
        caPending = null;
        caRefused = null;
    }

    /** The certificates served now, in config order. */
    public List<Served> served() {
        State s = state;
        List<Served> out = new ArrayList<>(s.entries.size());
        Map<String, Integer> labels = new LinkedHashMap<>();
        for (int i = 0; i < s.entries.size(); i++) {
            CertificatePair p = s.entries.get(i).pair;
            String label = p.names().isEmpty() ? "certificate-" + i : p.names().get(0);
            if (labels.merge(label, 1, Integer::sum) > 1) label = label + "#" + i; // two certificates, one name
            out.add(new Served(i, label, p.subject(), p.names(), p.leaf().getNotAfter().toInstant(), p.fingerprint(),
                    p.leaf().getSerialNumber().toString(16), i == s.settings.defaultCertificate()));
        }
        return out;
    }

    @Override
    public synchronized void close() {
        if (watcher != null) watcher.shutdownNow();
        watcher = null;
    }

    private static byte[] digest(byte[][] files) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] f : files) {
                // each file's length first, so bytes moved from one file to the other count as a change
                md.update(java.nio.ByteBuffer.allocate(4).putInt(f.length).array());
                md.update(f);
            }
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}

package org.diskcryptnet.bench.system.measure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.diskcryptnet.bench.system.testbed.Catalog;
import org.diskcryptnet.bench.system.testbed.Exec;
import org.diskcryptnet.bench.system.testbed.Testbed;

/**
 * Before any load: does the server serve the catalog's bytes? curl fetches a few objects from the client namespace
 * and their SHA-256 is compared with the generator's (not with the file on disk, which the server reads too). Over
 * HTTPS, curl offers only TLS 1.3 with AES-128-GCM and checks the certificate; the negotiated suite is recorded, and
 * an {@code openssl s_client} handshake under the same OpenSSL configuration wrk gets shows what wrk negotiates.
 */
public final class Probe {

    /** The outcome: every object matched, or the first mismatch or failure. */
    public record Result(boolean ok, int objectsChecked, String detail) {}

    private static final Pattern CURL_CIPHER = Pattern.compile("SSL connection using (\\S+) / (\\S+)");
    private static final Duration T = Duration.ofSeconds(30);

    private Probe() {}

    /** True once the server answers a request (any status) — it is listening. */
    public static boolean answers(String clientNs, String baseUrl, Path cert) throws IOException {
        List<String> c = new ArrayList<>(List.of("curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                "--max-time", "2"));
        if (cert != null) {
            c.addAll(List.of("--cacert", cert.toString()));
        }
        c.add(baseUrl + Catalog.urlPath(0));
        Exec.Result r = Exec.run(T, Testbed.inNamespace(clientNs, c));
        return r.ok() && !r.stdout().startsWith("000");
    }

    public static Result check(String clientNs, String baseUrl, Path cert, Path opensslConf, Catalog catalog,
                               List<Integer> objects, Path scratch) throws IOException {
        StringBuilder detail = new StringBuilder();
        for (int index : objects) {
            Path body = scratch.resolve("probe-" + index + ".bin");
            List<String> c = new ArrayList<>(List.of("curl", "-sS", "-v", "-o", body.toString(), "-w",
                    "%{http_code} %{size_download}", "--max-time", "20"));
            if (cert != null) {
                c.addAll(List.of("--cacert", cert.toString(), "--tlsv1.3", "--tls13-ciphers", "TLS_AES_128_GCM_SHA256"));
            }
            c.add(baseUrl + Catalog.urlPath(index));
            Exec.Result r = Exec.run(T, Testbed.inNamespace(clientNs, c));
            if (!r.ok() || !r.stdout().startsWith("200 ")) {
                return new Result(false, 0, "GET " + Catalog.urlPath(index) + ": " + r.stdout() + " " + lastLine(r.stderr()));
            }
            String got = sha256(body);
            String want = catalog.sha256(index);
            if (!got.equals(want)) {
                Path kept = scratch.resolve("probe-wrong-" + index + ".bin");
                Files.move(body, kept, StandardCopyOption.REPLACE_EXISTING);
                return new Result(false, 0, "GET " + Catalog.urlPath(index) + ": SHA-256 " + got + ", expected " + want
                        + " (" + r.stdout() + " bytes; the body is kept in " + kept + ")");
            }
            Files.deleteIfExists(body);
            if (cert != null && detail.isEmpty()) {
                Matcher m = CURL_CIPHER.matcher(r.stderr());
                detail.append(m.find() ? "curl negotiated " + m.group(1) + " " + m.group(2) : "curl: no cipher line");
            }
        }
        if (cert != null) {
            detail.append("; wrk's OpenSSL config negotiates ").append(openssl(clientNs, baseUrl, opensslConf));
        }
        return new Result(true, objects.size(), objects.size() + " objects, SHA-256 equal"
                + (detail.isEmpty() ? "" : "; " + detail));
    }

    /** {@code openssl s_client -brief} under wrk's configuration: the protocol and suite it settles on. */
    private static String openssl(String clientNs, String baseUrl, Path opensslConf) throws IOException {
        String hostPort = baseUrl.replaceFirst("^https://", "");
        Exec.Result r = Exec.run(T, Testbed.inNamespace(clientNs, List.of("env", "OPENSSL_CONF=" + opensslConf,
                "bash", "-c", "openssl s_client -brief -connect " + hostPort + " </dev/null 2>&1")));
        String protocol = "?", suite = "?";
        for (String line : r.stdout().split("\n")) {
            if (line.startsWith("Protocol version:")) {
                protocol = line.substring(17).trim();
            } else if (line.startsWith("Ciphersuite:")) {
                suite = line.substring(12).trim();
            }
        }
        return protocol + " " + suite;
    }

    private static String sha256(Path file) throws IOException {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(Files.readAllBytes(file));
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines.length == 0 ? "" : lines[lines.length - 1];
    }
}

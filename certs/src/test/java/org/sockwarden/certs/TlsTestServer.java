package org.sockwarden.certs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A JDK TLS server on 127.0.0.1 that wants a client certificate, built from {@link TlsMaterial}
 * the way Jetty's SslContextFactory builds its context. It answers the Docker API's
 * {@code /_ping} and {@code /version} so that {@code docker version} completes, and anything else
 * with {@code ok}.
 */
final class TlsTestServer implements AutoCloseable {

    /** One connection: a completed handshake (protocol, client fingerprint) or its failure. */
    record Handshake(String protocol, String clientFingerprint, String request, String failure) {
        boolean ok() {
            return failure == null;
        }
    }

    private final SSLServerSocket socket;
    private final Thread acceptor;
    private final BlockingQueue<Handshake> handshakes = new LinkedBlockingQueue<>();

    /** A trust store of every CA certificate of the files, as `init --trust-ca` reads them. */
    static KeyStore trustStore(List<java.nio.file.Path> caFiles) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        int n = 0;
        for (java.nio.file.Path file : caFiles) {
            for (X509Certificate c : TlsMaterial.caCertificates(file)) {
                ks.setCertificateEntry("ca-" + n++, c);
            }
        }
        return ks;
    }

    TlsTestServer(KeyStore keys, KeyStore trust) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, TlsMaterial.PASSWORD.toCharArray());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        socket = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        socket.setEnabledProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        socket.setNeedClientAuth(true);
        acceptor = new Thread(this::acceptLoop, "tls-test-server");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    /** The next connection's outcome, waiting at most {@code timeout}; null if none came. */
    Handshake next(Duration timeout) throws InterruptedException {
        return handshakes.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Everything recorded so far, without waiting. */
    List<Handshake> drain() {
        List<Handshake> out = new ArrayList<>();
        handshakes.drainTo(out);
        return out;
    }

    private void acceptLoop() {
        while (!socket.isClosed()) {
            try {
                SSLSocket s = (SSLSocket) socket.accept();
                Thread t = new Thread(() -> serve(s), "tls-test-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SSLSocket s) {
        try (s) {
            s.setSoTimeout(10_000);
            try {
                s.startHandshake();
            } catch (IOException e) {
                handshakes.add(new Handshake(null, null, null, e.toString()));
                return;
            }
            String fp = Fingerprints.sha256((X509Certificate) s.getSession().getPeerCertificates()[0]);
            String protocol = s.getSession().getProtocol();
            String request;
            try {
                request = readHead(s.getInputStream());
            } catch (IOException e) {
                // TLS 1.3: the client learns of a refused certificate only here, after its own handshake ended.
                handshakes.add(new Handshake(protocol, fp, null, e.toString()));
                return;
            }
            handshakes.add(new Handshake(protocol, fp, request, null));
            if (request.isEmpty()) {
                return;
            }
            respond(s.getOutputStream(), request);
        } catch (SocketTimeoutException | SocketException e) {
            // the client went away
        } catch (IOException e) {
            handshakes.add(new Handshake(null, null, null, e.toString()));
        }
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        for (int b; matched < 4 && head.size() < 65536 && (b = in.read()) >= 0; ) {
            head.write(b);
            matched = b == end[matched] ? matched + 1 : b == '\r' ? 1 : 0;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    private static void respond(OutputStream out, String request) throws IOException {
        String line = request.lines().findFirst().orElse("");
        boolean head = line.startsWith("HEAD ");
        String body;
        String type;
        if (line.contains("/version ")) {
            body = "{\"Version\":\"sockwarden-test\",\"ApiVersion\":\"1.41\",\"MinAPIVersion\":\"1.12\",\"Os\":\"linux\",\"Arch\":\"amd64\"}";
            type = "application/json";
        } else {
            body = line.contains("/_ping ") ? "OK" : "ok";
            type = "text/plain";
        }
        byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
        String response = "HTTP/1.1 200 OK\r\nContent-Type: " + type + "\r\nApi-Version: 1.41\r\nContent-Length: " + bytes.length
                + "\r\nConnection: close\r\n\r\n";
        out.write(response.getBytes(StandardCharsets.US_ASCII));
        if (!head) {
            out.write(bytes);
        }
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

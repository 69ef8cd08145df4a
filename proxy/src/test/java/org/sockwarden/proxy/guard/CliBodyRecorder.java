package org.sockwarden.proxy.guard;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for the engine that only records what the docker CLI sends to {@code containers/create}
 * (the body, byte for byte) and answers as a 20.10 engine would, so that {@code docker run -d} completes:
 * the tool for capturing the CLI's bodies, which the real engine then judges. Loopback, port 0.
 */
final class CliBodyRecorder implements AutoCloseable {

    private static final String ID = "0123456789abcdef".repeat(4);

    private final HttpServer server;
    private final BlockingQueue<byte[]> creates = new LinkedBlockingQueue<>();

    CliBodyRecorder() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/", this::handle);
        server.start();
    }

    String dockerHost() {
        return "tcp://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next create body the CLI sent, waiting up to 30 s. */
    byte[] nextCreate() throws InterruptedException {
        byte[] body = creates.poll(30, TimeUnit.SECONDS);
        if (body == null) {
            throw new AssertionError("the docker CLI sent no containers/create within 30 s");
        }
        return body;
    }

    private void handle(HttpExchange x) throws IOException {
        byte[] body;
        try (InputStream in = x.getRequestBody()) {
            body = in.readAllBytes();
        }
        String path = x.getRequestURI().getPath();
        x.getResponseHeaders().add("Api-Version", "1.41");
        x.getResponseHeaders().add("Server", "Docker/20.10.24 (linux)");
        x.getResponseHeaders().add("OSType", "linux"); // the CLI checks it before it accepts --device
        x.getResponseHeaders().add("Content-Type", "application/json");
        if (path.endsWith("/_ping")) {
            reply(x, 200, "OK");
        } else if (path.endsWith("/containers/create")) {
            creates.add(body);
            reply(x, 201, "{\"Id\":\"" + ID + "\",\"Warnings\":[]}");
        } else if (path.endsWith("/wait")) {
            reply(x, 200, "{\"StatusCode\":0}");
        } else if (path.endsWith("/start")) {
            reply(x, 204, null);
        } else {
            reply(x, 404, "{\"message\":\"not recorded\"}");
        }
    }

    private static void reply(HttpExchange x, int status, String text) throws IOException {
        byte[] b = text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
        boolean head = x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(status, status == 204 || head ? -1 : b.length);
        if (!head && status != 204) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(b);
            }
        }
        x.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}

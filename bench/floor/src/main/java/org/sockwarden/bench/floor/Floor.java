package org.sockwarden.bench.floor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The floor under sockwarden's idle RSS: bench/run.sh starts these with sockwarden's JVM flags and
 * reports their RSS beside its own, so the part of the footprint that the JVM and Jetty bring, and
 * that no change to sockwarden can remove, is measured in the same run rather than argued.
 *
 * <pre>
 *   java -jar floor.jar jvm            a JVM that only waits
 *   java -jar floor.jar jetty PORT     Jetty on 127.0.0.1:PORT answering 200 "OK" to every request
 * </pre>
 */
public final class Floor {
    private Floor() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("jvm")) {
            System.out.println("ready");
            Thread.sleep(Long.MAX_VALUE);
        } else if (args.length == 2 && args[0].equals("jetty")) {
            Server server = new Server();
            ServerConnector connector = new ServerConnector(server);
            connector.setHost("127.0.0.1");
            connector.setPort(Integer.parseInt(args[1]));
            server.addConnector(connector);
            server.setHandler(new Ok());
            server.start();
            System.out.println("ready");
            server.join();
        } else {
            System.err.println("usage: floor.jar jvm | floor.jar jetty PORT");
            System.exit(2);
        }
    }

    private static final class Ok extends Handler.Abstract.NonBlocking {
        private static final ByteBuffer BODY = ByteBuffer.wrap("OK".getBytes(StandardCharsets.US_ASCII)).asReadOnlyBuffer();

        @Override
        public boolean handle(Request request, Response response, Callback callback) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
            response.write(true, BODY.slice(), callback);
            return true;
        }
    }
}

package org.sockwarden.proxy.identity;

import java.nio.file.Path;
import java.util.regex.Pattern;

/** Where a client connects; whoever connects there is that client. */
public sealed interface ListenerAddress {

    /** Unique over all listeners; also the Jetty connector's name and the access log's {@code listener=}. */
    String key();

    /** {@code host} is a numeric address in its one spelling ({@link IpAddresses#text}), so equal listeners have equal keys. */
    record Tcp(String host, int port) implements ListenerAddress {
        private static final Pattern PORT = Pattern.compile("0*[0-9]{1,5}");

        /**
         * Reads {@code IP:PORT}: a numeric address (IPv6 with or without brackets: {@code [::1]:2375}
         * and {@code ::1:2375} are the same), the port a number from 0 to 65535 (leading zeros
         * change nothing: {@code 02375} is 2375). No name is looked up. The message of a refusal names the value.
         */
        public static Tcp parse(String hostPort) {
            String host;
            String port;
            if (hostPort.startsWith("[")) {
                int close = hostPort.indexOf("]:");
                if (close < 0) {
                    throw bad(hostPort);
                }
                host = hostPort.substring(1, close);
                port = hostPort.substring(close + 2);
            } else {
                int colon = hostPort.lastIndexOf(':');
                if (colon <= 0) {
                    throw bad(hostPort);
                }
                host = hostPort.substring(0, colon);
                port = hostPort.substring(colon + 1);
            }
            if (!PORT.matcher(port).matches() || Integer.parseInt(port) > 65535) {
                throw new IllegalArgumentException("bad port in \"" + hostPort + "\": a number from 0 to 65535");
            }
            try {
                return new Tcp(IpAddresses.text(IpAddresses.parse(host)), Integer.parseInt(port));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("\"" + hostPort + "\" is not IP:PORT: " + e.getMessage(), e);
            }
        }

        private static IllegalArgumentException bad(String hostPort) {
            return new IllegalArgumentException("\"" + hostPort + "\" is not IP:PORT (write e.g. 127.0.0.1:2375 or [::1]:2375)");
        }

        @Override
        public String key() {
            return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        }
    }

    /**
     * A unix socket of the client's own: {@code mode} like "0660", {@code uid}/{@code gid} the socket
     * file's owner (null: the proxy's), so a non-root container gets a socket whose group it has.
     */
    record Unix(Path path, String mode, Integer uid, Integer gid) implements ListenerAddress {
        @Override
        public String key() {
            return "unix:" + path;
        }
    }
}

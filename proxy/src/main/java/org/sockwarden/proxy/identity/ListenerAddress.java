package org.sockwarden.proxy.identity;

import java.nio.file.Path;

/** Where a client connects; whoever connects there is that client. */
public sealed interface ListenerAddress {

    /** Unique over all listeners; also the Jetty connector's name and the access log's {@code listener=}. */
    String key();

    record Tcp(String host, int port) implements ListenerAddress {
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

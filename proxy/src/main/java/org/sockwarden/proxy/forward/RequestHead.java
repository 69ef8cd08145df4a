package org.sockwarden.proxy.forward;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.server.Request;

/** A request head for the engine: the client's own target bytes, HTTP/1.1, the headers the caller chooses. */
final class RequestHead {
    private final StringBuilder text = new StringBuilder(256);
    private boolean hasHost;

    RequestHead(Request request) {
        this(request.getMethod(), target(request));
    }

    /** A head for {@code target} (path and query) instead of the client's own. */
    RequestHead(String method, String target) {
        text.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    }

    /** The client's own target bytes, path and query. */
    static String target(Request request) {
        HttpURI uri = request.getHttpURI();
        return uri.getQuery() == null ? uri.getPath() : uri.getPath() + "?" + uri.getQuery();
    }

    RequestHead header(HttpField field) {
        hasHost |= field.getHeader() == HttpHeader.HOST;
        return header(field.getName(), field.getValue());
    }

    RequestHead header(String name, Object value) {
        text.append(name).append(": ").append(value).append("\r\n");
        return this;
    }

    /** The head's bytes; an HTTP/1.0 client may have sent no Host, which HTTP/1.1 requires. */
    ByteBuffer toBuffer() {
        if (!hasHost) {
            header("Host", "docker");
        }
        text.append("\r\n");
        return ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.ISO_8859_1));
    }
}

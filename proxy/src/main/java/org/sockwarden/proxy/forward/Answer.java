package org.sockwarden.proxy.forward;

import java.nio.ByteBuffer;
import java.util.Objects;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * An HTTP answer held whole: the engine's answer to an {@link EngineProbe}, or one an exchange gives its
 * client instead of forwarding its request ({@link Preflight.Outcome}).
 *
 * @param headers as the engine sent them (hop-by-hop ones and the framing are left out when sent on)
 */
public record Answer(int status, HttpFields headers, byte[] body) implements Preflight.Outcome {
    public Answer {
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(body, "body");
    }

    /** A refusal in Docker's error shape, as {@link DockerError} writes it. */
    public static Answer error(int status, String message) {
        return new Answer(status, HttpFields.build().put(HttpHeader.CONTENT_TYPE, "application/json").asImmutable(),
                DockerError.body(message));
    }

    /** This answer with another body (same status and headers; the length is set when it is sent). */
    public Answer withBody(byte[] other) {
        return new Answer(status, headers, other);
    }

    /** Sends it to the client: its end-to-end headers, its body with its own Content-Length. */
    void send(Response response, Callback callback, Exchange exchange, boolean closeAfter) {
        exchange.status(status);
        response.setStatus(status);
        HopByHop.copy(headers, response.getHeaders(), HttpHeader.CONTENT_LENGTH);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        if (closeAfter) {
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        exchange.addOut(body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** Whether {@code request} still has body bytes nobody read: the connection then closes after the answer. */
    static boolean unreadBody(Request request, ByteBuffer wholeBody) {
        return wholeBody == null && RequestBody.present(request);
    }
}

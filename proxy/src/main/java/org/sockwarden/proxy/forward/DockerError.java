package org.sockwarden.proxy.forward;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.sockwarden.proxy.log.AccessLog;

/** An answer in Docker's error shape, {@code {"message": "..."}}, which the docker CLI prints as it is. */
public final class DockerError {

    private DockerError() {}

    /** The body of an error answer. */
    public static byte[] body(String message) {
        return ("{\"message\":" + AccessLog.quote(message) + "}\n").getBytes(StandardCharsets.UTF_8);
    }

    /** Answers {@code status} with {@code message}; {@code callback} completes the exchange with Jetty. */
    public static void send(Request request, Response response, Callback callback, int status, String message) {
        byte[] body = body(message);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(new HttpField(HttpHeader.CONTENT_LENGTH, String.valueOf(body.length)));
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}

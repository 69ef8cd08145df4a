package org.sockwarden.proxy.forward;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** An answer in Docker's error shape, {@code {"message": "..."}}, which the docker CLI prints as it is. */
public final class DockerError {

    private static final JsonFactory FACTORY = JsonFactory.builder().build();

    private DockerError() {}

    /** The body of an error answer: the object and a newline, as the engine writes its own. */
    public static byte[] body(String message) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(64 + message.length())) {
            try (JsonGenerator g = FACTORY.createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("message", message);
                g.writeEndObject();
            }
            out.append('\n');
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
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

package org.sockwarden.proxy.forward;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.Transport;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * Forwards one allowed, non-hijack request to the engine socket and streams the answer back.
 *
 * <p>Response headers are committed the moment the engine sends them: {@code docker run} waits
 * for the headers of {@code /wait} before it starts the container, and {@code events} or
 * {@code logs -f} may send no byte for minutes. Bodies stream both ways with back-pressure:
 * the next chunk is read only when the previous one is written.
 */
public final class Forwarder extends ContainerLifeCycle {

    private final Path socket;
    private final Transport transport;
    private final HttpClient client;
    private final Consumer<EngineDiagnosis> onEngineFailure;

    /** {@code shared}: the server's threads, scheduler and buffers, so that a request is one pool's work end to end. */
    public Forwarder(Path socket, Consumer<EngineDiagnosis> onEngineFailure, org.eclipse.jetty.server.Server shared) {
        this.socket = socket;
        this.transport = new Transport.TCPUnix(socket);
        this.onEngineFailure = onEngineFailure;
        this.client = new HttpClient();
        client.setExecutor(shared.getThreadPool());
        client.setScheduler(shared.getScheduler());
        client.setByteBufferPool(shared.getByteBufferPool());
        // Every logs -f, events, stats and wait holds one engine connection for as long as it runs.
        client.setMaxConnectionsPerDestination(16_384);
        client.setMaxRequestsQueuedPerDestination(16_384);
        client.setFollowRedirects(false);
        client.setUserAgentField(null);
        client.setDefaultRequestContentType(null);
        client.setIdleTimeout(30_000);
        client.setConnectTimeout(5_000);
        // Log, export and save streams: bigger reads from the engine mean fewer, larger writes to the client.
        client.setResponseBufferSize(64 * 1024);
        addBean(client);
    }

    public Path socket() {
        return socket;
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        // A proxy passes encodings, redirects, 401s and upgrades through; it does not act on them.
        client.getContentDecoderFactories().clear();
        client.getProtocolHandlers().clear();
    }

    public void forward(Request request, Response response, Callback callback, Exchange exchange) {
        HttpURI uri = request.getHttpURI();
        String target = uri.getQuery() == null ? uri.getPath() : uri.getPath() + "?" + uri.getQuery();
        org.eclipse.jetty.client.Request upstream = client.newRequest("http://docker")
                .transport(transport)
                .method(request.getMethod())
                .path(target)
                .version(HttpVersion.HTTP_1_1)
                .timeout(0, TimeUnit.MILLISECONDS)
                .idleTimeout(0, TimeUnit.MILLISECONDS)
                .headers(h -> HopByHop.copy(request.getHeaders(), h, HttpHeader.CONTENT_LENGTH));
        RequestBody body = hasBody(request) ? new RequestBody(request, exchange) : null;
        if (body != null) {
            upstream.body(body);
        }
        request.addFailureListener(upstream::abort);
        exchange.onAbort(upstream::abort);
        // Streams stay open as long as the engine keeps them open: the client's idle timeout must not cut them.
        request.addIdleTimeoutListener(timeout -> false);
        upstream.send(new ResponseRelay(request, response, callback, exchange, upstream, body));
    }

    /** A Content-Length above zero or chunked framing: the request carries a body to read. */
    public static boolean hasBody(Request request) {
        return request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING) || request.getLength() > 0;
    }

    /** The client's body as the engine's request content, read only as fast as the engine takes it. */
    private static final class RequestBody implements org.eclipse.jetty.client.Request.Content {
        private final Request source;
        private final Exchange exchange;
        /** Set when the client's own body broke (bad chunking, early end): the client's fault, not the engine's. */
        private volatile Throwable clientFailure;

        RequestBody(Request source, Exchange exchange) {
            this.source = source;
            this.exchange = exchange;
        }

        @Override
        public String getContentType() {
            return null; // the client's own Content-Type header is forwarded as it is
        }

        @Override
        public long getLength() {
            return source.getLength();
        }

        @Override
        public Content.Chunk read() {
            Content.Chunk chunk = source.read();
            if (Content.Chunk.isFailure(chunk)) {
                clientFailure = chunk.getFailure();
            } else if (chunk != null && chunk.hasRemaining()) {
                exchange.addIn(chunk.remaining());
            }
            return chunk;
        }

        @Override
        public void demand(Runnable demandCallback) {
            source.demand(demandCallback);
        }

        @Override
        public void fail(Throwable failure) {
            source.fail(failure);
        }

        @Override
        public boolean rewind() {
            return false;
        }
    }

    private final class ResponseRelay implements org.eclipse.jetty.client.Response.Listener {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final Exchange exchange;
        private final org.eclipse.jetty.client.Request upstream;
        private final RequestBody body;
        private org.eclipse.jetty.util.thread.Scheduler.Task watch;

        ResponseRelay(Request request, Response response, Callback callback, Exchange exchange,
                      org.eclipse.jetty.client.Request upstream, RequestBody body) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.exchange = exchange;
            this.upstream = upstream;
            this.body = body;
        }

        @Override
        public void onHeaders(org.eclipse.jetty.client.Response upstreamResponse) {
            response.setStatus(upstreamResponse.getStatus());
            exchange.status(upstreamResponse.getStatus());
            HopByHop.copy(upstreamResponse.getHeaders(), response.getHeaders());
        }

        @Override
        public void onContentSource(org.eclipse.jetty.client.Response upstreamResponse, Content.Source source) {
            new Pump(source).commitThenIterate();
        }

        @Override
        public void onComplete(Result result) {
            if (watch != null) {
                watch.cancel();
            }
            Throwable clientFailure = body == null ? null : body.clientFailure;
            if (result.isSucceeded()) {
                callback.succeeded();
            } else if (clientFailure != null && !response.isCommitted()) {
                exchange.status(400);
                sendError(request, response, callback, 400, "sockwarden: bad request: the request body does not match its framing ("
                        + clientFailure.getMessage() + "); the engine request was aborted");
            } else if (!response.isCommitted() && result.getResponse().getStatus() == 0) {
                EngineDiagnosis diagnosis = EngineDiagnosis.of(socket, result.getFailure());
                onEngineFailure.accept(diagnosis);
                exchange.status(diagnosis.status());
                sendError(request, response, callback, diagnosis.status(), diagnosis.message());
            } else {
                callback.failed(result.getFailure());
            }
            exchange.end();
        }

        /** Copies the engine's body to the client, one chunk in flight at a time. */
        private final class Pump extends IteratingCallback {
            private final Content.Source source;
            private Content.Chunk chunk;

            Pump(Content.Source source) {
                this.source = source;
            }

            void commitThenIterate() {
                response.write(false, BufferUtil.EMPTY_BUFFER, Callback.from(Invocable.InvocationType.NON_BLOCKING, () -> {
                    if (!response.getHeaders().contains(HttpHeader.CONTENT_LENGTH)) {
                        watch = ClientGoneWatch.arm(request, upstream, exchange);
                    }
                    iterate();
                }, upstream::abort));
            }

            @Override
            protected Action process() {
                while (true) {
                    Content.Chunk next = source.read();
                    if (next == null) {
                        source.demand(this::succeeded);
                        return Action.SCHEDULED;
                    }
                    if (Content.Chunk.isFailure(next)) {
                        upstream.abort(next.getFailure());
                        return Action.SUCCEEDED;
                    }
                    if (next.hasRemaining()) {
                        chunk = next;
                        exchange.addOut(next.remaining());
                        response.write(false, next.getByteBuffer(), this);
                        return Action.SCHEDULED;
                    }
                    next.release();
                    if (next.isLast()) {
                        return Action.SUCCEEDED;
                    }
                }
            }

            @Override
            protected void onSuccess() {
                release();
            }

            @Override
            protected void onCompleteFailure(Throwable cause) {
                release();
                upstream.abort(cause);
            }

            private void release() {
                if (chunk != null) {
                    chunk.release();
                    chunk = null;
                }
            }

            @Override
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }
        }
    }

    /** An answer in Docker's error shape, which the docker CLI prints as it is. */
    public static void sendError(Request request, Response response, Callback callback, int status, String message) {
        byte[] body = ("{\"message\":" + org.sockwarden.proxy.log.AccessLog.quote(message) + "}\n").getBytes(StandardCharsets.UTF_8);
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(new HttpField(HttpHeader.CONTENT_LENGTH, String.valueOf(body.length)));
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}

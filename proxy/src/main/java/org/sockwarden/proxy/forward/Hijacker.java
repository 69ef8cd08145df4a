package org.sockwarden.proxy.forward;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;

/**
 * Forwards attach, exec start, session and grpc: the request goes to the engine on a connection
 * of its own, and when the engine switches protocols (101, or 200 with a raw stream for clients
 * that sent no Upgrade header) both connections become a {@link Splice}. Any other answer (a 404
 * for a missing container, a detached exec's empty 200) is relayed as an ordinary response.
 */
public final class Hijacker {

    /** Hijack request bodies are small JSON options; a large one is not a Docker client. */
    private static final int MAX_REQUEST_BODY = 1 << 20;
    private static final int MAX_ERROR_BODY = 1 << 20;

    private final EngineConnector engine;

    public Hijacker(EngineConnector engine) {
        this.engine = engine;
    }

    public void hijack(Request request, Response response, Callback callback, Exchange exchange) {
        Content.Source.asByteArrayAsync(request, MAX_REQUEST_BODY).whenComplete((body, failure) -> {
            if (failure != null) {
                exchange.status(400);
                Forwarder.sendError(request, response, callback, 400, "request body of an attach/exec call is unreadable or over "
                        + MAX_REQUEST_BODY + " bytes: " + failure.getMessage());
                exchange.end();
                return;
            }
            exchange.addIn(body.length);
            connect(request, response, callback, exchange, body);
        });
    }

    private void connect(Request request, Response response, Callback callback, Exchange exchange, byte[] body) {
        ByteBuffer head = requestHead(request, body.length);
        engine.open((endPoint, ctx) -> new HijackConnection(endPoint, request, response, callback, exchange, head, ByteBuffer.wrap(body)),
                Promise.from(connection -> { }, failure -> {
                    engine.refuseUnreachable(request, response, callback, exchange, failure);
                    exchange.end();
                }));
    }

    /**
     * The request line with the client's own target bytes, and its headers as Jetty parsed them,
     * Connection and Upgrade included: they are what asks the engine to hijack.
     */
    private static ByteBuffer requestHead(Request request, int bodyLength) {
        RequestHead head = new RequestHead(request);
        for (HttpField f : request.getHeaders()) {
            HttpHeader h = f.getHeader();
            if (h != HttpHeader.CONTENT_LENGTH && h != HttpHeader.TRANSFER_ENCODING && h != HttpHeader.KEEP_ALIVE
                    && h != HttpHeader.TE && h != HttpHeader.EXPECT && h != HttpHeader.PROXY_AUTHORIZATION
                    && h != HttpHeader.PROXY_CONNECTION) {
                head.header(f);
            }
        }
        if (bodyLength > 0 || request.getHeaders().contains(HttpHeader.CONTENT_LENGTH)) {
            head.header("Content-Length", bodyLength);
        }
        return head.toBuffer();
    }

    private static boolean isRawStream(HttpFields headers) {
        String type = headers.get(HttpHeader.CONTENT_TYPE);
        return type != null && type.startsWith("application/vnd.docker.");
    }

    /** Sends the request, reads the answer's head with Jetty's parser, then becomes the engine end of the tunnel. */
    private final class HijackConnection extends Splice.EngineEnd implements HttpParser.ResponseHandler {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final Exchange exchange;
        private final ByteBuffer head;
        private final ByteBuffer body;
        private final HttpParser parser = new HttpParser(this);
        private final HttpFields.Mutable headers = HttpFields.build();
        private final ByteArrayOutputStream errorBody = new ByteArrayOutputStream();
        private ByteBuffer buffer;
        private int status;
        private boolean headDone;
        private boolean messageDone;
        private boolean tunnelling;

        HijackConnection(EndPoint endPoint, Request request, Response response, Callback callback, Exchange exchange,
                         ByteBuffer head, ByteBuffer body) {
            super(endPoint, engine.getExecutor(), engine.getByteBufferPool());
            exchange.onAbort(failure -> {
                getEndPoint().close(failure);
                if (peer() != null) {
                    peer().getEndPoint().close(failure);
                }
            });
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.exchange = exchange;
            this.head = head;
            this.body = body;
            endPoint.setIdleTimeout(0);
        }

        @Override
        public void onOpen() {
            super.onOpen();
            getEndPoint().write(Callback.from(this::fillInterested, this::engineFailed), head, body);
        }

        @Override
        public void onFillable() {
            if (tunnelling) {
                super.onFillable();
                return;
            }
            try {
                if (buffer == null) {
                    buffer = BufferUtil.allocate(16 * 1024);
                }
                while (true) {
                    if (!headDone || !messageDone) {
                        if (parser.parseNext(buffer)) {
                            if (headDone && !messageDone && isTunnel()) {
                                startTunnel();
                                return;
                            }
                            if (messageDone) {
                                relayAnswer();
                                return;
                            }
                            continue;
                        }
                    }
                    if (BufferUtil.space(buffer) == 0) {
                        BufferUtil.compact(buffer);
                    }
                    int filled = getEndPoint().fill(buffer);
                    if (filled == 0) {
                        fillInterested();
                        return;
                    }
                    if (filled < 0) {
                        parser.atEOF();
                        parser.parseNext(buffer);
                        if (messageDone) {
                            relayAnswer();
                        } else {
                            engineFailed(new IOException("engine closed the connection before answering"));
                        }
                        return;
                    }
                }
            } catch (Throwable x) {
                engineFailed(x);
            }
        }

        private boolean isTunnel() {
            return status == HttpStatus.SWITCHING_PROTOCOLS_101 || (status == 200 && isRawStream(headers));
        }

        private void startTunnel() {
            tunnelling = true;
            exchange.status(status);
            response.setStatus(status);
            for (HttpField f : headers) {
                HttpHeader h = f.getHeader();
                if (h != HttpHeader.CONTENT_LENGTH && h != HttpHeader.TRANSFER_ENCODING) {
                    response.getHeaders().add(f);
                }
            }
            EndPoint clientEndPoint = request.getConnectionMetaData().getConnection().getEndPoint();
            Splice.ClientEnd clientEnd = new Splice.ClientEnd(clientEndPoint, engine.getExecutor(), engine.getByteBufferPool());
            Splice tunnel = new Splice(exchange);
            clientEnd.link(tunnel, this, false);
            link(tunnel, clientEnd, true);
            request.setAttribute(HttpStream.UPGRADE_CONNECTION_ATTRIBUTE, clientEnd);
            if (status == HttpStatus.SWITCHING_PROTOCOLS_101) {
                callback.succeeded();
            } else {
                // The old form: no framing; the connection ends when the stream does.
                response.getHeaders().put(HttpHeader.CONNECTION, "close");
                response.write(false, BufferUtil.EMPTY_BUFFER, Callback.from(callback::succeeded, this::abortBoth));
            }
        }

        private void abortBoth(Throwable failure) {
            callback.failed(failure);
            getEndPoint().close(failure);
        }

        @Override
        void clientReady() {
            start(buffer);
        }

        private void relayAnswer() {
            exchange.status(status);
            getEndPoint().close();
            response.setStatus(status);
            HopByHop.copy(headers, response.getHeaders(), HttpHeader.CONTENT_LENGTH);
            byte[] bytes = errorBody.toByteArray();
            exchange.addOut(bytes.length);
            response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
            response.write(true, ByteBuffer.wrap(bytes), callback);
            exchange.end();
        }

        private void engineFailed(Throwable failure) {
            getEndPoint().close(failure);
            if (response.isCommitted()) {
                callback.failed(failure);
            } else {
                exchange.status(502);
                Forwarder.sendError(request, response, callback, 502,
                        "Docker engine at " + engine.socket() + " failed during an attach/exec call: " + failure.getMessage());
            }
            exchange.end();
        }

        @Override
        public void startResponse(HttpVersion version, int status, String reason) {
            this.status = status;
        }

        @Override
        public void parsedHeader(HttpField field) {
            headers.add(field);
        }

        @Override
        public boolean headerComplete() {
            headDone = true;
            // Stop here: if this is a hijack, what follows the head is stream, not HTTP.
            return true;
        }

        @Override
        public boolean content(ByteBuffer item) {
            if (errorBody.size() + item.remaining() > MAX_ERROR_BODY) {
                throw new IllegalStateException("engine answer to an attach/exec call is over " + MAX_ERROR_BODY + " bytes");
            }
            byte[] bytes = new byte[item.remaining()];
            item.get(bytes);
            errorBody.writeBytes(bytes);
            return false;
        }

        @Override
        public boolean contentComplete() {
            return false;
        }

        @Override
        public boolean messageComplete() {
            messageDone = true;
            return true;
        }

        @Override
        public void earlyEOF() {
            // Reported through messageDone staying false.
        }

        @Override
        public void badMessage(org.eclipse.jetty.http.HttpException failure) {
            throw new IllegalStateException("engine sent a malformed HTTP answer: " + failure.getReason());
        }
    }
}

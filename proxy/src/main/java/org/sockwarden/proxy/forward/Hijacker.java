package org.sockwarden.proxy.forward;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Promise;

/**
 * Forwards attach, exec start, session and grpc: the request body is read whole, the request goes
 * to the engine on a connection of its own, and when the engine switches protocols (101, or 200
 * with a raw stream for clients that sent no Upgrade header) both connections become a
 * {@link Splice}. Any other answer (a 404 for a missing container, a detached exec's empty 200) is
 * relayed as an ordinary response.
 *
 * <p>The exchange is decided again when its body has been read, when the engine connection is
 * open (before anything is written to it), and when the engine has switched protocols (before the
 * client's connection is handed over): a revocation that lands while an {@code exec start} body is
 * still arriving opens no session.
 */
public final class Hijacker {

    /** Hijack request bodies are small JSON options ({@code {"Detach":false,"Tty":true}}); a large one is not a Docker client. */
    private static final int MAX_REQUEST_BODY = 64 * 1024;
    private static final int MAX_ERROR_BODY = 1 << 20;

    private final EngineConnector engine;

    public Hijacker(EngineConnector engine) {
        this.engine = engine;
    }

    public void hijack(Request request, Response response, Callback callback, Exchange exchange) {
        hijack(request, response, callback, exchange, null);
    }

    /** Hijacks after {@code preflight} (null: none) let the request go on; see {@link Preflight}. */
    public void hijack(Request request, Response response, Callback callback, Exchange exchange, Preflight preflight) {
        EndPoint client = request.getConnectionMetaData().getConnection().getEndPoint();
        exchange.onAbort(client::close);
        RequestBody.readWhole(request, MAX_REQUEST_BODY, exchange, Promise.from(body -> {
            String refusal = exchange.recheck(Exchange.Phase.BODY_READ);
            if (refusal != null) {
                refuse(request, response, callback, exchange, refusal);
                return;
            }
            if (preflight == null) {
                connect(request, response, callback, exchange, body, RequestHead.target(request));
                return;
            }
            // Until the engine connection opens, an abort closes the client and stops the pre-flight.
            AtomicReference<Cancellable> running = new AtomicReference<>();
            exchange.onAbort(reason -> {
                Cancellable r = running.get();
                if (r != null) {
                    r.cancel(reason);
                }
                client.close(reason);
            });
            Cancellable run = preflight.start(request, body.slice(), Promise.from(outcome -> {
                if (outcome instanceof Answer answer) {
                    answer.send(response, callback, exchange, false);
                    exchange.end();
                    return;
                }
                String target = ((Preflight.Proceed) outcome).target();
                String late = exchange.recheck(Exchange.Phase.PREFLIGHT);
                if (late != null) {
                    refuse(request, response, callback, exchange, late);
                    return;
                }
                connect(request, response, callback, exchange, body, target == null ? RequestHead.target(request) : target);
            }, failure -> unreachable(request, response, callback, exchange, failure)));
            running.set(run);
            Throwable cut = exchange.abortReason();
            if (cut != null) {
                run.cancel(cut);
            }
        }, failure -> {
            Throwable aborted = exchange.abortReason();
            if (aborted != null) {
                callback.failed(aborted);
            } else {
                exchange.status(400);
                DockerError.send(request, response, callback, 400, "sockwarden: bad request: the request body of an attach/exec call is "
                        + (failure instanceof RequestBody.TooLargeException ? "" : "unreadable: ") + failure.getMessage());
            }
            exchange.end();
        }));
    }

    /** Answers a refusal at a phase change (nothing reached the engine yet), or closes if the exchange was aborted. */
    private static void refuse(Request request, Response response, Callback callback, Exchange exchange, String refusal) {
        Throwable aborted = exchange.abortReason();
        if (aborted != null) {
            callback.failed(aborted);
        } else {
            exchange.status(403);
            DockerError.send(request, response, callback, 403, "sockwarden: " + refusal);
        }
        exchange.end();
    }

    private void connect(Request request, Response response, Callback callback, Exchange exchange, ByteBuffer body, String target) {
        ByteBuffer head = requestHead(request, target, body.remaining());
        engine.open((endPoint, ctx) -> new HijackConnection(endPoint, request, response, callback, exchange, head, body),
                Promise.from(connection -> { }, failure -> unreachable(request, response, callback, exchange, failure)));
    }

    /** The engine could not be reached (for the pre-flight or the call): answered so, or closed if the exchange was aborted. */
    private void unreachable(Request request, Response response, Callback callback, Exchange exchange, Throwable failure) {
        Throwable aborted = exchange.abortReason();
        if (aborted != null) {
            callback.failed(aborted);
        } else {
            engine.refuseUnreachable(request, response, callback, exchange, failure);
        }
        exchange.end();
    }

    /**
     * The request line with the client's own target bytes and its end-to-end headers; then the
     * two that ask the engine to hijack, which are hop-by-hop everywhere else.
     */
    private static ByteBuffer requestHead(Request request, String target, int bodyLength) {
        RequestHead head = new RequestHead(request.getMethod(), target);
        HopByHop.forEachEndToEnd(request.getHeaders(), head::header, HttpHeader.CONTENT_LENGTH);
        String upgrade = request.getHeaders().get(HttpHeader.UPGRADE);
        if (upgrade != null) {
            head.header("Connection", "Upgrade");
            head.header("Upgrade", upgrade);
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
        private final BoundedBody errorBody = new BoundedBody(MAX_ERROR_BODY);
        private ByteBuffer buffer;
        private int status;
        private boolean headDone;
        private boolean messageDone;
        private boolean tunnelling;

        HijackConnection(EndPoint endPoint, Request request, Response response, Callback callback, Exchange exchange,
                         ByteBuffer head, ByteBuffer body) {
            super(endPoint, engine.getExecutor(), engine.getByteBufferPool());
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
            EndPoint client = request.getConnectionMetaData().getConnection().getEndPoint();
            exchange.onAbort(failure -> {
                getEndPoint().close(failure);
                client.close(failure);
            });
            String refusal = exchange.recheck(Exchange.Phase.ENGINE_CONNECT);
            if (refusal != null) {
                getEndPoint().close();
                refuse(request, response, callback, exchange, refusal);
                return;
            }
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
            String refusal = exchange.recheck(Exchange.Phase.UPGRADE);
            if (refusal != null) {
                // The engine has started the session, but the client gets none of it.
                getEndPoint().close();
                refuse(request, response, callback, exchange, refusal);
                return;
            }
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
            Throwable aborted = exchange.abortReason();
            if (aborted != null || response.isCommitted()) {
                callback.failed(aborted != null ? aborted : failure);
            } else {
                exchange.status(502);
                DockerError.send(request, response, callback, 502,
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
            if (!errorBody.add(item)) {
                throw new IllegalStateException("engine answer to an attach/exec call is over " + MAX_ERROR_BODY + " bytes");
            }
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

package org.sockwarden.proxy.guard;

import java.util.Objects;
import java.util.function.Function;
import org.sockwarden.proxy.api.Operation;

/** What the guard decided about one request's query and body, before any byte of it reaches the engine. */
public sealed interface Verdict permits Verdict.Forward, Verdict.Rewrite, Verdict.Refuse {

    /** Forward the request as it came: the bytes the engine gets are the bytes the guard read. */
    enum Forward implements Verdict {
        AS_RECEIVED
    }

    /**
     * Forward {@code body} instead of the one received (forced labels, the owner label): the guard's
     * canonical writing of the document it inspected, with the labels set. The wiring sends it with its
     * own {@code Content-Length} and no {@code Transfer-Encoding}.
     */
    record Rewrite(byte[] body) implements Verdict {
        public Rewrite {
            Objects.requireNonNull(body, "body");
        }
    }

    /**
     * Refuse the request; nothing reaches the engine.
     *
     * @param status     403 (a guardrail), 400 (a body or query the engine would read differently from how
     *                   it looks, or not at all) or 413 (a body over {@link Guard#BODY_CAP})
     * @param operation  the operation refused
     * @param field      what decides it, as the engine names it: {@code HostConfig.Privileged},
     *                   {@code HostConfig.Mounts[0].Source}, {@code query fromSrc}, {@code header Content-Encoding},
     *                   {@code body}
     * @param constraint why, in words, naming the offending value where it helps
     * @param remedy     the guardrails item that would allow it ({@code privileged}, {@code bind-path=/srv/data},
     *                   {@code cap-add=NET_ADMIN}, ...), or null when no guardrail allows it
     */
    record Refuse(int status, Operation operation, String field, String constraint, String remedy) implements Verdict {
        public Refuse {
            Objects.requireNonNull(operation, "operation");
            Objects.requireNonNull(field, "field");
            Objects.requireNonNull(constraint, "constraint");
        }

        /**
         * The text of the refusal in Docker's error shape ({@code {"message": ...}}, which the docker CLI prints),
         * in the style of the proxy's other 403s.
         *
         * @param client     the client's name
         * @param howToAllow turns {@link #remedy} into the exact command that adds it to the client's guardrails
         */
        public String message(String client, Function<String, String> howToAllow) {
            String who = "sockwarden: client \"" + client + "\" ";
            return switch (status) {
                case 413 -> who + "sent " + operation.id() + " a body over the " + Guard.BODY_CAP
                        + "-byte inspection limit: " + constraint;
                case 400 -> who + "sent " + operation.id() + " a request the guard refuses: " + field + ": " + constraint;
                default -> who + "may not call " + operation.id() + " with " + field + ": " + constraint
                        + (remedy == null ? "; no guardrail allows it" : "; to allow it: " + howToAllow.apply(remedy));
            };
        }
    }
}

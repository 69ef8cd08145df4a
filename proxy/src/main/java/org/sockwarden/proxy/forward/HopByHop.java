package org.sockwarden.proxy.forward;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), and so are not forwarded. */
final class HopByHop {

    private HopByHop() {}

    /** Copies {@code from} into {@code to}, leaving out hop-by-hop headers, those the Connection header names, and {@code also}. */
    static void copy(HttpFields from, HttpFields.Mutable to, HttpHeader... also) {
        forEachEndToEnd(from, to::add, also);
    }

    /**
     * Hands each end-to-end field of {@code from} to {@code sink}. Known headers are told apart by
     * Jetty's header enum, so a message without a Connection header costs no string work.
     */
    static void forEachEndToEnd(HttpFields from, Consumer<HttpField> sink, HttpHeader... also) {
        Set<String> named = null;
        for (HttpField f : from) {
            if (f.getHeader() == HttpHeader.CONNECTION) {
                for (String token : f.getValues()) {
                    String name = token.trim().toLowerCase(Locale.ROOT);
                    if (!name.equals("close") && !name.equals("keep-alive")) {
                        if (named == null) {
                            named = new HashSet<>();
                        }
                        named.add(name);
                    }
                }
            }
        }
        outer:
        for (HttpField f : from) {
            HttpHeader h = f.getHeader();
            if (isHopByHop(h) || (named != null && named.contains(f.getLowerCaseName()))) {
                continue;
            }
            for (HttpHeader a : also) {
                if (h == a) {
                    continue outer;
                }
            }
            sink.accept(f);
        }
    }

    private static boolean isHopByHop(HttpHeader h) {
        if (h == null) {
            return false;
        }
        return switch (h) {
            case CONNECTION, KEEP_ALIVE, PROXY_CONNECTION, PROXY_AUTHENTICATE, PROXY_AUTHORIZATION, TE, TRAILER,
                 TRANSFER_ENCODING, UPGRADE, EXPECT -> true;
            default -> false;
        };
    }
}

package org.sockwarden.proxy.forward;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;

/** Headers that describe one connection, not the message (RFC 9110 §7.6.1), and so are not forwarded. */
final class HopByHop {
    private static final Set<String> ALWAYS = Set.of(
            "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization",
            "te", "trailer", "transfer-encoding", "upgrade", "expect");

    private HopByHop() {}

    /** Copies {@code from} into {@code to}, leaving out hop-by-hop headers, those the Connection header names, and {@code also}. */
    static void copy(HttpFields from, HttpFields.Mutable to, HttpHeader... also) {
        Set<String> named = null;
        for (HttpField f : from) {
            if (f.getHeader() == HttpHeader.CONNECTION) {
                for (String token : f.getValues()) {
                    if (named == null) {
                        named = new HashSet<>();
                    }
                    named.add(token.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        outer:
        for (HttpField f : from) {
            String lower = f.getLowerCaseName();
            if (ALWAYS.contains(lower) || (named != null && named.contains(lower))) {
                continue;
            }
            for (HttpHeader h : also) {
                if (f.getHeader() == h) {
                    continue outer;
                }
            }
            to.add(f);
        }
    }
}

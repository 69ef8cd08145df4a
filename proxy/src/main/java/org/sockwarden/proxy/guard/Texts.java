package org.sockwarden.proxy.guard;

/** Client-sent values as refusals quote them: in double quotes, cut to a readable length. */
final class Texts {
    private static final int MAX = 120;

    private Texts() {}

    static String quote(String value) {
        String v = value.length() > MAX ? value.substring(0, MAX) + "..." : value;
        return "\"" + v + "\"";
    }
}

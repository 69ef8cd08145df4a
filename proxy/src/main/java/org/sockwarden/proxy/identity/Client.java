package org.sockwarden.proxy.identity;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.sockwarden.proxy.guard.Guardrails;
import org.sockwarden.proxy.policy.EnvFlags;
import org.sockwarden.proxy.policy.Permission;
import org.sockwarden.proxy.policy.PermissionSet;

/**
 * A caller sockwarden knows, with its own permissions. {@code grantAdvice} says how this
 * client's permissions are changed, so a denial can show the exact command that fixes it;
 * {@code rules} how its allowed requests are treated beyond the permission (learn mode, guardrails).
 */
public record Client(String name, PermissionSet permissions, GrantAdvice grantAdvice, ClientRules rules) {

    public Client {
        java.util.Objects.requireNonNull(rules, "rules");
    }

    /** A client with the {@link ClientRules#DEFAULT default rules}: enforcing, default guardrails. */
    public Client(String name, PermissionSet permissions, GrantAdvice grantAdvice) {
        this(name, permissions, grantAdvice, ClientRules.DEFAULT);
    }

    /** Where a client's permissions come from, and so how an operator adds one. */
    public enum GrantAdvice {
        /** The drop-in mode: env flags such as {@code NETWORKS=1}. */
        ENV_FLAGS,
        /** The admin CLI against the store. */
        CLI;

        public String howToGrant(String client, List<Permission> missing) {
            return switch (this) {
                case ENV_FLAGS -> "set " + missing.stream().map(p -> p.name() + "=1").collect(Collectors.joining(" "));
                case CLI -> "sockwarden grant " + client + " "
                        + missing.stream().map(Permission::name).collect(Collectors.joining(" "));
            };
        }

        /**
         * The exact command that adds guardrail {@code items} (one or more, in the text form) to a client that
         * has {@code now}: for the drop-in client, the whole new value of {@value EnvFlags#GUARDRAILS}, which
         * replaces the old one.
         */
        public String howToRelax(String client, Guardrails now, String items) {
            Guardrails more = Guardrails.parse(items);
            return switch (this) {
                case ENV_FLAGS -> "set " + EnvFlags.GUARDRAILS + "=" + shellWord(now.plus(more).toString());
                case CLI -> "sockwarden client set " + client
                        + more.items().stream().map(item -> " --guardrail " + shellWord(item)).collect(Collectors.joining());
            };
        }

        private static final Pattern PLAIN_WORD = Pattern.compile("[A-Za-z0-9_./=:+,@%-]+");

        /** As one shell word: {@code image=ghcr.io/acme/*} and {@code bind-path="/srv/my data"} in single quotes. */
        private static String shellWord(String s) {
            return PLAIN_WORD.matcher(s).matches() ? s : "'" + s.replace("'", "'\\''") + "'";
        }
    }
}

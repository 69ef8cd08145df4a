package org.sockwarden.admin;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The one place a running proxy's health is decided: {@code /healthz}, the status page and the
 * metrics ask it. Each part of the proxy that can be unhealthy adds a check under a name of its
 * own ({@code engine}, {@code policy}, …); a check answers null when fine, else the problem in
 * words that say what to do. Checks run when asked, on the admin listener's threads.
 */
final class HealthChecks {

    /** One failing check: its name and what is wrong. */
    record Problem(String check, String message) {}

    private final Map<String, Supplier<String>> checks = new ConcurrentHashMap<>();

    /** Adds (or replaces) the check {@code name}. */
    void add(String name, Supplier<String> problem) {
        checks.put(name, problem);
    }

    /** Every failing check, by name; empty when healthy. A check that throws is a problem, not a crash. */
    List<Problem> problems() {
        List<Problem> problems = new ArrayList<>();
        checks.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            String problem;
            try {
                problem = e.getValue().get();
            } catch (RuntimeException x) {
                problem = "health check failed: " + x;
            }
            if (problem != null) {
                problems.add(new Problem(e.getKey(), problem));
            }
        });
        return problems;
    }
}

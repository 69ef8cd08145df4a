package org.sockwarden.admin;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Reads Prometheus text exposition with the Prometheus project's own parser (Debian's
 * python3-prometheus-client, which scripts/test.sh installs): a line it cannot parse fails the
 * test, so what is checked is what a Prometheus scraper would read.
 */
final class PrometheusText {
    /** One sample of a family of the given type ({@code counter}, {@code gauge}, {@code histogram}). */
    record Sample(String family, String type, String name, Map<String, String> labels, double value) {}

    private static final String PARSER = String.join("\n",
            "import json, sys",
            "from prometheus_client.parser import text_string_to_metric_families",
            "for f in text_string_to_metric_families(sys.stdin.read()):",
            "    for s in f.samples:",
            "        print(json.dumps({'family': f.name, 'type': f.type, 'name': s.name, 'labels': s.labels, 'value': s.value}))");

    private PrometheusText() {}

    static List<Sample> parse(String text) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/bin/python3", "-c", PARSER).redirectErrorStream(false).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        }
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new AssertionError("the Prometheus parser refused the exposition: " + err + "\n--- text:\n" + text);
        }
        List<Sample> samples = new ArrayList<>();
        JsonFactory json = new JsonFactory();
        for (String line : new String(out, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            try (JsonParser j = json.createParser(line)) {
                String family = null;
                String type = null;
                String name = null;
                double value = Double.NaN;
                Map<String, String> labels = new LinkedHashMap<>();
                j.nextToken();
                while (j.nextToken() == JsonToken.FIELD_NAME) {
                    String field = j.currentName();
                    j.nextToken();
                    switch (field) {
                        case "family" -> family = j.getText();
                        case "type" -> type = j.getText();
                        case "name" -> name = j.getText();
                        case "value" -> value = j.getDoubleValue();
                        case "labels" -> {
                            while (j.nextToken() == JsonToken.FIELD_NAME) {
                                String k = j.currentName();
                                j.nextToken();
                                labels.put(k, j.getText());
                            }
                        }
                        default -> j.skipChildren();
                    }
                }
                samples.add(new Sample(family, type, name, labels, value));
            }
        }
        return samples;
    }

    /** The value of the one sample with this name and exactly these labels; fails when there is none. */
    static double value(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels)).mapToDouble(Sample::value).findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + name + labels + "; with that name: " + samples.stream()
                        .filter(s -> s.name().equals(name)).map(s -> s.labels().toString()).limit(20).toList()));
    }
}

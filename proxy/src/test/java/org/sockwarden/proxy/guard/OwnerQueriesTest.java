package org.sockwarden.proxy.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.sockwarden.proxy.api.Operation;

class OwnerQueriesTest {

    private static final Label OWNER = new Label("org.sockwarden.owner", "0123456789abcdef0123456789abcdef");
    private static final String MINE = "org.sockwarden.owner=0123456789abcdef0123456789abcdef";

    private static String filtersOf(String query) {
        for (String pair : query.split("&")) {
            if (pair.startsWith("filters=")) {
                return URLDecoder.decode(pair.substring(8), StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no filters in " + query);
    }

    private static String merged(String rawQuery) {
        return filtersOf(OwnerQueries.withOwner(Operation.CONTAINERS_LIST, rawQuery, OWNER, null));
    }

    private static String q(String filters) {
        return "all=1&filters=" + URLEncoder.encode(filters, StandardCharsets.UTF_8);
    }

    @Test
    void theOwnerLabelJoinsWhatTheClientSentInEitherForm() {
        assertThat(merged(null)).isEqualTo("{\"label\":{\"" + MINE + "\":true}}");
        assertThat(merged("all=1")).isEqualTo("{\"label\":{\"" + MINE + "\":true}}");
        assertThat(merged(q(""))).isEqualTo("{\"label\":{\"" + MINE + "\":true}}");
        assertThat(merged(q("null"))).isEqualTo("{\"label\":{\"" + MINE + "\":true}}");
        assertThat(merged(q("{\"status\":{\"running\":true},\"label\":{\"a=b\":false}}")))
                .isEqualTo("{\"status\":{\"running\":true},\"label\":{\"a=b\":true,\"" + MINE + "\":true}}");
        assertThat(merged(q("{\"label\":[\"org.sockwarden.owner=other\"],\"name\":null}")))
                .isEqualTo("{\"label\":{\"org.sockwarden.owner=other\":true,\"" + MINE + "\":true},\"name\":{}}");
        // Other parameters keep their meaning.
        String out = OwnerQueries.withOwner(Operation.CONTAINERS_LIST, "all=1&size=true&x+y=%2Fz", OWNER, null);
        assertThat(out).startsWith("all=1&size=true&x+y=%2Fz&filters=");
    }

    @Test
    void whatTheEngineWouldReadDifferentlyIsRefused() {
        for (String bad : new String[] {q("{\"label\":{\"a\":true},\"name\":[\"x\"]}"), q("["), q("\"label\""), q("{\"label\":{\"a\":1}}"),
                q("{} {}"), q(" "), q("{\"label\":[1]}"), "filters=%7B%7D&filters=%7B%7D", "%66ilters=%7B%7D&filters=%7B%7D",
                "filters=%7B%7D;a=b", "filters=%7", q("{\"label\":{},\"LABEL\":{}}"), q("{\"a\":\"\\ud800\"}")}) {
            assertThatThrownBy(() -> merged(bad)).as(bad).isInstanceOf(RefusedRequestException.class)
                    .satisfies(e -> assertThat(((RefusedRequestException) e).verdict().status()).isEqualTo(400));
        }
    }

    @Test
    void theEventStreamIsLimitedToTypesTheClientCanOwn() {
        Set<String> types = Set.of("container", "network", "volume");
        assertThat(filtersOf(OwnerQueries.withOwner(Operation.SYSTEM_EVENTS, null, OWNER, types)))
                .isEqualTo("{\"label\":{\"" + MINE + "\":true},\"type\":{\"container\":true,\"network\":true,\"volume\":true}}");
        assertThat(filtersOf(OwnerQueries.withOwner(Operation.SYSTEM_EVENTS, q("{\"type\":[\"image\",\"container\"]}"), OWNER, types)))
                .isEqualTo("{\"type\":{\"container\":true},\"label\":{\"" + MINE + "\":true}}");
        assertThatThrownBy(() -> OwnerQueries.withOwner(Operation.SYSTEM_EVENTS, q("{\"type\":{\"image\":true}}"), OWNER, types))
                .isInstanceOf(RefusedRequestException.class)
                .satisfies(e -> assertThat(((RefusedRequestException) e).verdict().status()).isEqualTo(403));
    }

    @Test
    void aSingleParameterIsReadAsTheEngineReadsItAndReplaced() {
        assertThat(OwnerQueries.single(Operation.IMAGES_COMMIT, "container=ab%2Fc&repo=x", "container")).isEqualTo("ab/c");
        assertThat(OwnerQueries.single(Operation.IMAGES_COMMIT, "repo=x", "container")).isEmpty();
        assertThatThrownBy(() -> OwnerQueries.single(Operation.IMAGES_COMMIT, "container=a&%63ontainer=b", "container"))
                .isInstanceOf(RefusedRequestException.class);
        assertThat(OwnerQueries.with("container=ab&repo=x", "container", "0f12")).isEqualTo("container=0f12&repo=x");
    }
}

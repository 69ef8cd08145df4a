package org.sockwarden.proxy.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The allow-list against the swagger-derived list of every endpoint's query parameters. */
class QueryParametersTest {

    /** Operation → union of the parameters the file documents for the endpoints routed to it. */
    private static Map<Operation, Set<String>> fromSwagger() throws IOException {
        Map<Operation, Set<String>> map = new EnumMap<>(Operation.class);
        try (InputStream in = QueryParametersTest.class.getResourceAsStream("/engine-api/query-parameters.txt")) {
            assertThat(in).isNotNull();
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] parts = line.strip().split(" ");
                if (DockerApiCatalogTest.DOCUMENTED_BUT_UNROUTED.contains("v1.24.txt " + parts[0] + " " + parts[1])) {
                    continue;
                }
                Set<Operation> ops = new HashSet<>();
                for (String path : DockerApiCatalogTest.fill(parts[1])) {
                    ops.add(DockerApi.match(parts[0], path));
                }
                assertThat(ops).as(line).hasSize(1).doesNotContainNull();
                Set<String> params = map.computeIfAbsent(ops.iterator().next(), k -> new HashSet<>());
                for (int i = 2; i < parts.length; i++) {
                    int at = parts[i].indexOf('@');
                    params.add(at < 0 ? parts[i] : parts[i].substring(0, at));
                }
            }
        }
        return map;
    }

    @Test
    void documentedParametersAreExactlyTheSwaggerOnes() throws IOException {
        Map<Operation, Set<String>> swagger = fromSwagger();
        for (Operation op : Operation.values()) {
            assertThat(QueryParameters.documented(op)).as(op.id()).isEqualTo(swagger.getOrDefault(op, Set.of()));
        }
    }

    @Test
    void undocumentedParametersAreNotInAnySwaggerAndOnlyAddedOnTop() throws IOException {
        Map<Operation, Set<String>> swagger = fromSwagger();
        for (Operation op : Operation.values()) {
            Set<String> both = new HashSet<>(QueryParameters.undocumented(op));
            both.retainAll(swagger.getOrDefault(op, Set.of()));
            assertThat(both).as(op.id()).isEmpty();
            Set<String> all = new HashSet<>(QueryParameters.documented(op));
            all.addAll(QueryParameters.undocumented(op));
            assertThat(QueryParameters.of(op)).as(op.id()).isEqualTo(all);
        }
    }

    @Test
    void routesNoSwaggerListsHaveTheirHandlersParameters() {
        assertThat(QueryParameters.of(Operation.CONTAINERS_CHECKPOINT_LIST)).containsExactly("dir");
        assertThat(QueryParameters.of(Operation.BUILD_CANCEL)).containsExactly("id");
        assertThat(QueryParameters.of(Operation.GRPC_CONNECT)).isEmpty();
    }

    @Test
    void whatDockerPySendsOnEveryContainerListIsAllowed() {
        // docker.from_env().containers.list(all=True) asks containers/json?limit=-1&all=1&size=0&trunc_cmd=0 (TlsTest.dockerPyWithItsTlsConfig).
        for (String name : List.of("limit", "all", "size", "trunc_cmd")) {
            assertThat(QueryParameters.defines(Operation.CONTAINERS_LIST, name)).as(name).isTrue();
        }
    }

    @Test
    void namesAreCaseSensitiveAsTheEngineReadsThem() {
        assertThat(QueryParameters.defines(Operation.IMAGES_CREATE, "fromSrc")).isTrue();
        assertThat(QueryParameters.defines(Operation.IMAGES_CREATE, "fromsrc")).isFalse();
        assertThat(QueryParameters.defines(Operation.CONTAINERS_START, "checkpoint-dir")).isFalse();
        assertThat(QueryParameters.defines(Operation.IMAGES_BUILD, "addcaps")).as("Podman only").isFalse();
        assertThat(QueryParameters.defines(Operation.IMAGES_BUILD, "session")).as("the docker CLI sends it").isTrue();
    }
}

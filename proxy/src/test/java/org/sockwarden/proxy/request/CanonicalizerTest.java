package org.sockwarden.proxy.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalizerTest {

    @ParameterizedTest(name = "{0} {1} -> {2} (version {3})")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
        "GET    | /_ping                                         | /_ping                                       | -",
        "HEAD   | /_ping                                         | /_ping                                       | -",
        "GET    | /v1.41/containers/json                         | /containers/json                             | 1.41",
        "GET    | /v01.41/containers/json                        | /containers/json                             | 01.41",
        "GET    | /version                                       | /version                                     | -",
        "GET    | /volumes                                       | /volumes                                     | -",
        "GET    | /containers%2Fjson                             | /containers/json                             | -",
        "GET    | /v%31.41/info                                  | /info                                        | 1.41",
        "GET    | /v1.41/images/busybox%40sha256:abc/json        | /images/busybox@sha256:abc/json              | 1.41",
        "GET    | /v1.41/images/ghcr.io%2Fa%2Fb%3Atag/json       | /images/ghcr.io/a/b:tag/json                 | 1.41",
        "GET    | /networks/                                     | /networks/                                   | -",
        "DELETE | /v1.43/containers/abc                          | /containers/abc                              | 1.43",
        "GET    | /v1.41                                         | ''                                           | 1.41",
        "GET    | /v1%2E41%2Fcontainers/json                     | /containers/json                             | 1.41",
    })
    void accepts(String method, String raw, String path, String version) throws Exception {
        CanonicalRequest c = Canonicalizer.canonicalize(method, raw);
        assertThat(c.path()).isEqualTo(path);
        assertThat(c.apiVersion()).isEqualTo(version);
    }

    @ParameterizedTest(name = "{0} {1} refused: {2}")
    @CsvSource(delimiter = '|', value = {
        "CONNECT | /containers/json                   | CONNECT is not a Docker Engine API method",
        "PATCH   | /containers/json                   | method PATCH is not used by the Docker Engine API",
        "TRACE   | /containers/json                   | method TRACE is not used",
        "get     | /containers/json                   | method get is not used",
        "GET     | containers/json                    | must be an absolute path",
        "GET     | *                                  | must be an absolute path",
        "GET     | //containers/json                  | empty path segment",
        "GET     | /containers//json                  | empty path segment",
        "GET     | /containers/%2Fjson                | empty path segment",
        "GET     | /containers/./json                 | dot segment",
        "GET     | /containers/x/../../volumes        | dot segment",
        "GET     | /containers/x/%2e%2e/archive       | dot segment",
        "GET     | /containers/x/%2E%2E%2Fexport      | dot segment",
        "GET     | /containers/json/.                 | dot segment",
        "GET     | /containers/json/..                | dot segment",
        "GET     | /containers/%252e%252e/json        | double percent-encoding",
        "GET     | /containers/%25                    | double percent-encoding",
        "GET     | /containers/x%5C..%5Cexport        | backslash",
        "GET     | /containers/x\\json                | backslash",
        "GET     | /containers/json;x=y               | semicolon",
        "GET     | /containers/json%3Bx               | semicolon",
        "GET     | /containers/json%00                | control character",
        "GET     | /containers/json%0a                | control character",
        "GET     | /containers/json%7f                | control character",
        "GET     | /containers/json%                  | malformed percent-encoding",
        "GET     | /containers/json%2                 | malformed percent-encoding",
        "GET     | /containers/json%zz                | malformed percent-encoding",
        "GET     | /containers/%u002e%u002e/json      | malformed percent-encoding",
        "GET     | /v1/containers/json                | is not of the form /vMAJOR.MINOR",
        "GET     | /v1.2.3/containers/json            | is not of the form /vMAJOR.MINOR",
        "GET     | /v./containers/json                | is not of the form /vMAJOR.MINOR",
        "GET     | /v1./containers/json               | is not of the form /vMAJOR.MINOR",
        "GET     | /v.41/containers/json              | is not of the form /vMAJOR.MINOR",
        "GET     | /v12345678.9/containers/json       | is not of the form /vMAJOR.MINOR",
    })
    void refuses(String method, String raw, String reason) {
        assertThatThrownBy(() -> Canonicalizer.canonicalize(method, raw))
                .isInstanceOf(Canonicalizer.RejectedRequestException.class)
                .hasMessageContaining(reason);
    }

    @org.junit.jupiter.api.Test
    void refusesNonAsciiAndSpaces() {
        assertThatThrownBy(() -> Canonicalizer.canonicalize("GET", "/containers/jsön"))
                .hasMessageContaining("non-ASCII");
        assertThatThrownBy(() -> Canonicalizer.canonicalize("GET", "/containers/json x"))
                .hasMessageContaining("space");
        assertThatThrownBy(() -> Canonicalizer.canonicalize("GET", "/containers/json\tx"))
                .hasMessageContaining("control character");
    }

    @org.junit.jupiter.api.Test
    void aDecodedSpaceIsAParameterByte() throws Exception {
        assertThat(Canonicalizer.canonicalize("DELETE", "/v1.41/networks/test%2001").path()).isEqualTo("/networks/test 01");
    }

    @org.junit.jupiter.api.Test
    void decodedHighBytesStayParameterBytes() throws Exception {
        assertThat(Canonicalizer.canonicalize("GET", "/containers/%C3%A9/json").path())
                .isEqualTo("/containers/\u00c3\u00a9/json");
    }
}

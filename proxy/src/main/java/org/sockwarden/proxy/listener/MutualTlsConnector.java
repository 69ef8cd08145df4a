package org.sockwarden.proxy.listener;

import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The mutual-TLS listener. Its type, not its name, tells the request handler that the client
 * certificate is the identity; it carries the trust manager that checks that certificate.
 */
final class MutualTlsConnector extends ServerConnector {
    private final ClientCertificateTrust trust;

    MutualTlsConnector(Server server, ClientCertificateTrust trust, SslContextFactory.Server ssl, ConnectionFactory http) {
        super(server, 1, 1, new SslConnectionFactory(ssl, "http/1.1"), http);
        this.trust = trust;
    }

    ClientCertificateTrust trust() {
        return trust;
    }
}

package org.sockwarden.proxy.identity;

import java.util.Optional;

/** Who a recognised caller is. Lookups happen on every request: implementations answer from memory. */
@FunctionalInterface
public interface ClientDirectory {
    Optional<Client> find(Identity identity);
}

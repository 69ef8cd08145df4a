package org.sockwarden.proxy.identity;

import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An immutable picture of every client and listener. The proxy swaps in a new one atomically
 * when the policy changes; requests read whichever was current when they started.
 */
public final class Directory {
    private final long version;
    private final Map<String, ClientConfig> byName;
    private final Map<String, ClientConfig> byListener;
    private final Map<String, ListenerAddress> listeners;

    public Directory(long version, Collection<ClientConfig> clients) {
        this.version = version;
        Map<String, ClientConfig> names = new LinkedHashMap<>();
        Map<String, ClientConfig> byKey = new HashMap<>();
        Map<String, ListenerAddress> addresses = new LinkedHashMap<>();
        for (ClientConfig c : clients) {
            if (names.put(c.name(), c) != null) {
                throw new IllegalArgumentException("two clients named " + c.name());
            }
            for (ListenerAddress l : c.listeners()) {
                ClientConfig other = byKey.put(l.key(), c);
                if (other != null) {
                    throw new IllegalArgumentException(l.key() + " is the listener of both \"" + other.name() + "\" and \"" + c.name() + "\"");
                }
                addresses.put(l.key(), l);
            }
        }
        this.byName = Collections.unmodifiableMap(names);
        this.byListener = Collections.unmodifiableMap(byKey);
        this.listeners = Collections.unmodifiableMap(addresses);
    }

    public long version() {
        return version;
    }

    /** The client whose listener this is, or null. */
    public ClientConfig byListener(String key) {
        return byListener.get(key);
    }

    public ClientConfig byName(String name) {
        return byName.get(name);
    }

    public Collection<ClientConfig> clients() {
        return byName.values();
    }

    /** Every listener, by key. */
    public Map<String, ListenerAddress> listeners() {
        return listeners;
    }
}

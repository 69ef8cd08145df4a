package org.sockwarden.proxy.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Addresses and ranges an operator types: numeric only, one spelling each, nothing guessed. */
class NumericAddressTest {

    @Test
    void onlyNumericAddressesAreRead() {
        // "cafe" and "dead.beef" are hex words: InetAddress.getByName would ask the name service.
        for (String word : new String[] {"cafe", "dead.beef", "localhost", "", "1.2.3", "10.1", "127.1", "0x7f.0.0.1", "010.0.0.1",
                "256.0.0.1", "1.2.3.4.5", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "fe80::1%eth0", ":1::", "::1.2.3"}) {
            assertThatThrownBy(() -> IpAddresses.parse(word)).as(word).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"" + word + "\"");
        }
    }

    @Test
    void eachAddressHasOneSpelling() throws Exception {
        assertThat(IpAddresses.text(IpAddresses.parse("0:0:0:0:0:0:0:1"))).isEqualTo("::1");
        assertThat(IpAddresses.text(IpAddresses.parse("2001:DB8:0:0:1:0:0:1"))).isEqualTo("2001:db8::1:0:0:1");
        assertThat(IpAddresses.text(IpAddresses.parse("2001:db8:0:0:0:0:2:1"))).isEqualTo("2001:db8::2:1");
        assertThat(IpAddresses.text(IpAddresses.parse("2001:0db8::0001"))).isEqualTo("2001:db8::1");
        assertThat(IpAddresses.text(IpAddresses.parse("1:0:1:0:1:0:1:0"))).isEqualTo("1:0:1:0:1:0:1:0");
        assertThat(IpAddresses.text(IpAddresses.parse("::"))).isEqualTo("::");
        assertThat(IpAddresses.text(IpAddresses.parse("::ffff:10.1.2.3"))).isEqualTo("10.1.2.3");
        assertThat(IpAddresses.text(IpAddresses.parse("::10.1.2.3"))).isEqualTo("::a01:203");
        assertThat(IpAddresses.parse("192.168.0.1")).isEqualTo(InetAddress.getByAddress(new byte[] {(byte) 192, (byte) 168, 0, 1}));
    }

    @Test
    void listenersWithTheSameAddressAndPortHaveTheSameKey() {
        assertThat(ListenerAddress.Tcp.parse("127.0.0.1:02380").key()).isEqualTo("127.0.0.1:2380");
        assertThat(ListenerAddress.Tcp.parse("127.0.0.1:0043855").key()).isEqualTo("127.0.0.1:43855");
        assertThat(ListenerAddress.Tcp.parse("::1:2380").key()).isEqualTo("[::1]:2380");
        assertThat(ListenerAddress.Tcp.parse("[0:0:0:0:0:0:0:1]:2380").key()).isEqualTo("[::1]:2380");
        assertThat(ListenerAddress.Tcp.parse("[::ffff:127.0.0.1]:2380").key()).isEqualTo("127.0.0.1:2380");
        for (String bad : new String[] {"localhost:2375", "cafe:2375", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                "127.0.0.1:+80", "[::1]2375", "[::1]", ":2375", "10.1:2375"}) {
            assertThatThrownBy(() -> ListenerAddress.Tcp.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("\"" + bad + "\"");
        }
    }

    @Test
    void rangesAreNumericWithoutHostBits() {
        assertThat(Cidr.parse("10.0.0.0/8").text()).isEqualTo("10.0.0.0/8");
        assertThat(Cidr.parse("10.0.0.1").text()).isEqualTo("10.0.0.1/32");
        assertThat(Cidr.parse("2001:DB8::/32").text()).isEqualTo("2001:db8::/32");
        assertThat(Cidr.parse("::1").text()).isEqualTo("::1/128");
        assertThat(Cidr.parse("0.0.0.0/0").contains(IpAddresses.parse("203.0.113.9"))).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains(IpAddresses.parse("10.200.1.1"))).isTrue();
        assertThat(Cidr.parse("10.0.0.0/8").contains(IpAddresses.parse("11.0.0.1"))).isFalse();
        assertThat(Cidr.parse("172.16.0.0/12").contains(IpAddresses.parse("172.31.255.255"))).isTrue();
        assertThat(Cidr.parse("172.16.0.0/12").contains(IpAddresses.parse("172.32.0.0"))).isFalse();
        assertThatThrownBy(() -> Cidr.parse("10.1.2.3/8")).hasMessageContaining("\"10.1.2.3/8\" has bits set after its first 8")
                .hasMessageContaining("10.0.0.0/8");
        assertThatThrownBy(() -> Cidr.parse("cafe")).hasMessageContaining("\"cafe\"");
        assertThatThrownBy(() -> Cidr.parse("10.1/16")).hasMessageContaining("\"10.1/16\"");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("\"10.0.0.0/33\"");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/08")).hasMessageContaining("\"10.0.0.0/08\"");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/")).hasMessageContaining("\"10.0.0.0/\"");
        assertThatThrownBy(() -> Cidr.parse("::ffff:10.0.0.0/104")).hasMessageContaining("IPv4-mapped");
    }
}

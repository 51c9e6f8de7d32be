import Testing
@testable import NetAddress

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("10.0.0.1", "10.0.0.1"), ("0.0.0.0", "0.0.0.0"), ("255.255.255.255", "255.255.255.255"),
        ("::", "::"), ("::1", "::1"), ("2001:db8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:1:0:0:0:1", "2001:db8:0:1::1"), ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("fe80::1:2", "fe80::1:2"), ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"), ("::ffff:10.1.2.3", "10.1.2.3"),
        ("::10.1.2.3", "::a01:203"), ("FD00::ABCD", "fd00::abcd"), ("1::", "1::"),
    ])
    func roundTrip(input: String, printed: String) throws {
        let ip = try #require(IPAddress(input))
        #expect(ip.description == printed)
        #expect(IPAddress(printed) == ip)
    }

    @Test(arguments: [
        "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.4/24", ":::", "1:2:3:4:5:6:7:8:9",
        "1::2::3", "12345::", "g::", "1.2.3.4:", "fe80::1%eth0", ":1::", "1:", "1.2.3.",
    ])
    func rejects(input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func arithmetic() throws {
        let ip = try #require(IPAddress("10.0.0.255"))
        #expect(ip.next.description == "10.0.1.0")
        #expect(ip.previous.description == "10.0.0.254")
        #expect(IPAddress("255.255.255.255")!.next.description == "0.0.0.0")
        #expect(IPAddress("::ffff:ffff:ffff:ffff")!.next.description == "0:0:0:1::")
        #expect(IPAddress("0:0:0:1::")!.previous.description == "::ffff:ffff:ffff:ffff")
        #expect(IPAddress("10.0.1.0")!.distance(from: IPAddress("10.0.0.0")!) == 256)
        #expect(IPAddress("fd00::1")!.distance(from: IPAddress("fd00::ff")!) == -254)
    }

    @Test func classification() {
        #expect(IPAddress("10.1.1.1")!.isGlobalUnicast)
        #expect(!IPAddress("127.0.0.1")!.isGlobalUnicast)
        #expect(!IPAddress("fe80::1")!.isGlobalUnicast)
        #expect(IPAddress("ff02::1")!.isMulticast)
        #expect(IPAddress("224.0.0.1")!.isMulticast)
        #expect(IPAddress("::1")!.isLoopback)
        #expect(IPAddress("1.2.3.4")!.bytes == [1, 2, 3, 4])
        #expect(IPAddress(bytes: IPAddress("2001:db8::5")!.bytes) == IPAddress("2001:db8::5"))
    }
}

@Suite struct IPNetworkTests {
    @Test func parsing() throws {
        let n = try #require(IPNetwork("10.1.2.3/24"))
        #expect(n.network.description == "10.1.2.0/24")
        #expect(n.lastAddress.description == "10.1.2.255")
        #expect(n.netmask.description == "255.255.255.0")
        #expect(!n.isNetworkAddress)
        #expect(n.contains(IPAddress("10.1.2.200")!))
        #expect(!n.contains(IPAddress("10.1.3.0")!))
        let v6 = try #require(IPNetwork("2001:db8:1::5/64"))
        #expect(v6.network.description == "2001:db8:1::/64")
        #expect(v6.lastAddress.description == "2001:db8:1:0:ffff:ffff:ffff:ffff")
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPNetwork("10.0.0.0") == nil)
        #expect(IPNetwork("10.0.0.0/+8") == nil)
        #expect(IPNetwork("0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        #expect(IPNetwork("10.0.0.0/8")!.overlaps(IPNetwork("10.2.0.0/16")!))
        #expect(!IPNetwork("10.0.0.0/16")!.overlaps(IPNetwork("10.1.0.0/16")!))
    }
}

@Suite struct MACAndHashTests {
    @Test func mac() throws {
        let m = try #require(MACAddress("0A:1b:2c:3d:4e:5f"))
        #expect(m.description == "0a:1b:2c:3d:4e:5f")
        #expect(MACAddress("0a:1b:2c:3d:4e") == nil)
        #expect(!MACAddress("01:00:5e:00:00:01")!.isUsableUnicast)
    }

    @Test func sha512MatchesCnitoolVector() {
        // cnitool's container ID for /var/run/netns/testing (libcni docs).
        #expect("cnitool-" + SHA512.hex("/var/run/netns/testing").prefix(20) == "cnitool-77383ca0a0715733ca6f")
        #expect(SHA512.hex("").hasPrefix("cf83e1357eefb8bd"))
    }
}

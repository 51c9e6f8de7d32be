import CNI
import NetAddress
import Netlink
import PluginKit
import Testing

@testable import Bandwidth

/// bandwidth's options (the embedded entry and runtimeConfig, the reference's checks), the HTB
/// layout per direction and the ifb device's name.
struct BandwidthConfigTests {
    static func config(_ members: String) throws -> BandwidthConfig {
        try BandwidthConfig(NetworkConfig(bytes: Array(#"{"cniVersion":"1.0.0","name":"net1","type":"bandwidth",\#(members)}"#.utf8)))
    }

    static func failure(_ members: String) -> PluginError? {
        do {
            _ = try config(members)
            return nil
        } catch {
            return error as? PluginError
        }
    }

    @Test func topLevelThenRuntimeConfig() throws {
        let top = try #require(try Self.config(#""ingressRate":8000,"ingressBurst":800,"runtimeConfig":{"bandwidth":{"egressRate":1,"egressBurst":1}}"#).limits)
        #expect(top.ingress == TokenBucket(rate: 8000, burst: 800) && top.egress == nil)
        let runtime = try #require(try Self.config(#""runtimeConfig":{"bandwidth":{"egressRate":16000,"egressBurst":1600,"unshapedSubnets":["10.0.0.0/8"]}}"#).limits)
        #expect(runtime.egress == TokenBucket(rate: 16000, burst: 1600) && runtime.unshapedSubnets == [IPNetwork("10.0.0.0/8")!])
        // Any top-level key hides runtimeConfig, null too (Go allocates the embedded entry).
        #expect(try Self.config(#""egressRate":null,"runtimeConfig":{"bandwidth":{"egressRate":16000,"egressBurst":1600}}"#).limits?.isZero == true)
        #expect(try Self.config(#""runtimeConfig":{"bandwidth":null}"#).limits == nil)
        #expect(try Self.config(#""INGRESSRATE":8,"IngressBurst":8"#).limits?.ingress != nil)
    }

    @Test func theReferencesChecks() throws {
        #expect(Self.failure(#""ingressRate":1000"#)?.message == "if rate is set, burst must also be set")
        #expect(Self.failure(#""egressBurst":1000"#)?.message == "if burst is set, rate must also be set")
        #expect(Self.failure(#""egressRate":1000,"egressBurst":34359738360"#)?.message == "burst cannot be more than 4GB")
        #expect(Self.failure(#""egressRate":1000,"egressBurst":10,"shapedSubnets":["10.0.0.0/8"],"unshapedSubnets":["10.1.0.0/16"]"#)?.message
            == "unshapedSubnets and shapedSubnets cannot be both specified, one of them should be discarded")
        #expect(Self.failure(#""egressRate":1000,"egressBurst":10,"shapedSubnets":["10.0.0.1"]"#)?.message
            == #"bad subnet "10.0.0.1" provided, details invalid CIDR address: 10.0.0.1"#)
        #expect(Self.failure(#""egressRate":7,"egressBurst":10"#)?.kind == .invalidConfig)
        #expect(Self.failure(#""egressRate":-1"#)?.kind == .decoding)
        #expect(Self.failure(#""egressRate":1.5"#)?.kind == .decoding)
        // Zero limits: subnets are not even looked at, as in the reference.
        #expect(try Self.config(#""shapedSubnets":["x"]"#).limits?.isZero == true)
    }

    @Test func htbLayoutPerDirection() throws {
        var limits = try #require(try Self.config(#""egressRate":8000000,"egressBurst":80000,"unshapedSubnets":["10.1.2.3/16","fd00:1::/48","0.0.0.0/0"]"#).limits)
        let egress = Shaping(try #require(limits.egress), limits: limits, match: .destination)
        #expect(egress.defaultClass == Shaping.shapedClass)
        let filters = egress.filters(on: 5)
        #expect(filters.map(\.classID) == [Shaping.unshapedClass, Shaping.unshapedClass, Shaping.unshapedClass])
        #expect(filters[0].keys == [U32Key(mask: 0xffff_0000, value: 0x0a01_0000, offset: 16)] && filters[0].priority == 16)
        #expect(filters[1].keys == [U32Key(mask: 0xffff_ffff, value: 0xfd00_0001, offset: 24), U32Key(mask: 0xffff_0000, value: 0, offset: 28)])
        #expect(filters[1].priority == 15 && filters[1].protocolType == EtherType.ipv6)
        #expect(filters[2].keys == [U32Key()])
        // Ingress matches the source: traffic from an unshaped subnet into the container.
        #expect(Shaping(try #require(limits.egress), limits: limits, match: .source).filters(on: 5)[0].keys[0].offset == 12)
        limits = try #require(try Self.config(#""egressRate":8000000,"egressBurst":80000,"shapedSubnets":["10.0.0.0/8"]"#).limits)
        let shaped = Shaping(try #require(limits.egress), limits: limits, match: .destination)
        #expect(shaped.defaultClass == Shaping.unshapedClass && shaped.filters(on: 5).map(\.classID) == [Shaping.shapedClass])
        // 80000 bits = 10000 bytes at 1 MB/s: 10 ms, 156250 ticks; ceiling twice the rate.
        let classes = shaped.classes(on: 5, clock: .standard)
        #expect(classes[0].rate == 1_000_000 && classes[0].ceil == 2_000_000 && classes[0].buffer == 156_250 && classes[0].ceilBuffer == 156_250)
        #expect(classes[1].rate == 100_000_000_000 && classes[1].buffer == 0)
    }

    @Test func ifbNamesAndAliases() {
        #expect(IFBDevice.name(network: "chainnet", containerID: "ctr1") == "bwp05f1077a5123")
        #expect(IFBDevice.network(fromAlias: IFBDevice.alias(network: "n1")) == "n1")
        #expect(IFBDevice.alias(network: String(repeating: "x", count: 300)) == nil)
        #expect(IFBDevice.network(fromAlias: "something else") == nil)
    }
}

import Bridge
import CNI
import NetAddress
import Netlink
import Testing

/// The bridge config as the reference reads it: defaults, every option, its checks and messages.
@Suite struct BridgeConfigTests {
    func parse(_ extra: String, args: String = "") throws -> BridgeConfig {
        let text = #"{"cniVersion":"1.0.0","name":"net1","type":"bridge""# + (extra.isEmpty ? "" : "," + extra) + "}"
        return try BridgeConfig(NetworkConfig(bytes: Array(text.utf8)), args: CNIArgs(args))
    }

    func failure(_ extra: String, args: String = "") -> CNIError? {
        do {
            _ = try parse(extra, args: args)
            return nil
        } catch {
            return CNIError(error)
        }
    }

    @Test func defaults() throws {
        let c = try parse("")
        #expect(c.network == "net1")
        #expect(c.bridge == "cni0")
        #expect(!c.isGateway && !c.isDefaultGateway && !c.forceAddress && !c.ipMasq)
        #expect(c.ipMasqBackend == nil && c.mtu == nil && c.mac == nil && c.dns == nil)
        #expect(!c.hairpinMode && !c.promiscMode && !c.macSpoofCheck && !c.enableDAD)
        #expect(!c.disableContainerInterface && !c.portIsolation && !c.preserveDefaultVlan)
        #expect(c.vlan == 0 && c.vlanTrunk.isEmpty && !c.usesVLANs)
        #expect(c.ipamType == "" && !c.isLayer3)
    }

    @Test func everyOption() throws {
        let c = try parse(
            #""bridge":"br9","isGateway":false,"isDefaultGateway":true,"forceAddress":true,"ipMasq":true,"ipMasqBackend":"nftables","mtu":1400,"hairpinMode":true,"vlan":7,"vlanTrunk":[{"id":9}],"preserveDefaultVlan":true,"macspoofchk":true,"enabledad":true,"portIsolation":true,"ipam":{"type":"host-local"}"#)
        #expect(c.bridge == "br9")
        #expect(c.isDefaultGateway && c.isGateway, "isDefaultGateway implies isGateway")
        #expect(c.forceAddress && c.ipMasq && c.ipMasqBackend == "nftables" && c.mtu == 1400)
        #expect(c.hairpinMode && c.vlan == 7 && c.vlanTrunk == [9] && c.preserveDefaultVlan && c.usesVLANs)
        #expect(c.macSpoofCheck && c.enableDAD && c.portIsolation)
        #expect(c.ipamType == "host-local" && c.isLayer3)
    }

    @Test func stringBooleansAsTheDocsWriteThem() throws {
        let c = try parse(#""portIsolation":"true","hairpinMode":"false""#)
        #expect(c.portIsolation && !c.hairpinMode)
        #expect(failure(#""ipMasq":"yes""#)?.code == .decodingFailure)
        #expect(failure(#""ipMasq":1"#)?.msg == "network config: \"ipMasq\" must be a boolean, found a number")
    }

    @Test func vlanRange() throws {
        #expect(try parse(#""vlan":4094"#).vlan == 4094)
        let e = failure(#""vlan":4095"#)
        #expect(e?.code == .invalidNetworkConfig)
        #expect(e?.msg == "invalid VLAN ID 4095 (must be between 0 and 4094)")
        #expect(failure(#""vlan":-1"#)?.msg == "invalid VLAN ID -1 (must be between 0 and 4094)")
        #expect(failure(#""vlan":"7""#)?.code == .decodingFailure)
    }

    @Test func vlanTrunkIdsAndRangesSortedWithoutDuplicates() throws {
        let c = try parse(#""vlanTrunk":[{"id":30},{"minID":10,"maxID":12},{"id":11},{"minID":40,"maxID":40,"id":5}]"#)
        #expect(c.vlanTrunk == [5, 10, 11, 12, 30, 40])
        #expect(try parse(#""vlanTrunk":[]"#).vlanTrunk.isEmpty)
        #expect(try parse(#""vlanTrunk":[{}]"#).vlanTrunk.isEmpty)
    }

    @Test(arguments: [
        (#"[{"id":0}]"#, "incorrect trunk id parameter"),
        (#"[{"id":4095}]"#, "incorrect trunk id parameter"),
        (#"[{"minID":0,"maxID":5}]"#, "incorrect trunk minID parameter"),
        (#"[{"minID":1,"maxID":5000}]"#, "incorrect trunk maxID parameter"),
        (#"[{"minID":9,"maxID":5}]"#, "minID is greater than maxID in trunk parameter"),
        (#"[{"maxID":5}]"#, "minID and maxID should be configured simultaneously, minID is missing"),
        (#"[{"minID":5}]"#, "minID and maxID should be configured simultaneously, maxID is missing"),
    ])
    func badTrunks(trunk: String, message: String) {
        let e = failure(#""vlanTrunk":"# + trunk)
        #expect(e?.code == .invalidNetworkConfig)
        #expect(e?.msg == message)
    }

    @Test func macPrecedenceRuntimeConfigThenArgsThenCNIArgs() throws {
        let cniArgs = "IgnoreUnknown=1;MAC=0a:00:00:00:00:01"
        #expect(try parse("", args: cniArgs).mac?.description == "0a:00:00:00:00:01")
        #expect(try parse(#""args":{"cni":{"mac":"0a:00:00:00:00:02"}}"#, args: cniArgs).mac?.description == "0a:00:00:00:00:02")
        let all = #""args":{"cni":{"mac":"0a:00:00:00:00:02"}},"runtimeConfig":{"mac":"0A-00-00-00-00-03"}"#
        #expect(try parse(all, args: cniArgs).mac?.description == "0a:00:00:00:00:03")
        // Empty strings do not override.
        #expect(try parse(#""runtimeConfig":{"mac":""}"#, args: cniArgs).mac?.description == "0a:00:00:00:00:01")
    }

    @Test func badMACsAreConfigErrors() {
        #expect(failure(#""runtimeConfig":{"mac":"zz:00:00:00:00:01"}"#)?.msg == "invalid MAC address \"zz:00:00:00:00:01\"")
        #expect(failure(#""runtimeConfig":{"mac":"01:00:5e:00:00:01"}"#)?.code == .invalidNetworkConfig)
        #expect(failure("", args: "MAC=00:00:00:00:00:00")?.msg == "MAC address 00:00:00:00:00:00 is not a unicast address")
    }

    @Test func conflictingOptions() {
        #expect(failure(#""hairpinMode":true,"promiscMode":true"#)?.msg == "cannot set hairpin mode and promiscuous mode at the same time")
        #expect(failure(#""disableContainerInterface":true,"ipam":{"type":"host-local"}"#)?.code == .invalidNetworkConfig)
        #expect(failure(#""ipMasqBackend":"pf""#)?.msg == "unknown ipmasq backend \"pf\"")
    }

    @Test func bridgeNameAndMTUAreCheckedBeforeAnythingIsCreated() {
        #expect(failure(#""bridge":"a-very-long-bridge-name""#)?.code == .invalidNetworkConfig)
        #expect(failure(#""bridge":"../x""#)?.code == .invalidNetworkConfig)
        #expect(failure(#""bridge":"br 0""#)?.code == .invalidNetworkConfig)
        #expect(failure(#""mtu":70000"#)?.msg
            == #"network config: "mtu": invalid MTU 70000 (must be 0 for the kernel's default, or between 68 and 65535)"#)
    }

    @Test func dnsOverridesOnlyWhenAFieldIsSet() throws {
        #expect(try parse(#""dns":{}"#).dns == nil)
        #expect(try parse(#""dns":{"domain":""}"#).dns == nil)
        #expect(try parse(#""dns":{"nameservers":["10.0.0.53"]}"#).dns?.nameservers == ["10.0.0.53"])
        // A present list counts even when empty, as a non-nil Go slice does.
        #expect(try parse(#""dns":{"search":[]}"#).dns == DNS())
    }

    @Test func teardownReadingForDelete() throws {
        let text = #"{"cniVersion":"1.0.0","name":"net1","type":"bridge","vlan":9999,"hairpinMode":true,"promiscMode":true,"ipMasq":true,"macspoofchk":"true","ipam":{"type":"host-local"}}"#
        let config = try NetworkConfig(bytes: Array(text.utf8))
        #expect(throws: BridgeError.self) { try BridgeConfig(config, args: CNIArgs("")) }
        let teardown = BridgeConfig(teardown: config)
        #expect(teardown.ipMasq && teardown.macSpoofCheck && teardown.isLayer3 && teardown.network == "net1")
        // Flags that switch a cleanup on count as on when they do not read; the rest is unset.
        let mistyped = #"{"cniVersion":"1.0.0","name":"net1","type":"bridge","ipMasq":1,"macspoofchk":"yes","bridge":5,"ipam":{"type":"host-local"}}"#
        let unreadable = BridgeConfig(teardown: try NetworkConfig(bytes: Array(mistyped.utf8)))
        #expect(unreadable.ipMasq && unreadable.macSpoofCheck && unreadable.bridge == "cni0")
        let plain = BridgeConfig(teardown: try NetworkConfig(bytes: Array(#"{"cniVersion":"1.0.0","name":"n","type":"bridge"}"#.utf8)))
        #expect(!plain.ipMasq && !plain.macSpoofCheck && !plain.isLayer3)
    }
}

/// The reference's calcGateways: gateways, default routes, bridge addresses.
@Suite struct BridgeGatewayTests {
    func config(_ extra: String) throws -> BridgeConfig {
        let text = #"{"cniVersion":"1.0.0","name":"n","type":"bridge","ipam":{"type":"x"}"# + extra + "}"
        return try BridgeConfig(NetworkConfig(bytes: Array(text.utf8)), args: CNIArgs(""))
    }

    func ipamResult(gateways: Bool, routes: [CNIResult.Route] = []) -> CNIResult {
        CNIResult(
            ips: [
                .init(address: IPNetwork("10.1.2.7/24")!, gateway: gateways ? IPAddress("10.1.2.254") : nil),
                .init(address: IPNetwork("fd00:1::7/64")!, gateway: gateways ? IPAddress("fd00:1::fe") : nil),
                .init(address: IPNetwork("10.9.0.7/16")!),
            ],
            routes: routes)
    }

    @Test func withoutGatewayOptionsOnlyTheInterfaceIndexChanges() throws {
        var result = ipamResult(gateways: false)
        let gateways = Gateways(result: &result, config: try config(""))
        #expect(gateways.addresses.isEmpty)
        #expect(result.ips.allSatisfy { $0.interface == 2 && $0.gateway == nil })
        #expect(result.routes.isEmpty)
    }

    @Test func isGatewayFillsMissingGatewaysWithTheSubnetsFirstAddress() throws {
        var result = ipamResult(gateways: false)
        let gateways = Gateways(result: &result, config: try config(#","isGateway":true"#))
        #expect(result.ips.map { $0.gateway?.description } == ["10.1.2.1", "fd00:1::1", "10.9.0.1"])
        #expect(gateways.addresses.map(\.description) == ["10.1.2.1/24", "10.9.0.1/16", "fd00:1::1/64"])
        #expect(gateways.families == [.v4, .v6])
        #expect(result.routes.isEmpty)
    }

    @Test func ipamGatewaysAreKept() throws {
        var result = ipamResult(gateways: true)
        let gateways = Gateways(result: &result, config: try config(#","isGateway":true"#))
        #expect(gateways.addresses.map(\.description) == ["10.1.2.254/24", "10.9.0.1/16", "fd00:1::fe/64"])
    }

    @Test func defaultRoutePerFamilyUnlessIPAMHasOne() throws {
        var result = ipamResult(gateways: false)
        _ = Gateways(result: &result, config: try config(#","isDefaultGateway":true"#))
        #expect(result.routes == [
            .init(dst: IPNetwork("0.0.0.0/0")!, gw: IPAddress("10.1.2.1")),
            .init(dst: IPNetwork("::/0")!, gw: IPAddress("fd00:1::1")),
        ])
        var withRoute = ipamResult(gateways: false, routes: [.init(dst: IPNetwork("0.0.0.0/0")!, gw: IPAddress("10.1.2.9"))])
        _ = Gateways(result: &withRoute, config: try config(#","isDefaultGateway":true"#))
        #expect(withRoute.routes.map(\.dst.description) == ["0.0.0.0/0", "::/0"])
        // A default route without a gateway does not count.
        var gwless = ipamResult(gateways: false, routes: [.init(dst: IPNetwork("0.0.0.0/0")!)])
        _ = Gateways(result: &gwless, config: try config(#","isDefaultGateway":true"#))
        #expect(gwless.routes.count == 3)
    }
}

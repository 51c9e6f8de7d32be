import CNI
import Flannel
import NetAddress
import Testing

/// The subnet file and the delegate config, without processes: flannel-io/cni-plugin's own
/// expectations (flannel_linux_test.go), byte for byte as Go's `json.Marshal` writes them.
@Suite struct FlannelConfigTests {
    static let dualStack = """
        FLANNEL_NETWORK=10.1.0.0/16
        FLANNEL_SUBNET=10.1.17.1/24
        FLANNEL_IPV6_NETWORK=fc00::/48
        FLANNEL_IPV6_SUBNET=fc00::1/64
        FLANNEL_MTU=1472
        FLANNEL_IPMASQ=true

        """

    func config(_ json: String) throws -> FlannelConfig {
        try FlannelConfig(NetworkConfig(bytes: Array(json.utf8)))
    }

    func rendered(_ json: String, env text: String = Self.dualStack) throws -> String {
        let env = try SubnetEnv(text: text, path: "/run/flannel/subnet.env")
        return JSONSerializer.string(.object(try DelegateConfig.render(try config(json), env)))
    }

    @Test func subnetFileKeysAndNetworkAddresses() throws {
        let env = try SubnetEnv(text: Self.dualStack, path: "f")
        #expect(env.networks == [IPNetwork("10.1.0.0/16")!])
        #expect(env.subnet == IPNetwork("10.1.17.0/24")!)  // host bits cleared, as ParseCIDR's network
        #expect(env.ipv6Networks == [IPNetwork("fc00::/48")!])
        #expect(env.ipv6Subnet == IPNetwork("fc00::/64")!)
        #expect(env.mtu == 1472 && env.ipMasq == true)
        let many = try SubnetEnv(text: "FLANNEL_NETWORK=10.1.0.0/16,192.168.0.0/16,10.1.0.0/16\r\nFLANNEL_SUBNET=10.1.17.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=false\nOTHER=1\n# x", path: "f")
        #expect(many.networks.map(\.description) == ["10.1.0.0/16", "192.168.0.0/16"])
        #expect(many.ipMasq == false && many.mtu == 1450)
    }

    @Test func subnetFileErrorsName() throws {
        #expect(throws: FlannelError(.subnetFile, "f is missing FLANNEL_SUBNET, FLANNEL_IPV6_SUBNET, FLANNEL_IPMASQ")) {
            try SubnetEnv(text: "FLANNEL_NETWORK=10.1.0.0/16\nFLANNEL_MTU=1450\n", path: "f")
        }
        #expect(throws: FlannelError(.subnetFile, "f is missing FLANNEL_NETWORK, FLANNEL_IPV6_NETWORK, FLANNEL_SUBNET, FLANNEL_IPV6_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ")) {
            try SubnetEnv(text: "", path: "f")
        }
        #expect(throws: FlannelError(.subnetFile, "invalid CIDR address: 10.1.0.0")) {
            try SubnetEnv(text: "FLANNEL_NETWORK=10.1.0.0\n", path: "f")
        }
        #expect(throws: FlannelError(.subnetFile, "strconv.ParseUint: parsing \" 1450\": invalid syntax")) {
            try SubnetEnv(text: "FLANNEL_MTU= 1450\n", path: "f")
        }
        #expect(throws: FlannelError(.subnetFile, "f: FLANNEL_MTU has no value")) { try SubnetEnv(text: "FLANNEL_MTU\n", path: "f") }
    }

    @Test func defaultDelegateIsBridgeWithHostLocalRangesAndClusterRoutes() throws {
        #expect(try rendered(#"{"name":"cni-flannel","type":"flannel"}"#) == #"{"ipMasq":false,"ipam":{"ranges":[[{"subnet":"10.1.17.0/24"}],[{"subnet":"fc00::/64"}]],"routes":[{"dst":"10.1.0.0/16"},{"dst":"fc00::/48"}],"type":"host-local"},"isGateway":true,"mtu":1472,"name":"cni-flannel","type":"bridge"}"#)
        let v4only = "FLANNEL_NETWORK=10.1.0.0/16,192.168.0.0/16\nFLANNEL_SUBNET=10.1.17.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n"
        #expect(try rendered(#"{"cniVersion":"1.0.0","name":"cni-flannel","type":"flannel"}"#, env: v4only) == #"{"cniVersion":"1.0.0","ipMasq":true,"ipam":{"ranges":[[{"subnet":"10.1.17.0/24"}]],"routes":[{"dst":"10.1.0.0/16"},{"dst":"192.168.0.0/16"}],"type":"host-local"},"isGateway":true,"mtu":1472,"name":"cni-flannel","type":"bridge"}"#)
    }

    @Test func delegateAndIPAMSectionsAreCompletedNotReplaced() throws {
        let conf = #"""
            {"cniVersion":"0.4.0","name":"pods","type":"flannel",
             "ipam":{"type":"my-ipam","unknown-param":"unknown-value","dataDir":"/x","routes":[{"dst":"10.96.0.0/12"},{"gw":"10.1.17.20","dst":"192.168.244.0/24"}],"num":1.0e2},
             "delegate":{"hairpinMode":true,"isDefaultGateway":true,"mtu":1400,"ipMasq":true,"z":{"b":1,"a":2},"cniVersion":"0.3.1"},
             "runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}}
            """#
        #expect(try rendered(conf) == #"{"cniVersion":"0.4.0","hairpinMode":true,"ipMasq":true,"ipam":{"dataDir":"/x","num":100,"ranges":[[{"subnet":"10.1.17.0/24"}],[{"subnet":"fc00::/64"}]],"routes":[{"dst":"10.96.0.0/12"},{"dst":"192.168.244.0/24","gw":"10.1.17.20"},{"dst":"10.1.0.0/16"},{"dst":"fc00::/48"}],"type":"my-ipam","unknown-param":"unknown-value"},"isDefaultGateway":true,"isGateway":true,"mtu":1400,"name":"pods","runtimeConfig":{"portMappings":[{"containerPort":80,"hostPort":8080,"protocol":"tcp"}]},"type":"bridge","z":{"a":2,"b":1}}"#)
        // isGateway only for bridge; an explicit isGateway is kept.
        #expect(try rendered(#"{"name":"n","delegate":{"type":"ipvlan","master":"eth0"}}"#) == #"{"ipMasq":false,"ipam":{"ranges":[[{"subnet":"10.1.17.0/24"}],[{"subnet":"fc00::/64"}]],"routes":[{"dst":"10.1.0.0/16"},{"dst":"fc00::/48"}],"type":"host-local"},"master":"eth0","mtu":1472,"name":"n","type":"ipvlan"}"#)
        #expect(try rendered(#"{"name":"n","delegate":{"isGateway":false}}"#).contains(#""isGateway":false"#))
    }

    @Test func delegateSectionMistakesAreConfigErrors() throws {
        #expect(throws: FlannelError(.invalidConfig, "'delegate' dictionary must not have 'name' field, it'll be set by flannel")) {
            try rendered(#"{"name":"n","delegate":{"name":"x"}}"#)
        }
        #expect(throws: FlannelError(.invalidConfig, "'delegate' dictionary must not have 'ipam' field, it'll be set by flannel")) {
            try rendered(#"{"name":"n","delegate":{"ipam":{}}}"#)
        }
        #expect(throws: FlannelError(.invalidConfig, "'delegate' dictionary, if present, must have (string) 'type' field")) {
            try rendered(#"{"name":"n","delegate":{"type":5}}"#)
        }
        #expect(throws: (any Error).self) { try rendered(#"{"name":"n","ipam":{"routes":[{"dst":"x"}]}}"#) }
        #expect(throws: (any Error).self) { try config(#"{"name":"n","delegate":[]}"#) }
    }

    @Test func subnetFileAndDataDirDefaultsFollowGo() throws {
        let plain = try config(#"{"name":"n"}"#)
        #expect(plain.subnetFile == "/run/flannel/subnet.env" && plain.dataDir == "/var/lib/cni/flannel")
        let set = try config(#"{"name":"n","SubnetFile":"/a","datadir":"/b"}"#)
        #expect(set.subnetFile == "/a" && set.dataDir == "/b")
        let nulls = try config(#"{"name":"n","subnetFile":null,"dataDir":""}"#)
        #expect(nulls.subnetFile == "/run/flannel/subnet.env" && nulls.dataDir == "")
    }
}

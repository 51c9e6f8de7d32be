/// bridge + host-local. The masquerade backend is pinned to iptables (`ipMasqBackend`, a key the
/// reference 1.1.1 does not know and ignores): that is the only backend Debian's binary has.
extension DiffTable {
    static let bridgeIPAM = #""type":"host-local","dataDir":"/var/lib/cni/dd","ranges":[[{"subnet":"10.88.0.0/24"}]]"#
    static let dualStackIPAM = #""type":"host-local","dataDir":"/var/lib/cni/dd","ranges":[[{"subnet":"10.88.0.0/24"}],[{"subnet":"fd88::/64"}]]"#

    static func bridgeConf(
        header: String = Conf.header, ipamKey: String = "ipam", ipam: String? = bridgeIPAM, _ extra: [String]
    ) -> [UInt8] {
        Conf.object([header, #""type":"bridge","ipMasqBackend":"iptables""#, ipam.map { "\"\(ipamKey)\":{\($0)}" } ?? ""] + extra)
    }

    /// Rows for the options bridge and ptp share (their veth-plugin config).
    static func vethRows(_ row: IPAMRowBuilder) -> [DiffCase] {
        [
            row("key case", "ipmasq", #""ipmasq":true"#),
            row("key case", "IPMasq", #""IPMasq":true"#),
            row("key case", "Mtu", #""Mtu":1400"#),
            row("key case", "IPAM", ipamKey: "IPAM"),
            row("duplicates", "mtu 1300 then 1400", #""mtu":1300,"mtu":1400"#),
            row("duplicates", "ipMasq true then false", #""ipMasq":true,"ipMasq":false"#),
            row("duplicates", "ipam objects merge", #""ipam":{"dataDir":"/var/lib/cni/dd2","ranges":[[{"subnet":"10.87.0.0/24"}]]}"#),
            row("null", "mtu", #""mtu":null"#),
            row("null", "ipMasq", #""ipMasq":null"#),
            row("null", "dns", #""dns":null"#),
            row("numbers", "mtu 1400.0", #""mtu":1400.0"#, deliberate: .refused),
            row("numbers", "mtu 1e3", #""mtu":1e3"#, deliberate: .refused),
            row("numbers", "mtu -1", #""mtu":-1"#, deliberate: [.mtuRange]),
            row("numbers", "mtu 4294968696 (2^32 + 1400)", #""mtu":4294968696"#, deliberate: [.mtuRange]),
            row("strings", "ipMasq \"true\"", #""ipMasq":"true""#, deliberate: [.stringBooleans]),
            row("strings", "mtu \"1400\"", #""mtu":"1400""#, deliberate: .refused),
            row("wrong types", "ipMasq 1", #""ipMasq":1"#, deliberate: .refused),
        ]
    }

    static let bridge: [DiffCase] = {
        let row = IPAMRowBuilder(plugin: .bridge) { header, ipamKey, ipam, extra in
            bridgeConf(header: header, ipamKey: ipamKey, ipam: ipam, extra)
        }
        let mac = #""02:c0:ff:ee:00:01""#
        return [
            row("baseline", "1.0.0"),
            row("baseline", "0.4.0", header: #""cniVersion":"0.4.0","name":"dnet""#),
            row("baseline", "0.3.1", header: #""cniVersion":"0.3.1","name":"dnet""#),
            row("baseline", "0.2.0", header: #""cniVersion":"0.2.0","name":"dnet""#),
            row("baseline", "dual-stack, isDefaultGateway, mtu, ipMasq", #""isDefaultGateway":true,"mtu":1400,"ipMasq":true"#,
                ipam: dualStackIPAM),

            row("key case", "IsGateway", #""IsGateway":true"#),
            row("key case", "isgateway", #""isgateway":true"#),
            row("key case", "IsDefaultGateway", #""IsDefaultGateway":true"#),
            row("key case", "MTU", #""MTU":1400"#),
            row("key case", "Ipam", ipamKey: "Ipam"),
            row("key case", "Bridge", #""Bridge":"br-case""#),
            row("key case", "HairpinMode", #""HairpinMode":true"#),
            row("key case", "PromiscMode", #""PromiscMode":true"#),
            row("key case", "MacSpoofChk", #""MacSpoofChk":true"#),
            row("key case", "DNS, Nameservers, Search", #""DNS":{"Nameservers":["10.0.0.53"],"Search":["example.test"]}"#),
            row("key case", "RuntimeConfig.MAC", "\"RuntimeConfig\":{\"MAC\":\(mac)}"),
            row("key case", "Args.CNI.MAC", "\"Args\":{\"CNI\":{\"MAC\":\(mac)}}"),
            row("key case", "ipam Type, DataDir, Ranges, Subnet",
                ipam: #""Type":"host-local","DataDir":"/var/lib/cni/dd2","Ranges":[[{"Subnet":"10.88.0.0/24"}]]"#),
            row("key case", "ipam routes DST, GW",
                ipam: bridgeIPAM + #","routes":[{"DST":"10.99.0.0/16","GW":"10.88.0.254"},{"Dst":"10.98.0.0/16"}]"#),

            row("duplicates", "mtu 1300 then MTU 1400", #""mtu":1300,"MTU":1400"#),
            row("duplicates", "bridge br-a then br-b", #""bridge":"br-a","bridge":"br-b""#),
            row("duplicates", "isGateway true then false", #""isGateway":true,"isGateway":false"#),
            row("duplicates", "dns objects merge", #""dns":{"nameservers":["10.0.0.53"]},"dns":{"search":["example.test"]}"#),

            row("null", "isGateway", #""isGateway":null"#),
            row("null", "bridge", #""bridge":null"#),
            row("null", "hairpinMode", #""hairpinMode":null"#),
            row("null", "vlan", #""vlan":null"#),
            row("null", "macspoofchk", #""macspoofchk":null"#),
            row("null", "enabledad", #""enabledad":null"#),
            row("null", "args", #""args":null"#),
            row("null", "runtimeConfig", #""runtimeConfig":null"#),
            row("null", "capabilities", #""capabilities":null"#),
            row("null", "prevResult", #""prevResult":null"#),
            row("null", "ipam (layer 2 only)", #""ipam":null"#, ipam: nil),

            row("numbers", "mtu 1.4e3", #""mtu":1.4e3"#, deliberate: .refused),
            row("numbers", "mtu 14E2", #""mtu":14E2"#, deliberate: .refused),
            row("numbers", "mtu -0", #""mtu":-0"#),
            row("numbers", "mtu 0", #""mtu":0"#),
            // The reference fails these in the kernel (999); ours checks first (7).
            row("numbers", "mtu 67 (below the kernel's minimum)", #""mtu":67"#, deliberate: [.codes]),
            row("numbers", "mtu 9223372036854775807", #""mtu":9223372036854775807"#, deliberate: [.codes]),
            row("numbers", "mtu 9223372036854775808", #""mtu":9223372036854775808"#, deliberate: .refused),
            row("numbers", "mtu 1e400", #""mtu":1e400"#, deliberate: .refused),
            row("numbers", "vlan 0.0", #""vlan":0.0"#, deliberate: .refused),
            row("numbers", "vlan -1", #""vlan":-1"#, deliberate: .refused),

            row("strings", "isGateway \"true\"", #""isGateway":"true""#, deliberate: [.stringBooleans]),
            row("strings", "isGateway \"false\"", #""isGateway":"false""#, deliberate: [.stringBooleans]),
            row("strings", "isGateway \"yes\"", #""isGateway":"yes""#, deliberate: .refused),
            row("strings", "hairpinMode \"true\"", #""hairpinMode":"true""#, deliberate: [.stringBooleans]),
            row("strings", "promiscMode \"true\"", #""promiscMode":"true""#, deliberate: [.stringBooleans]),

            row("UTF-8", "invalid byte in the bridge name", #""bridge":"br<FF>x""#),
            row("UTF-8", "escaped lone surrogate in the bridge name", #""bridge":"br\udc00x""#),
            row("UTF-8", "invalid byte in ipam's dataDir", ipam: #""type":"host-local","dataDir":"/var/lib/cni/d<FF>d","ranges":[[{"subnet":"10.88.0.0/24"}]]"#),

            row("wrong types", "isGateway 1", #""isGateway":1"#, deliberate: .refused),
            row("wrong types", "mtu true", #""mtu":true"#, deliberate: .refused),
            row("wrong types", "bridge 5", #""bridge":5"#, deliberate: .refused),
            row("wrong types", "ipam array", #""ipam":[]"#, ipam: nil, deliberate: .refused),
            row("wrong types", "ipam string", #""ipam":"host-local""#, ipam: nil, deliberate: .refused),
            row("wrong types", "dns string", #""dns":"10.0.0.53""#, deliberate: .refused),
            row("wrong types", "dns nameservers string", #""dns":{"nameservers":"10.0.0.53"}"#, deliberate: .refused),
            row("wrong types", "args array", #""args":[]"#, deliberate: .refused),
            row("wrong types", "runtimeConfig string", #""runtimeConfig":"x""#, deliberate: .refused),
            row("wrong types", "capabilities array", #""capabilities":[]"#, deliberate: .refused),
            row("wrong types", "ipam ranges object", ipam: #""type":"host-local","dataDir":"/var/lib/cni/dd","ranges":{}"#,
                deliberate: [.bridgeRollback] + .refused),
        ] + vethRows(row) + envelope(.bridge, full: true) { header, extra in bridgeConf(header: header, extra) }
    }()
}

/// host-local, called directly as the interface plugins call it (the whole network config on
/// stdin). It needs no namespace; its result and its files are compared.
extension DiffTable {
    static func hostLocalConf(header: String = Conf.header, ipamKey: String = "ipam", ipam: String? = bridgeIPAM, _ extra: [String]) -> [UInt8] {
        Conf.object([header, ipam.map { "\"\(ipamKey)\":{\($0)}" } ?? ""] + extra)
    }

    static let hostLocal: [DiffCase] = {
        let row = IPAMRowBuilder(plugin: .hostLocal) { header, ipamKey, ipam, extra in
            hostLocalConf(header: header, ipamKey: ipamKey, ipam: ipam, extra)
        }
        /// host-local's `ipam` object with `members` after `"type"` (no dataDir unless given).
        func ipam(_ members: String) -> String { #""type":"host-local","# + members }
        let dd = #""dataDir":"/var/lib/cni/dd""#
        let range = #""ranges":[[{"subnet":"10.88.0.0/24"}]]"#
        return [
            row("baseline", "1.0.0"),
            row("baseline", "0.2.0", header: #""cniVersion":"0.2.0","name":"dnet""#),
            row("baseline", "dual-stack, routes, resolvConf, rangeStart/End, gateway", ipam: ipam(
                dd + #","ranges":[[{"subnet":"10.88.0.0/24","rangeStart":"10.88.0.10","rangeEnd":"10.88.0.20","gateway":"10.88.0.254"}],[{"subnet":"fd88::/64"}]],"routes":[{"dst":"0.0.0.0/0"},{"dst":"10.99.0.0/16","gw":"10.88.0.1"}],"resolvConf":"/var/lib/resolv.test""#)),
            row("baseline", "legacy top-level subnet", ipam: ipam(dd + #","subnet":"10.88.0.0/24""#)),
            row("baseline", "default dataDir", ipam: ipam(range)),

            row("key case", "datadir", ipam: ipam(#""datadir":"/var/lib/cni/dd2","# + range)),
            row("key case", "DataDir", ipam: ipam(#""DataDir":"/var/lib/cni/dd2","# + range)),
            row("key case", "DATADIR", ipam: ipam(#""DATADIR":"/var/lib/cni/dd2","# + range)),
            row("key case", "Ranges", ipam: ipam(dd + #","Ranges":[[{"subnet":"10.88.0.0/24"}]]"#)),
            row("key case", "RANGES, SUBNET", ipam: ipam(dd + #","RANGES":[[{"SUBNET":"10.88.0.0/24"}]]"#)),
            row("key case", "RangeStart, RangeEnd, Gateway", ipam: ipam(
                dd + #","ranges":[[{"subnet":"10.88.0.0/24","RangeStart":"10.88.0.10","RangeEnd":"10.88.0.20","Gateway":"10.88.0.254"}]]"#)),
            row("key case", "Routes, DST, GW", ipam: ipam(dd + "," + range + #","Routes":[{"DST":"0.0.0.0/0","GW":"10.88.0.1"}]"#)),
            row("key case", "ResolvConf", ipam: ipam(dd + "," + range + #","ResolvConf":"/var/lib/resolv.test""#)),
            row("key case", "legacy Subnet, RangeStart", ipam: ipam(dd + #","Subnet":"10.88.0.0/24","RangeStart":"10.88.0.30""#)),
            row("key case", "IPAM", ipamKey: "IPAM"),
            row("key case", "ipam Type", ipam: #""Type":"host-local","# + dd + "," + range),
            row("key case", "RuntimeConfig.IPRanges", #""RuntimeConfig":{"IPRanges":[[{"subnet":"10.77.0.0/24"}]]}"#),
            row("key case", "Args.CNI.IPs", #""Args":{"CNI":{"IPs":["10.88.0.9"]}}"#),
            row("key case", "CNI_ARGS ip= (lower case)", args: "ip=10.88.0.9", deliberate: .refused),
            row("key case", "CNI_ARGS IgnoreUnknown=1;ip=", args: "IgnoreUnknown=1;ip=10.88.0.9"),
            row("baseline", "CNI_ARGS IP=", args: "IP=10.88.0.9"),

            row("duplicates", "dataDir twice", ipam: ipam(dd + "," + range + #","dataDir":"/var/lib/cni/dd2""#)),
            row("duplicates", "dataDir then datadir", ipam: ipam(dd + "," + range + #","datadir":"/var/lib/cni/dd2""#)),
            row("duplicates", "ranges twice, elements merge", ipam: ipam(
                dd + #","ranges":[[{"subnet":"10.87.0.0/24","rangeStart":"10.88.0.40"}]],"ranges":[[{"subnet":"10.88.0.0/24"}]]"#)),
            row("duplicates", "subnet twice in a range", ipam: ipam(dd + #","ranges":[[{"subnet":"10.87.0.0/24","subnet":"10.88.0.0/24"}]]"#)),
            row("duplicates", "routes twice, second shorter", ipam: ipam(
                dd + "," + range + #","routes":[{"dst":"10.1.0.0/16","gw":"10.88.0.1"},{"dst":"10.2.0.0/16"}],"routes":[{"dst":"10.3.0.0/16"}]"#)),
            row("duplicates", "ipam objects merge", #""ipam":{"dataDir":"/var/lib/cni/dd2"}"#),
            row("duplicates", "args objects merge", #""args":{"cni":{"ips":["10.88.0.9"]}},"args":{"x":1}"#),

            row("null", "routes", ipam: ipam(dd + "," + range + #","routes":null"#)),
            row("null", "resolvConf", ipam: ipam(dd + "," + range + #","resolvConf":null"#)),
            row("null", "rangeStart, rangeEnd, gateway", ipam: ipam(
                dd + #","ranges":[[{"subnet":"10.88.0.0/24","rangeStart":null,"rangeEnd":null,"gateway":null}]]"#)),
            row("null", "subnet", ipam: ipam(dd + #","ranges":[[{"subnet":null}]],"subnet":"10.88.0.0/24""#), deliberate: .refused),
            row("null", "dataDir", ipam: ipam(#""dataDir":null,"# + range)),
            row("null", "ranges, with legacy subnet", ipam: ipam(dd + #","ranges":null,"subnet":"10.88.0.0/24""#)),
            row("null", "ranges", ipam: ipam(dd + #","ranges":null"#), deliberate: .refused),
            row("null", "ipam", #""ipam":null"#, ipam: nil, deliberate: .refused),
            row("null", "runtimeConfig", #""runtimeConfig":null"#),
            row("null", "args", #""args":null"#),
            row("null", "args.cni.ips", #""args":{"cni":{"ips":null}}"#),

            row("wrong types", "ranges object", ipam: ipam(dd + #","ranges":{}"#), deliberate: .refused),
            row("wrong types", "subnet number", ipam: ipam(dd + #","ranges":[[{"subnet":5}]]"#), deliberate: .refused),
            row("wrong types", "subnet not a CIDR", ipam: ipam(dd + #","ranges":[[{"subnet":"10.88.0.0"}]]"#), deliberate: .refused),
            row("wrong types", "rangeStart not an IP", ipam: ipam(dd + #","ranges":[[{"subnet":"10.88.0.0/24","rangeStart":"10.88.0.300"}]]"#),
                deliberate: .refused),
            row("wrong types", "routes string", ipam: ipam(dd + "," + range + #","routes":"10.0.0.0/8""#), deliberate: .refused),
            row("wrong types", "dataDir number", ipam: ipam(#""dataDir":5,"# + range), deliberate: .refused),
            row("wrong types", "resolvConf number", ipam: ipam(dd + "," + range + #","resolvConf":5"#), deliberate: .refused),
            row("wrong types", "args.cni.ips string", #""args":{"cni":{"ips":"10.88.0.9"}}"#, deliberate: .refused),

            row("UTF-8", "invalid byte in dataDir", ipam: ipam(#""dataDir":"/var/lib/cni/d<FF>d","# + range)),
            row("UTF-8", "escaped lone surrogate in dataDir", ipam: ipam(#""dataDir":"/var/lib/cni/d\ud800d","# + range)),
        ] + envelope(.hostLocal, full: true) { header, extra in hostLocalConf(header: header, extra) }
    }()
}

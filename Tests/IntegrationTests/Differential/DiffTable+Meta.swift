/// tuning, bandwidth, sbr and vrf: chained plugins, given the prevResult of a veth pair that
/// `prepare` makes (`vh0` in the node namespace, `eth0` in the container, addressed and routed).
/// Their extra state comes from `capture`: the container's queue length and a few sysctls
/// (tuning), its policy rules and every routing table (sbr). bandwidth's tc layout is not
/// compared: Debian's 1.1.1 shapes with TBF, the reference HEAD (and ours) with HTB
/// (`BandwidthTests` checks ours); the table compares its results, ifb devices and DEL.
extension DiffPlugin {
    static let chained = #"""
        ip -n "$1" link add vh0 type veth peer name eth0 netns "$2" && ip -n "$1" link set vh0 up &&
        ip -n "$1" addr add 10.1.0.1/24 dev vh0 && ip -n "$2" link set eth0 up &&
        ip -n "$2" addr add 10.1.0.2/24 dev eth0 && ip -n "$2" addr add fd01::2/64 dev eth0 nodad &&
        ip -n "$2" route add default via 10.1.0.1 dev eth0 && ip -n "$2" route add 192.168.50.0/24 via 10.1.0.1 dev eth0
        """#
    static let tuning = DiffPlugin(
        binary: "tuning", namespaces: .hostAndContainer, delPrevResult: .fromAdd, prepare: chained,
        capture: #"""
            echo @@container.tuning
            ip -n "$2" -j -d link show dev eth0 | grep -o '"txqlen":[0-9]*'
            for k in net/core/somaxconn net/ipv4/conf/eth0/arp_filter net/ipv4/conf/all/log_martians; do
                echo "$k $(ip netns exec "$2" cat /proc/sys/$k)"
            done
            """#)
    static let bandwidth = DiffPlugin(binary: "bandwidth", namespaces: .hostAndContainer, delPrevResult: .fromAdd, prepare: chained)
    static let sbr = DiffPlugin(
        binary: "sbr", namespaces: .hostAndContainer, delPrevResult: .fromAdd, prepare: chained,
        capture: #"""
            echo @@container.rules
            ip -n "$2" rule show; ip -n "$2" -6 rule show
            echo @@container.tables
            { ip -n "$2" route show table all; ip -n "$2" -6 route show table all; } | grep -v -e 'table local' -e '^fe80' -e '^multicast' | sort
            """#)
    static let vrf = DiffPlugin(binary: "vrf", namespaces: .hostAndContainer, delPrevResult: .fromAdd, prepare: chained)
}

extension DiffTable {
    static let metaPrev = #""prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"vh0"},{"name":"eth0","sandbox":"/var/run/netns/x"}],"ips":[{"address":"10.1.0.2/24","gateway":"10.1.0.1","interface":1},{"address":"fd01::2/64","interface":1}]}"#
    /// The same in a 0.3.x version (whose IPs name their version).
    static func metaPrev(_ version: String) -> String {
        #""prevResult":{"cniVersion":"\#(version)","interfaces":[{"name":"vh0"},{"name":"eth0","sandbox":"/var/run/netns/x"}],"ips":[{"version":"4","address":"10.1.0.2/24","gateway":"10.1.0.1","interface":1},{"version":"6","address":"fd01::2/64","interface":1}]}"#
    }

    static func metaConf(_ type: String, header: String = Conf.header, prev: String? = metaPrev, _ extra: [String]) -> [UInt8] {
        Conf.object([header, "\"type\":\"\(type)\"", prev ?? ""] + extra)
    }

    /// A row maker for `plugin`, every config carrying `base` after the row's own members.
    struct MetaRow {
        let plugin: DiffPlugin
        var base: [String] = []

        func callAsFunction(
            _ group: String, _ name: String, _ extra: String..., header: String = Conf.header, args: String? = nil,
            prev: String? = metaPrev, deliberate: [Deliberate] = []
        ) -> DiffCase {
            DiffCase(
                plugin: plugin, group: group, name: name, config: metaConf(plugin.binary, header: header, prev: prev, extra + base),
                cniArgs: args, deliberate: deliberate)
        }
    }

    static let tuning: [DiffCase] = {
        let row = MetaRow(plugin: .tuning, base: [#""dataDir":"/var/lib/cni/tuning""#])
        let mac = #""02:c0:ff:ee:00:01""#
        let rolledBack = Deliberate(
            name: "rollback", readme: "a failed ADD puts the sysctls and the interface back and forgets the saved file", covers: ["after ADD/files"])
        let checkedFirst = Deliberate(
            name: "checked first", readme: "keys, MACs and sizes are checked before anything changes", covers: ["ADD", "after ADD/files"])
        let txQLen = Deliberate(
            name: "txQLen", readme: "`txQLen` (the reference HEAD's; Debian's 1.1.1 does not know it)",
            covers: ["after ADD/container.tuning", "after ADD/files"])
        return [
            row("baseline", "no options"),
            row("baseline", "sysctls, IFNAME", #""sysctl":{"net.core.somaxconn":"500","net.ipv4.conf.IFNAME.arp_filter":"1"}"#),
            row("baseline", "mac, mtu, promisc, allmulti", "\"mac\":\(mac),\"mtu\":1400,\"promisc\":true,\"allmulti\":true"),
            row("baseline", "allmulti false, promisc false", #""allmulti":false,"promisc":false"#),
            row("baseline", "txQLen", #""txQLen":2000"#, deliberate: [txQLen]),
            row("baseline", "args.cni: mac, mtu, promisc, allmulti, sysctl",
                "\"args\":{\"cni\":{\"mac\":\(mac),\"mtu\":1300,\"promisc\":true,\"allmulti\":true,\"sysctl\":{\"net.core.somaxconn\":\"600\"}}}",
                deliberate: [.outcome("1.1.1 crash", "Debian's 1.1.1 crashes on an `args.cni.sysctl` without a `sysctl` of the config's own")]),
            row("baseline", "args.cni.sysctl merged into sysctl",
                #""sysctl":{"net.core.somaxconn":"500"},"args":{"cni":{"sysctl":{"net.ipv4.conf.all.log_martians":"1"}}}"#),
            row("baseline", "runtimeConfig.mac", "\"capabilities\":{\"mac\":true},\"runtimeConfig\":{\"mac\":\(mac)}"),
            row("baseline", "CNI_ARGS MAC", args: "IgnoreUnknown=1;MAC=02:c0:ff:ee:00:03"),
            row("baseline", "args.cni overrides runtimeConfig and the config", "\"mtu\":1400,\"runtimeConfig\":{\"mac\":\"02:c0:ff:ee:00:04\"},\"args\":{\"cni\":{\"mtu\":1300,\"mac\":\(mac)}}"),
            row("baseline", "0.3.1", #""mtu":1400"#, header: #""cniVersion":"0.3.1","name":"dnet""#,
                prev: metaPrev("0.3.1")),
            row("key case", "MTU, Mac, SysCtl, Promisc, AllMulti", "\"MTU\":1400,\"Mac\":\(mac),\"SysCtl\":{\"net.core.somaxconn\":\"700\"},\"Promisc\":true,\"AllMulti\":true"),
            row("key case", "Args.CNI.Mtu", #""Args":{"CNI":{"Mtu":1300}}"#),
            row("duplicates", "mtu 1300 then MTU 1400", #""mtu":1300,"MTU":1400"#),
            row("duplicates", "sysctl key twice", #""sysctl":{"net.core.somaxconn":"500","net.core.somaxconn":"600"}"#,
                deliberate: [.outcome("repeated sysctl", "A `sysctl` object naming a key twice is refused, as the reference HEAD refuses it")]),
            row("null", "mtu, mac, sysctl, allmulti, args", #""mtu":null,"mac":null,"sysctl":null,"allmulti":null,"args":null"#),
            row("numbers", "mtu -1", #""mtu":-1"#, deliberate: [.codes, checkedFirst]),
            row("numbers", "mtu 1400.0", #""mtu":1400.0"#, deliberate: .refused),
            row("numbers", "mtu 70000 (above the veth's maximum)", #""mtu":70000"#, deliberate: [rolledBack]),
            row("strings", "promisc \"true\"", #""promisc":"true""#,
                deliberate: [.stringBooleans]),
            row("values", "sysctl outside net", #""sysctl":{"kernel.hostname":"x"}"#, deliberate: [.codes]),
            row("values", "sysctl that does not exist", #""sysctl":{"net.core.nothing":"1"}"#),
            row("values", "mac invalid", #""mac":"02:c0""#, deliberate: [checkedFirst]),
            row("wrong types", "sysctl value 500", #""sysctl":{"net.core.somaxconn":500}"#, deliberate: .refused),
            row("wrong types", "mtu \"1400\"", #""mtu":"1400""#, deliberate: .refused),
            row("missing", "prevResult", #""mtu":1400"#, prev: nil, deliberate: [.codes]),
        ] + envelope(.tuning, full: false, deliberate: ["null / cniVersion": [.codes]]) { header, extra in
            metaConf("tuning", header: header, extra + [#""dataDir":"/var/lib/cni/tuning""#])
        }
    }()

    static let bandwidth: [DiffCase] = {
        let row = MetaRow(plugin: .bandwidth)
        let both = #""ingressRate":8000000,"ingressBurst":80000,"egressRate":8000000,"egressBurst":80000"#
        let headOptions = Deliberate.outcome("HEAD's options", "The layout is the reference HEAD's")
        return [
            row("baseline", "ingress and egress", both),
            row("baseline", "ingress only", #""ingressRate":8000000,"ingressBurst":80000"#),
            row("baseline", "egress only", #""egressRate":8000000,"egressBurst":80000"#),
            row("baseline", "nothing to shape", #""ingressRate":0"#),
            row("baseline", "runtimeConfig.bandwidth", #""capabilities":{"bandwidth":true},"runtimeConfig":{"bandwidth":{"egressRate":8000000,"egressBurst":80000}}"#),
            row("baseline", "a top-level key hides runtimeConfig", #""ingressRate":null,"runtimeConfig":{"bandwidth":{"egressRate":8000000,"egressBurst":80000}}"#),
            row("baseline", "unshapedSubnets", both, #""unshapedSubnets":["10.0.0.0/8","fd00::/8"]"#),
            row("baseline", "0.3.0", both, header: #""cniVersion":"0.3.0","name":"dnet""#,
                prev: metaPrev("0.3.0")),
            row("versions", "0.2.0 (before the reference's first)", both, header: #""cniVersion":"0.2.0","name":"dnet""#, prev: nil),
            row("key case", "IngressRate, INGRESSBURST", #""IngressRate":8000000,"INGRESSBURST":80000"#),
            row("key case", "RuntimeConfig.Bandwidth.EgressRate", #""RuntimeConfig":{"Bandwidth":{"EgressRate":8000000,"EgressBurst":80000}}"#),
            row("values", "rate without burst", #""egressRate":8000000"#, deliberate: .refused),
            row("values", "burst above 4 GB", #""egressRate":8000000,"egressBurst":34359738360"#, deliberate: .refused),
            row("values", "both subnet lists", both, #""unshapedSubnets":["10.0.0.0/8"],"shapedSubnets":["10.1.0.0/16"]"#, deliberate: [headOptions]),
            row("values", "subnet not a CIDR", both, #""shapedSubnets":["10.1.0.0"]"#, deliberate: [headOptions]),
            row("wrong types", "egressRate -1", #""egressRate":-1,"egressBurst":80000"#, deliberate: .refused),
            row("wrong types", "egressRate \"8000000\"", #""egressRate":"8000000","egressBurst":80000"#, deliberate: .refused),
            row("missing", "prevResult", both, prev: nil, deliberate: [.codes]),
        ] + envelope(.bandwidth, full: false) { header, extra in metaConf("bandwidth", header: header, extra + [both]) }
    }()

    static let sbr: [DiffCase] = {
        let row = MetaRow(plugin: .sbr)
        let head = Deliberate.outcome("HEAD's options", "`table`, `gateways` and `addSourceHints` (the reference HEAD's")
        return [
            row("baseline", "both families"),
            row("baseline", "0.2.0", header: #""cniVersion":"0.2.0","name":"dnet""#,
                prev: #""prevResult":{"cniVersion":"0.2.0","ip4":{"ip":"10.1.0.2/24","gateway":"10.1.0.1"}}"#),
            row("baseline", "table", #""table":500"#, deliberate: [head]),
            // The interface's own default route is copied over the static one (see README): the
            // same tables as 1.1.1, which ignores the key.
            row("baseline", "gateways", #""gateways":["10.1.0.254"]"#),
            row("key case", "PrevResult", prev: metaPrev.replacingOccurrences(of: "\"prevResult\"", with: "\"PrevResult\"")),
            row("values", "no addresses", prev: #""prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/var/run/netns/x"}]}"#,
                deliberate: [.codes]),
            row("missing", "prevResult", prev: nil, deliberate: [.codes]),
        ] + envelope(.sbr, full: false, deliberate: ["null / cniVersion": .refused]) { header, extra in metaConf("sbr", header: header, extra) }
    }()

    /// This kernel has no VRF devices: a valid config fails on both sides when the VRF is made;
    /// the rows compare how configs are read and refused (the behaviour is in VRFPluginVMTests).
    static let vrf: [DiffCase] = {
        let row = MetaRow(plugin: .vrf)
        return [
            row("baseline", "vrfname", #""vrfname":"blue""#),
            row("baseline", "vrfname and table", #""vrfname":"blue","table":100"#),
            row("key case", "VRFName, Table", #""VRFName":"blue","Table":100"#),
            row("values", "no vrfname", deliberate: .refused),
            row("wrong types", "table -1", #""vrfname":"blue","table":-1"#, deliberate: .refused),
            row("wrong types", "vrfname 5", #""vrfname":5"#, deliberate: .refused),
            row("missing", "prevResult", #""vrfname":"blue""#, prev: nil, deliberate: [.codes]),
            row("versions", "0.3.0 (before the reference's first)", #""vrfname":"blue""#, header: #""cniVersion":"0.3.0","name":"dnet""#,
                prev: metaPrev("0.3.0")),
        ] + envelope(.vrf, full: false) { header, extra in metaConf("vrf", header: header, extra + [#""vrfname":"blue""#]) }
    }()
}

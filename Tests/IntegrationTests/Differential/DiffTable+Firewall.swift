/// firewall, chained after bridge: `prevResult` names the bridge (first interface) and the
/// container's address. The backend is pinned to iptables (Debian's 1.1.1 picks iptables when
/// firewalld is not on the bus; ours would pick nftables on a fresh node) except where a row is
/// about the choice itself.
extension DiffTable {
    static let firewallPrev = #""prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"cni0"},{"name":"eth0","sandbox":"/var/run/netns/x"}],"ips":[{"address":"10.88.0.2/24","interface":1}]}"#

    static func firewallConf(header: String = Conf.header, backend: String? = #""backend":"iptables""#, prev: String? = firewallPrev, _ extra: [String]) -> [UInt8] {
        Conf.object([header, #""type":"firewall""#, backend ?? "", prev ?? ""] + extra)
    }

    static let firewall: [DiffCase] = {
        func row(
            _ group: String, _ name: String, _ extra: String..., header: String = Conf.header,
            backend: String? = #""backend":"iptables""#, prev: String? = firewallPrev, deliberate: [Deliberate] = []
        ) -> DiffCase {
            DiffCase(
                plugin: .firewall, group: group, name: name, config: firewallConf(header: header, backend: backend, prev: prev, extra),
                deliberate: deliberate)
        }
        let refusedFirst = Deliberate.outcome(
            "refused first", "are refused with code 7 before", document: "Sources/CNIPlugins/FirewallPlugin/README.md")
        return [
            row("baseline", "iptables"),
            row("baseline", "dual-stack", prev:
                #""prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"cni0"},{"name":"eth0","sandbox":"/var/run/netns/x"}],"ips":[{"address":"10.88.0.2/24","interface":1},{"address":"fd88::2/64","interface":1}]}"#),
            row("baseline", "two addresses of one family", prev:
                #""prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"cni0"},{"name":"eth0","sandbox":"/var/run/netns/x"}],"ips":[{"address":"10.88.0.2/24","interface":1},{"address":"10.89.0.2/24","interface":1}]}"#),
            row("baseline", "ingressPolicy same-bridge", #""ingressPolicy":"same-bridge""#),
            row("baseline", "ingressPolicy open", #""ingressPolicy":"open""#),
            row("baseline", "iptablesAdminChainName", #""iptablesAdminChainName":"MY-ADMIN""#),
            row("baseline", "firewalldZone (iptables ignores it)", #""firewalldZone":"public""#),
            row("baseline", "IPs without interface", prev: #""prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.88.0.2/24"}]}"#),
            row("baseline", "cniVersion 0.4.0", header: #""cniVersion":"0.4.0","name":"dnet""#, prev:
                #""prevResult":{"cniVersion":"0.4.0","interfaces":[{"name":"cni0"},{"name":"eth0","sandbox":"/var/run/netns/x"}],"ips":[{"version":"4","address":"10.88.0.2/24","interface":1}]}"#),
            row("baseline", "cniVersion 0.3.1 (not supported)", header: #""cniVersion":"0.3.1","name":"dnet""#),

            row("key case", "Backend", backend: #""Backend":"iptables""#),
            row("key case", "IngressPolicy", #""IngressPolicy":"same-bridge""#),
            row("key case", "IPTablesAdminChainName", #""IPTablesAdminChainName":"MY-ADMIN""#),
            row("key case", "PrevResult", prev: firewallPrev.replacingOccurrences(of: "\"prevResult\"", with: "\"PrevResult\"")),

            row("duplicates", "ingressPolicy open then same-bridge", #""ingressPolicy":"open""#, #""ingressPolicy":"same-bridge""#),

            row("null", "ingressPolicy", #""ingressPolicy":null"#),
            row("null", "iptablesAdminChainName", #""iptablesAdminChainName":null"#),
            row("null", "prevResult", prev: #""prevResult":null"#, deliberate: [.codes]),
            row("missing", "prevResult", prev: nil, deliberate: [.codes]),
            row("missing", "backend (the node's default)", backend: nil, deliberate: [Deliberate(
                name: "default backend", readme: "on a node without the reference's iptables chains ours picks nftables",
                document: "Sources/CNIPlugins/FirewallPlugin/README.md", covers: ["after ADD/*", "after DEL/*"])]),

            row("bad values", "ingressPolicy unknown", #""ingressPolicy":"closed""#, deliberate: [refusedFirst, .teardown]),
            row("bad values", "backend unknown", backend: #""backend":"pf""#, deliberate: [refusedFirst]),
            row("bad values", "iptablesAdminChainName with a blank", #""iptablesAdminChainName":"MY ADMIN""#, deliberate: [refusedFirst]),
            row("bad values", "ingressPolicy same-bridge without interfaces", #""ingressPolicy":"same-bridge""#,
                prev: #""prevResult":{"cniVersion":"1.0.0","ips":[{"address":"10.88.0.2/24"}]}"#, deliberate: [refusedFirst]),

            row("wrong types", "backend is a number", backend: #""backend":5"#, deliberate: .refused),
            row("wrong types", "ingressPolicy is a bool", #""ingressPolicy":true"#, deliberate: .refused),
        ] + envelope(.firewall, full: false) { header, extra in firewallConf(header: header, extra) }
    }()
}

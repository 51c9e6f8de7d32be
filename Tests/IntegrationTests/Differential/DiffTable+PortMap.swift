/// portmap, chained after an interface plugin: `prevResult` names the container's address. The
/// backend is pinned to iptables (`backend`, unknown to 1.1.1, which has only iptables).
extension DiffTable {
    static let portmapPrev = #""prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/var/run/netns/x"}],"ips":[{"address":"10.88.0.2/24","interface":0}]}"#
    static let portmapMappings = #""runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}"#

    static func portmapConf(
        header: String = Conf.header, mappings: String? = portmapMappings, prev: String? = portmapPrev, _ extra: [String]
    ) -> [UInt8] {
        Conf.object([header, #""type":"portmap","backend":"iptables","capabilities":{"portMappings":true}"#, mappings ?? "", prev ?? ""] + extra)
    }

    static let portmap: [DiffCase] = {
        func row(
            _ group: String, _ name: String, _ extra: String..., header: String = Conf.header,
            mappings: String? = portmapMappings, prev: String? = portmapPrev, deliberate: [Deliberate] = []
        ) -> DiffCase {
            DiffCase(
                plugin: .portmap, group: group, name: name, config: portmapConf(header: header, mappings: mappings, prev: prev, extra),
                deliberate: deliberate)
        }
        /// `runtimeConfig` with these portMappings entries.
        func maps(_ entries: String) -> String { #""runtimeConfig":{"portMappings":["# + entries + "]}" }
        return [
            row("baseline", "tcp 8080 -> 80"),
            row("baseline", "dual-stack, udp, hostIP", mappings: maps(
                #"{"hostPort":8080,"containerPort":80,"protocol":"tcp"},{"hostPort":5353,"containerPort":53,"protocol":"udp","hostIP":"127.0.0.1"}"#),
                prev: #""prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/var/run/netns/x"}],"ips":[{"address":"10.88.0.2/24","interface":0},{"address":"fd88::2/64","interface":0}]}"#),

            row("key case", "containerd: HostPort, ContainerPort, Protocol, HostIP \"\"",
                mappings: maps(#"{"HostPort":8080,"ContainerPort":80,"Protocol":"tcp","HostIP":""}"#)),
            row("key case", "hostport, containerport", mappings: maps(#"{"hostport":8080,"containerport":80,"protocol":"tcp"}"#)),
            row("key case", "PortMappings", mappings: #""runtimeConfig":{"PortMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}"#),
            row("key case", "RuntimeConfig", mappings: #""RuntimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}"#),
            row("key case", "SNAT false", #""SNAT":false"#),
            row("key case", "MarkMasqBit 14", #""MarkMasqBit":14"#),
            // Both fail (the chain does not exist here); the reference leaves what it made first.
            row("key case", "ExternalSetMarkChain", #""ExternalSetMarkChain":"KUBE-MARK-MASQ""#, deliberate: [.portmapRollback]),
            row("key case", "ConditionsV4", #""ConditionsV4":["-s","10.1.0.0/16"]"#),
            row("key case", "PrevResult", prev: portmapPrev.replacingOccurrences(of: "\"prevResult\"", with: "\"PrevResult\"")),
            row("key case", "prevResult IPs, Address, Interface", prev:
                #""prevResult":{"cniVersion":"1.0.0","Interfaces":[{"Name":"eth0","Sandbox":"/var/run/netns/x"}],"IPs":[{"Address":"10.88.0.2/24","Interface":0}]}"#),
            row("key case", "protocol TCP", mappings: maps(#"{"hostPort":8080,"containerPort":80,"protocol":"TCP"}"#)),

            row("duplicates", "hostPort twice in an entry", mappings: maps(#"{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostPort":9090}"#)),
            row("duplicates", "runtimeConfig objects merge", #""runtimeConfig":{"x":1}"#),
            row("duplicates", "portMappings twice, elements merge",
                mappings: #""runtimeConfig":{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"udp"}],"portMappings":[{"hostPort":9090,"containerPort":90}]}"#),

            row("null", "snat", #""snat":null"#),
            row("null", "markMasqBit", #""markMasqBit":null"#),
            row("null", "conditionsV4", #""conditionsV4":null"#),
            row("null", "externalSetMarkChain", #""externalSetMarkChain":null"#),
            row("null", "portMappings", mappings: #""runtimeConfig":{"portMappings":null}"#),
            row("null", "runtimeConfig", mappings: #""runtimeConfig":null"#),
            row("null", "hostIP", mappings: maps(#"{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":null}"#)),
            row("null", "protocol", mappings: maps(#"{"hostPort":8080,"containerPort":80,"protocol":null}"#),
                deliberate: [.portmapProtocolDefault]),
            row("null", "prevResult", prev: #""prevResult":null"#, deliberate: [.codes]),
            row("missing", "protocol", mappings: maps(#"{"hostPort":8080,"containerPort":80}"#), deliberate: [.portmapProtocolDefault]),
            row("missing", "portMappings is empty", mappings: maps("")),

            row("numbers", "hostPort 8080.0", mappings: maps(#"{"hostPort":8080.0,"containerPort":80,"protocol":"tcp"}"#), deliberate: .refused),
            row("numbers", "hostPort 8.08e3", mappings: maps(#"{"hostPort":8.08e3,"containerPort":80,"protocol":"tcp"}"#), deliberate: .refused),
            row("numbers", "hostPort 0", mappings: maps(#"{"hostPort":0,"containerPort":80,"protocol":"tcp"}"#), deliberate: .refused),
            row("numbers", "hostPort -1", mappings: maps(#"{"hostPort":-1,"containerPort":80,"protocol":"tcp"}"#), deliberate: .refused),
            row("numbers", "hostPort 65536", mappings: maps(#"{"hostPort":65536,"containerPort":80,"protocol":"tcp"}"#), deliberate: [.portRange]),
            row("numbers", "hostPort 4294975592 (2^32 + 8296)", mappings: maps(#"{"hostPort":4294975592,"containerPort":80,"protocol":"tcp"}"#), deliberate: [.portRange]),
            row("numbers", "containerPort 0", mappings: maps(#"{"hostPort":8080,"containerPort":0,"protocol":"tcp"}"#), deliberate: .refused),
            row("numbers", "markMasqBit 13.0", #""markMasqBit":13.0"#, deliberate: .refused),
            row("numbers", "markMasqBit 32", #""markMasqBit":32"#, deliberate: .refused),
            row("numbers", "markMasqBit -1", #""markMasqBit":-1"#, deliberate: .refused),

            row("strings", "snat \"false\"", #""snat":"false""#, deliberate: [.stringBooleans]),
            row("strings", "hostPort \"8080\"", mappings: maps(#"{"hostPort":"8080","containerPort":80,"protocol":"tcp"}"#), deliberate: .refused),

            row("wrong types", "portMappings object", mappings: #""runtimeConfig":{"portMappings":{}}"#, deliberate: .refused),
            row("wrong types", "conditionsV4 string", #""conditionsV4":"-s 10.1.0.0/16""#, deliberate: .refused),
            row("wrong types", "prevResult ips string", prev: #""prevResult":{"cniVersion":"1.0.0","ips":"10.88.0.2/24"}"#, deliberate: .refused),

            row("UTF-8", "invalid byte in hostIP", mappings: maps(#"{"hostPort":8080,"containerPort":80,"protocol":"tcp","hostIP":"127.0.0.<FF>"}"#), deliberate: [.hostIP]),
        ] + envelope(.portmap, full: false, deliberate: ["null / cniVersion": .refused]) { header, extra in
            portmapConf(header: header, extra)
        }
    }()
}

/// loopback: no options of its own; the envelope and prevResult.
extension DiffTable {
    static func loopbackConf(header: String = Conf.header, _ extra: [String]) -> [UInt8] {
        Conf.object([header, #""type":"loopback""#] + extra)
    }

    static let loopback: [DiffCase] = {
        func row(_ group: String, _ name: String, _ extra: String..., header: String = Conf.header, deliberate: [Deliberate] = []) -> DiffCase {
            DiffCase(plugin: .loopback, group: group, name: name, config: loopbackConf(header: header, extra), deliberate: deliberate)
        }
        let prev = #"{"cniVersion":"1.0.0","interfaces":[{"name":"eth0","sandbox":"/var/run/netns/x"}],"ips":[{"address":"10.88.0.2/24","interface":0}]}"#
        return [
            row("baseline", "1.0.0"),
            row("baseline", "0.3.1", header: #""cniVersion":"0.3.1","name":"dnet""#, deliberate: [.resultConversion]),
            row("baseline", "prevResult passed through", "\"prevResult\":\(prev)"),
            row("key case", "PrevResult", "\"PrevResult\":\(prev)"),
            row("null", "prevResult", #""prevResult":null"#),
            row("wrong types", "prevResult string", #""prevResult":"x""#, deliberate: [.codes]),
        ] + envelope(.loopback, full: false) { header, extra in loopbackConf(header: header, extra) }
    }()
}

/// ptp + host-local (IPv4 only: Debian's ptp waits for IPv6 duplicate address detection, ~2 s a run).
extension DiffTable {
    static func ptpConf(header: String = Conf.header, ipamKey: String = "ipam", ipam: String? = bridgeIPAM, _ extra: [String]) -> [UInt8] {
        Conf.object([header, #""type":"ptp","ipMasqBackend":"iptables""#, ipam.map { "\"\(ipamKey)\":{\($0)}" } ?? ""] + extra)
    }

    static let ptp: [DiffCase] = {
        let row = IPAMRowBuilder(plugin: .ptp) { header, ipamKey, ipam, extra in
            ptpConf(header: header, ipamKey: ipamKey, ipam: ipam, extra)
        }
        return [
            row("baseline", "1.0.0"),
            row("baseline", "0.3.1, mtu, ipMasq", #""mtu":1400,"ipMasq":true"#, header: #""cniVersion":"0.3.1","name":"dnet""#),

            row("null", "ipam", #""ipam":null"#, ipam: nil, deliberate: .refused),
            row("wrong types", "ipam {} (no type)", ipam: "", deliberate: .refused),
        ] + vethRows(row) + envelope(.ptp, full: false) { header, extra in ptpConf(header: header, extra) }
    }()
}

/// macvlan and host-device, the single-interface plugins Debian ships that this kernel can run
/// (vlan and ipvlan need the VM's kernel: their comparison with Debian's is in
/// `InterfacePluginsVMTests`). The node namespace gets a veth `uplink0` (`prepare`) as the NIC.
extension DiffPlugin {
    static let uplink = #"ip -n "$1" link add uplink0 type veth peer name wire0 && ip -n "$1" link set uplink0 up"#
    static let macvlan = DiffPlugin(binary: "macvlan", namespaces: .hostAndContainer, delPrevResult: .fromAdd, prepare: uplink)
    static let hostDevice = DiffPlugin(binary: "host-device", namespaces: .hostAndContainer, delPrevResult: .fromAdd, prepare: uplink)
}

extension DiffTable {
    static func macvlanConf(header: String = Conf.header, ipamKey: String = "ipam", ipam: String? = bridgeIPAM, _ extra: [String]) -> [UInt8] {
        Conf.object([header, #""type":"macvlan","master":"uplink0""#, ipam.map { "\"\(ipamKey)\":{\($0)}" } ?? ""] + extra)
    }

    static func hostDeviceConf(header: String = Conf.header, ipamKey: String = "ipam", ipam: String? = bridgeIPAM, _ extra: [String]) -> [UInt8] {
        Conf.object([header, #""type":"host-device","device":"uplink0""#, ipam.map { "\"\(ipamKey)\":{\($0)}" } ?? ""] + extra)
    }


    static let macvlan: [DiffCase] = {
        let row = IPAMRowBuilder(plugin: .macvlan) { header, ipamKey, ipam, extra in
            macvlanConf(header: header, ipamKey: ipamKey, ipam: ipam, extra)
        }
        return [
            row("baseline", "bridge mode, host-local"),
            row("baseline", "L2 only (no ipam)", ipam: nil),
            row("baseline", "vepa, mtu 1400, mac", #""mode":"vepa","mtu":1400,"mac":"02:c0:ff:ee:00:01""#),
            row("baseline", "runtimeConfig.mac", #""runtimeConfig":{"mac":"02:c0:ff:ee:00:02"}"#),
            row("key case", "Master, MODE", #""Master":"uplink0","MODE":"private""#),
            row("null", "mode", #""mode":null"#),
            row("values", "mode unknown", #""mode":"tunnel""#, deliberate: [.codes]),
            row("values", "mtu above the master's", #""mtu":9000"#, deliberate: .refused),
            row("values", "master missing", #""master":"gone0""#, deliberate: [.teardown]),
            row("values", "mac invalid", #""mac":"02:c0""#, deliberate: [.codes]),
            row("wrong types", "mtu \"1400\"", #""mtu":"1400""#, deliberate: .refused),
        ] + envelope(.macvlan, full: false) { header, extra in macvlanConf(header: header, extra) }
    }()

    static let hostDevice: [DiffCase] = {
        let row = IPAMRowBuilder(plugin: .hostDevice) { header, ipamKey, ipam, extra in
            hostDeviceConf(header: header, ipamKey: ipamKey, ipam: ipam, extra)
        }
        return [
            row("baseline", "by name, host-local"),
            row("baseline", "by name, no ipam", ipam: nil),
            row("key case", "DEVICE", #""DEVICE":"uplink0""#),
            row("values", "device missing", #""device":"gone0""#, deliberate: [.teardown]),
            row("values", "nothing selects a device", #""device":"""#, deliberate: .refused),
            row("values", "kernelpath outside /sys/devices", #""device":"","kernelpath":"/tmp/x""#, deliberate: .refused),
            row("wrong types", "device 5", #""device":5"#, deliberate: .refused),
        ] + envelope(.hostDevice, full: false) { header, extra in hostDeviceConf(header: header, extra) }
    }()
}

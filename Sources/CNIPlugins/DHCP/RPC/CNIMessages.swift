import CNI
import NetAddress

/// The two values the dhcp plugin and daemon exchange, as the reference's Go types encode
/// them: the request's `skel.CmdArgs` and the result's `types100.Result`. `net.IP` and
/// `net.IPMask` travel as plain byte slices (gob does not use their text forms).
enum CNIMessages {
    /// `skel.CmdArgs` (`NetnsOverride` only in newer libcni; gob ignores fields a side lacks).
    static let cmdArgsType = GobType.structure(
        "CmdArgs",
        [
            GobField("ContainerID", .string), GobField("Netns", .string), GobField("IfName", .string),
            GobField("Args", .string), GobField("Path", .string), GobField("NetnsOverride", .string),
            GobField("StdinData", .bytes),
        ])

    static let ipNetType = GobType.structure("IPNet", [GobField("IP", .bytes), GobField("Mask", .bytes)])
    static let interfaceType = GobType.structure(
        "Interface",
        [
            GobField("Name", .string), GobField("Mac", .string), GobField("Mtu", .int), GobField("Sandbox", .string),
            GobField("SocketPath", .string), GobField("PciID", .string),
        ])
    static let ipConfigType = GobType.structure(
        "IPConfig", [GobField("Interface", .int), GobField("Address", ipNetType), GobField("Gateway", .bytes)])
    static let routeType = GobType.structure(
        "Route",
        [
            GobField("Dst", ipNetType), GobField("GW", .bytes), GobField("MTU", .int), GobField("AdvMSS", .int),
            GobField("Priority", .int), GobField("Table", .int), GobField("Scope", .int),
        ])
    static let dnsType = GobType.structure(
        "DNS",
        [
            GobField("Nameservers", .slice(.string)), GobField("Domain", .string), GobField("Search", .slice(.string)),
            GobField("Options", .slice(.string)),
        ])
    /// `types100.Result`.
    static let resultType = GobType.structure(
        "Result",
        [
            GobField("CNIVersion", .string), GobField("Interfaces", .slice(interfaceType)), GobField("IPs", .slice(ipConfigType)),
            GobField("Routes", .slice(routeType)), GobField("DNS", dnsType),
        ])
    /// The `struct{}` reply of `DHCP.Release`.
    static let emptyType = RPCConnection.emptyType

    /// What the plugin sends: its request, with the netns path made absolute (the daemon may
    /// run in another directory).
    struct Request: Sendable, Equatable {
        var containerID: String
        var netns: String
        var ifName: String
        var args: String
        var path: String
        var stdin: [UInt8]

        var gob: GobValue {
            .structure([
                "ContainerID": .string(containerID), "Netns": .string(netns), "IfName": .string(ifName),
                "Args": .string(args), "Path": .string(path), "StdinData": .bytes(stdin),
            ])
        }

        init(containerID: String, netns: String, ifName: String, args: String, path: String, stdin: [UInt8]) {
            self.containerID = containerID
            self.netns = netns
            self.ifName = ifName
            self.args = args
            self.path = path
            self.stdin = stdin
        }

        init(_ v: GobValue) {
            self.init(
                containerID: v["ContainerID"].stringValue, netns: v["Netns"].stringValue, ifName: v["IfName"].stringValue,
                args: v["Args"].stringValue, path: v["Path"].stringValue, stdin: v["StdinData"].bytesValue)
        }
    }

    // MARK: Result

    static func gob(_ result: CNIResult) -> GobValue {
        var o: [String: GobValue] = ["CNIVersion": .string(result.cniVersion)]
        o["Interfaces"] = .list(result.interfaces.map { i in
            .structure([
                "Name": .string(i.name), "Mac": .string(i.mac ?? ""), "Mtu": .int(Int64(i.mtu ?? 0)),
                "Sandbox": .string(i.sandbox ?? ""), "SocketPath": .string(i.socketPath ?? ""), "PciID": .string(i.pciID ?? ""),
            ])
        })
        o["IPs"] = .list(result.ips.map { ip in
            var fields: [String: GobValue] = ["Address": gob(ip.address)]
            if let i = ip.interface { fields["Interface"] = .int(Int64(i)) }
            if let gw = ip.gateway { fields["Gateway"] = .bytes(goBytes(gw)) }
            return .structure(fields)
        })
        o["Routes"] = .list(result.routes.map { r in
            var fields: [String: GobValue] = ["Dst": gob(r.dst)]
            if let gw = r.gw { fields["GW"] = .bytes(goBytes(gw)) }
            for (key, value) in [("MTU", r.mtu), ("AdvMSS", r.advmss), ("Priority", r.priority), ("Table", r.table), ("Scope", r.scope)] {
                if let value { fields[key] = .int(Int64(value)) }
            }
            return .structure(fields)
        })
        o["DNS"] = .structure([
            "Nameservers": .list(result.dns.nameservers.map(GobValue.string)), "Domain": .string(result.dns.domain ?? ""),
            "Search": .list(result.dns.search.map(GobValue.string)), "Options": .list(result.dns.options.map(GobValue.string)),
        ])
        return .structure(o)
    }

    static func result(_ v: GobValue) throws -> CNIResult {
        var result = CNIResult(cniVersion: v["CNIVersion"].stringValue)
        for i in v["Interfaces"].listValue {
            result.interfaces.append(
                .init(
                    name: i["Name"].stringValue, mac: nonEmpty(i["Mac"].stringValue), mtu: nonZero(i["Mtu"].intValue),
                    sandbox: nonEmpty(i["Sandbox"].stringValue), socketPath: nonEmpty(i["SocketPath"].stringValue),
                    pciID: nonEmpty(i["PciID"].stringValue)))
        }
        for ip in v["IPs"].listValue {
            // A `*int` pointing at 0 is not sent (gob leaves out zero values): index 0 arrives absent.
            let interface = ip["Interface"].isPresent ? Int(ip["Interface"].intValue) : nil
            result.ips.append(
                .init(interface: interface, address: try network(ip["Address"]), gateway: address(ip["Gateway"].bytesValue)))
        }
        for r in v["Routes"].listValue {
            result.routes.append(
                .init(
                    dst: try network(r["Dst"]), gw: address(r["GW"].bytesValue), mtu: nonZero(r["MTU"].intValue),
                    advmss: nonZero(r["AdvMSS"].intValue), priority: nonZero(r["Priority"].intValue),
                    table: r["Table"].isPresent ? Int(r["Table"].intValue) : nil,
                    scope: r["Scope"].isPresent ? Int(r["Scope"].intValue) : nil))
        }
        let dns = v["DNS"]
        result.dns = DNS(
            nameservers: dns["Nameservers"].listValue.map(\.stringValue), domain: nonEmpty(dns["Domain"].stringValue),
            search: dns["Search"].listValue.map(\.stringValue), options: dns["Options"].listValue.map(\.stringValue))
        return result
    }

    /// A `net.IPNet`: the address bytes and the mask bytes.
    static func gob(_ network: IPNetwork) -> GobValue {
        .structure(["IP": .bytes(goBytes(network.address)), "Mask": .bytes(network.netmask.bytes)])
    }

    static func network(_ v: GobValue) throws -> IPNetwork {
        guard let ip = address(v["IP"].bytesValue) else { throw GobError("result address without an IP") }
        var mask = v["Mask"].bytesValue
        if ip.family == .v4 && mask.count == 16 { mask = Array(mask.suffix(4)) }
        let ones = mask.reduce(0) { $0 + $1.nonzeroBitCount }
        guard mask.count * 8 == ip.bitWidth, let network = IPNetwork(address: ip, prefixLength: ones) else {
            throw GobError("result address \(ip) with a mask of \(mask.count) bytes")
        }
        return network
    }

    /// Go's `net.IP` bytes: IPv4 as 4 bytes.
    static func goBytes(_ ip: IPAddress) -> [UInt8] { ip.bytes }

    /// A `net.IP` from 4 or 16 bytes (16-byte IPv4-mapped addresses are IPv4); nil when empty.
    static func address(_ bytes: [UInt8]) -> IPAddress? { IPAddress(bytes: bytes)?.unmapped }
}

private func nonEmpty(_ s: String) -> String? { s.isEmpty ? nil : s }
private func nonZero(_ i: Int64) -> Int? { i == 0 ? nil : Int(i) }

import CNI
import NetAddress

/// A transport protocol a port can be published for.
public enum PortProtocol: String, Sendable, Hashable, CaseIterable, Comparable {
    case tcp, udp, sctp

    public static func < (a: PortProtocol, b: PortProtocol) -> Bool { a.rawValue < b.rawValue }
}

/// One entry of `runtimeConfig.portMappings`: host ports published to container ports.
///
/// The capability's entries (CNI CONVENTIONS) are `{"hostPort", "containerPort", "protocol", "hostIP"}`;
/// we add `"range"`, the number of consecutive ports (default 1, netavark's meaning of the word):
///
///     {"hostPort": 8000, "containerPort": 9000, "protocol": "tcp", "range": 10}
///
/// publishes host ports 8000–8009 to container ports 9000–9009, port for port. The reference has no
/// range form; it ignores the key, so a range degrades there to its first port.
public struct PortMapping: Sendable, Hashable {
    public var proto: PortProtocol
    /// The published ports (one port unless a range).
    public var hostPorts: ClosedRange<UInt16>
    /// The container ports, as many as host ports.
    public var containerPorts: ClosedRange<UInt16>
    /// `hostIP` as given: nil publishes on every local address of both families; `0.0.0.0` (`::`)
    /// publishes on every local address of that family only, as in the reference.
    public var hostIP: IPAddress?

    public init(proto: PortProtocol, hostPort: UInt16, containerPort: UInt16, count: UInt16 = 1, hostIP: IPAddress? = nil) {
        precondition(count >= 1 && Int(hostPort) + Int(count) - 1 <= 65535 && Int(containerPort) + Int(count) - 1 <= 65535)
        self.proto = proto
        self.hostPorts = hostPort...(hostPort + (count - 1))
        self.containerPorts = containerPort...(containerPort + (count - 1))
        self.hostIP = hostIP
    }

    public var count: Int { hostPorts.count }
    /// True when the container ports are the host ports (DNAT then keeps the port).
    public var keepsPorts: Bool { hostPorts == containerPorts }

    /// Whether the mapping applies to container addresses of `family` (a hostIP of the other
    /// family skips it, as in the reference).
    public func applies(to family: IPFamily) -> Bool { hostIP.map { $0.family == family } ?? true }

    /// The address to match as destination: the hostIP unless it is unspecified.
    public var destination: IPAddress? { hostIP.flatMap { $0.isUnspecified ? nil : $0 } }

    /// Each host port with its container port (a range expanded).
    public var pairs: [(host: UInt16, container: UInt16)] {
        hostPorts.map { ($0, containerPorts.lowerBound + ($0 - hostPorts.lowerBound)) }
    }
}

extension PortMapping {
    /// The reference's `PortMapEntry`, plus our `range`. containerd fills the capability from an
    /// untagged Go struct (`{"HostPort":18480,"ContainerPort":80,"Protocol":"tcp","HostIP":""}`),
    /// which these fields read as the reference's do: keys fold.
    static let fields: GoFields = ["hostPort", "containerPort", "protocol", "hostIP", "range"]

    /// Parses `runtimeConfig.portMappings` (a Go `[]PortMapEntry`; absent or null: no mappings),
    /// with the reference's messages for bad ports. `protocol` is case-insensitive and defaults to
    /// `tcp` when empty or absent.
    public static func parseList(_ value: GoValue) throws -> [PortMapping] {
        var out: [PortMapping] = []
        for entry in try value.slice() ?? [] {
            out.append(try parse(entry))
        }
        return out
    }

    static func parse(_ entry: GoValue) throws -> PortMapping {
        let o = try entry.object(fields)
        let key = entry.path
        let hostPort = try o["hostPort"].int() ?? 0
        let containerPort = try o["containerPort"].int() ?? 0
        let count = try o["range"].int() ?? 1
        // The reference checks the container port first.
        guard containerPort > 0, containerPort <= 65535 else {
            throw PortMapError.config("Invalid container port number: \(containerPort)")
        }
        guard hostPort > 0, hostPort <= 65535 else { throw PortMapError.config("Invalid host port number: \(hostPort)") }
        guard count >= 1 else { throw PortMapError.config("\(key): invalid port range \(count): must be at least 1") }
        guard hostPort + count - 1 <= 65535, containerPort + count - 1 <= 65535 else {
            throw PortMapError.config(
                "\(key): port range of \(count) from host port \(hostPort) to container port \(containerPort) ends past 65535")
        }
        let protoText = (try o["protocol"].string() ?? "").lowercased()
        guard let proto = protoText.isEmpty ? .tcp : PortProtocol(rawValue: protoText) else {
            throw PortMapError.config("\(key): unsupported protocol \"\(protoText)\" (tcp, udp or sctp)")
        }
        var hostIP: IPAddress?
        if let text = try o["hostIP"].string(), !text.isEmpty {
            guard let ip = IPAddress(text) else { throw PortMapError.config("\(key): invalid hostIP \"\(text)\"") }
            hostIP = ip.unmapped
        }
        return PortMapping(
            proto: proto, hostPort: UInt16(hostPort), containerPort: UInt16(containerPort), count: UInt16(count),
            hostIP: hostIP)
    }
}

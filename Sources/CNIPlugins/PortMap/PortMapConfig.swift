import CNI
import Firewall
import NetAddress

/// Which firewall API holds the rules; the raw values are the config's `backend`.
public typealias PortMapBackendKind = FirewallBackendKind

/// The options that shape the rules (everything in the config but the mappings).
public struct PortMapOptions: Sendable, Hashable {
    /// `snat` (default true): masquerade hairpin and localhost connections.
    public var snat: Bool = true
    /// `masqAll`: masquerade every DNATed connection, whatever its source.
    public var masqAll: Bool = false
    /// `markMasqBit` (iptables): the mark bit meaning "masquerade me" (default 13, 0x2000).
    public var markMasqBit: Int = 13
    /// `externalSetMarkChain` (iptables): mark through this chain instead of CNI-HOSTPORT-SETMARK.
    public var externalSetMarkChain: String?
    /// `conditionsV4` / `conditionsV6`: extra matches on the entry rules (iptables arguments, or
    /// nftables match words for the nftables backend).
    public var conditionsV4: [String]?
    public var conditionsV6: [String]?

    public init() {}

    public func conditions(_ family: IPFamily) -> [String] { (family == .v4 ? conditionsV4 : conditionsV6) ?? [] }

    /// `0x2000/0x2000`: the mark value and mask, as iptables-save prints them.
    public var markSpec: String {
        let value = "0x" + String(UInt32(1) << UInt32(markMasqBit), radix: 16)
        return value + "/" + value
    }
}

/// portmap's view of a request: the options, the mappings and the container addresses.
public struct PortMapConfig: Sendable {
    public var network: String
    public var cniVersion: String
    /// `backend` as configured (nil: chosen by `backend(nodeDefault:)`).
    public var backend: PortMapBackendKind?
    public var options = PortMapOptions()
    /// `runtimeConfig.portMappings` (capability `portMappings`).
    public var mappings: [PortMapping]
    public var prevResult: CNIResult?

    /// Parses and validates the config as the reference's parseConfig does, with its messages.
    public init(_ config: NetworkConfig) throws(PortMapError) {
        network = config.name
        cniVersion = config.cniVersion
        prevResult = config.prevResult
        let raw = config.raw
        if let text = try Self.string(raw, "backend"), !text.isEmpty {
            guard let kind = PortMapBackendKind(rawValue: text) else {
                throw PortMapError.config("unrecognized backend \"\(text)\"")
            }
            backend = kind
        }
        options.snat = try Self.bool(raw, "snat") ?? true
        options.masqAll = try Self.bool(raw, "masqAll") ?? false
        options.externalSetMarkChain = try Self.string(raw, "externalSetMarkChain")
        options.conditionsV4 = try Self.strings(raw, "conditionsV4")
        options.conditionsV6 = try Self.strings(raw, "conditionsV6")
        let bit = try Self.int(raw, "markMasqBit")
        if bit != nil && options.externalSetMarkChain != nil {
            throw PortMapError.config("Cannot specify externalSetMarkChain and markMasqBit")
        }
        options.markMasqBit = bit ?? 13
        guard (0...31).contains(options.markMasqBit) else {
            throw PortMapError.config("MasqMarkBit must be between 0 and 31")
        }
        mappings = try PortMapping.parseList(config.runtimeConfig("portMappings"))
    }

    // MARK: backend

    /// The backend that `conditionsV4`/`conditionsV6`/`externalSetMarkChain` are written for, per
    /// option: iptables conditions start with `-` or `!` (`-d`, `! -s`), nftables ones never do.
    var optionBackends: [(option: String, backend: PortMapBackendKind)] {
        var out: [(String, PortMapBackendKind)] = []
        if options.externalSetMarkChain != nil { out.append(("externalSetMarkChain", .iptables)) }
        for (name, conditions) in [("conditionsV4", options.conditionsV4), ("conditionsV6", options.conditionsV6)] {
            guard let first = conditions?.first, let c = first.first else { continue }
            out.append((name, c == "-" || c == "!" ? .iptables : .nftables))
        }
        return out
    }

    /// The backend for ADD, CHECK and STATUS:
    /// 1. `backend` when set;
    /// 2. else the one the backend-specific options are written for (`externalSetMarkChain` and
    ///    iptables-style conditions mean iptables, nftables-style conditions mean nftables);
    /// 3. else `nodeDefault`, the rule the masquerade follows too, so that one node keeps one
    ///    layout (``FirewallBackendKind/nodeDefault(_:)``: iptables where the reference's
    ///    iptables chains already are, else nftables). Only evaluated here.
    /// Options written for the other backend are refused with the reference's message.
    public func backend(nodeDefault: @autoclosure () -> PortMapBackendKind) throws(PortMapError) -> PortMapBackendKind {
        let implied = optionBackends
        let chosen: PortMapBackendKind
        if let backend {
            chosen = backend
        } else if let first = implied.first, implied.allSatisfy({ $0.backend == first.backend }) {
            chosen = first.backend
        } else {
            chosen = nodeDefault()
        }
        let wrong = implied.filter { $0.backend != chosen }.map(\.option)
        if !wrong.isEmpty {
            let other = chosen == .iptables ? PortMapBackendKind.nftables : .iptables
            throw PortMapError.config(
                "\(chosen.rawValue) backend was requested but configuration contains \(other.rawValue)-specific options [\(wrong.joined(separator: " "))]")
        }
        return chosen
    }

    // MARK: container addresses

    /// The container's addresses from prevResult, at most one per family: the first IP of each
    /// family whose `interface` is the result interface named `ifName` with a sandbox, or that names
    /// no interface (the reference's rule; an index out of range also counts as "no interface").
    public func containerAddresses(ifName: String) -> [IPNetwork] {
        guard let result = prevResult else { return [] }
        var chosen: [IPFamily: IPNetwork] = [:]
        for ip in result.ips where chosen[ip.family] == nil {
            if let index = ip.interface, result.interfaces.indices.contains(index) {
                let interface = result.interfaces[index]
                guard interface.name == ifName, !(interface.sandbox ?? "").isEmpty else { continue }
            }
            chosen[ip.family] = ip.address
        }
        return IPFamily.allCases.compactMap { chosen[$0] }
    }

    // MARK: JSON fields

    private static func string(_ o: JSONObject, _ key: String) throws(PortMapError) -> String? {
        guard let v = o[key], !v.isNull else { return nil }
        guard let s = v.stringValue else { throw typeError(key, "a string", v) }
        return s
    }

    private static func bool(_ o: JSONObject, _ key: String) throws(PortMapError) -> Bool? {
        guard let v = o[key], !v.isNull else { return nil }
        guard let b = v.boolValue else { throw typeError(key, "a boolean", v) }
        return b
    }

    private static func int(_ o: JSONObject, _ key: String) throws(PortMapError) -> Int? {
        guard let v = o[key], !v.isNull else { return nil }
        guard let n = v.numberValue?.int else { throw typeError(key, "an integer", v) }
        return n
    }

    private static func strings(_ o: JSONObject, _ key: String) throws(PortMapError) -> [String]? {
        guard let v = o[key], !v.isNull else { return nil }
        guard let items = v.arrayValue else { throw typeError(key, "an array of strings", v) }
        var out: [String] = []
        for item in items {
            guard let s = item.stringValue else { throw typeError(key, "an array of strings", v) }
            out.append(s)
        }
        return out
    }

    private static func typeError(_ key: String, _ expected: String, _ value: JSONValue) -> PortMapError {
        PortMapError(.decoding, "failed to parse network configuration: \"\(key)\" must be \(expected), found \(value.kindDescription)")
    }
}

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

    /// The reference's `PortMapConf`: `types.NetConf`, then its own fields.
    static let fields = NetworkConfig.fields + [
        "backend", "snat", "conditionsV4", "conditionsV6", "masqAll", "markMasqBit", "externalSetMarkChain",
        "runtimeConfig",
    ]
    /// Its `RuntimeConfig` struct.
    static let runtimeConfigFields: GoFields = ["portMappings"]

    /// Parses and validates the config as the reference's parseConfig does (with Go's rules,
    /// ``GoValue``), with its messages. Pointer fields in the reference (`snat`, `markMasqBit`,
    /// `externalSetMarkChain`, the conditions) are unset when absent or `null`.
    public init(_ config: NetworkConfig) throws(PortMapError) {
        do {
            try self.init(reading: config)
        } catch let error as PortMapError {
            throw error
        } catch let error as GoReadError {
            throw PortMapError(error.code == .type ? .decoding : .invalidConfig, error.message)
        } catch let error as CNIError {
            throw PortMapError(.prevResult(error.code), error.msg)
        } catch {
            throw PortMapError(.system, "\(error)")
        }
    }

    private init(reading config: NetworkConfig) throws {
        network = config.name
        cniVersion = config.cniVersion
        prevResult = try config.prevResult
        let o = config.object(Self.fields)
        if let text = try o["backend"].pointee?.string(), !text.isEmpty {
            guard let kind = PortMapBackendKind(rawValue: text) else {
                throw PortMapError.config("unrecognized backend \"\(text)\"")
            }
            backend = kind
        }
        options.snat = try o["snat"].pointee?.bool() ?? true
        options.masqAll = try o["masqAll"].bool() ?? false
        options.externalSetMarkChain = try o["externalSetMarkChain"].pointee?.string()
        options.conditionsV4 = try o["conditionsV4"].pointee?.strings()
        options.conditionsV6 = try o["conditionsV6"].pointee?.strings()
        let bit = try o["markMasqBit"].pointee?.int()
        if bit != nil && options.externalSetMarkChain != nil {
            throw PortMapError.config("Cannot specify externalSetMarkChain and markMasqBit")
        }
        options.markMasqBit = bit ?? 13
        guard (0...31).contains(options.markMasqBit) else {
            throw PortMapError.config("MasqMarkBit must be between 0 and 31")
        }
        mappings = try PortMapping.parseList(o["runtimeConfig"].object(Self.runtimeConfigFields)["portMappings"])
    }

    /// What DEL needs, read without failing (the teardown rule, ``GoValue/readable(_:)``): the
    /// chains are found by network and container, so only the mappings that read (they decide
    /// whether the reference's untagged rules are looked for, and which UDP flows are flushed)
    /// and a `prevResult` that decodes (the addresses) are kept; the options keep their defaults.
    public init(teardown config: NetworkConfig) {
        network = config.name
        cniVersion = config.cniVersion
        prevResult = config.readablePrevResult
        let o = config.object(Self.fields)
        let list = o["runtimeConfig"].readable { v throws(GoReadError) in
            try v.object(Self.runtimeConfigFields)["portMappings"].slice()
        }
        mappings = (list ?? []).compactMap { try? PortMapping.parse($0) }
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
}

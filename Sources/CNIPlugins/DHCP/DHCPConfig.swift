import CNI

/// The dhcp IPAM plugin's network config, read with Go's rules (``GoValue``) into the shape of
/// the reference's `NetConf` (`types.NetConf` with `ipam` as its own `IPAMConfig`). Both sides
/// read it: the plugin for the daemon's socket (and to refuse a bad option before calling the
/// daemon), the daemon for the network name and the DHCP options.
public struct DHCPConfig: Sendable {
    static let fields = NetworkConfig.fields + ["ipam"]
    /// `IPAMConfig`: `types.IPAM` (`type`), then its own fields.
    static let ipamFields: GoFields = ["type", "daemonSocketPath", "provide", "request", "priority"]
    static let provideFields: GoFields = ["option", "value", "fromArg"]
    static let requestFields: GoFields = ["skipDefault", "option"]

    /// Where the daemon listens by default.
    public static let defaultSocketPath = "/run/cni/dhcp.sock"

    /// `ipam.provide[]`: an option sent to the server, its value given or taken from `CNI_ARGS`.
    public struct Provide: Sendable, Equatable {
        public var option: String
        public var value: String
        public var fromArg: String
    }

    /// `ipam.request[]`: an option asked of the server; `skipDefault` drops the default list
    /// (routers, subnet mask).
    public struct Request: Sendable, Equatable {
        public var option: String
        public var skipDefault: Bool
    }

    public var name: String
    /// `ipam.daemonSocketPath` ("" means the default).
    public var socketPath: String
    public var provide: [Provide]
    public var request: [Request]
    /// `ipam.priority`: the metric of every route of the result (0: none).
    public var priority: Int

    public init(_ config: NetworkConfig) throws {
        try self.init(config.object(Self.fields), name: config.name)
    }

    /// What DEL and GC need, on both sides, read without failing (the teardown rule,
    /// ``GoValue/readable(_:)``): the network name and the daemon's socket (the default when
    /// `daemonSocketPath` does not read). The DHCP options matter only to ADD.
    public init(teardown config: NetworkConfig) {
        name = config.name
        let ipam = config.object(Self.fields)["ipam"].readable { v throws(GoReadError) in try v.pointee?.object(Self.ipamFields) }
        socketPath = ipam?["daemonSocketPath"].readable { v throws(GoReadError) in try v.string() } ?? ""
        provide = []
        request = []
        priority = 0
    }

    /// Reads the config bytes the daemon receives.
    public init(bytes: [UInt8]) throws {
        let config = try NetworkConfig(bytes: bytes)
        try self.init(config)
    }

    private init(_ o: GoObject, name: String) throws {
        self.name = name
        // A missing `ipam` makes the reference dereference nil; here it reads as empty.
        let ipam = try o["ipam"].pointee?.object(Self.ipamFields)
        _ = try ipam?["type"].string()
        socketPath = try ipam?["daemonSocketPath"].string() ?? ""
        priority = try ipam?["priority"].int() ?? 0
        provide = []
        for element in try ipam?["provide"].slice() ?? [] {
            let p = try element.object(Self.provideFields)
            provide.append(
                Provide(option: try p["option"].string() ?? "", value: try p["value"].string() ?? "", fromArg: try p["fromArg"].string() ?? ""))
        }
        request = []
        for element in try ipam?["request"].slice() ?? [] {
            let r = try element.object(Self.requestFields)
            request.append(Request(option: try r["option"].string() ?? "", skipDefault: try r["skipDefault"].bool() ?? false))
        }
    }

    /// The socket to call: `daemonSocketPath`, else the default.
    public var daemonSocket: String { socketPath.isEmpty ? Self.defaultSocketPath : socketPath }
}

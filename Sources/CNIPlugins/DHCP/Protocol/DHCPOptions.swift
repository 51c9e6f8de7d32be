import CNI
/// The options a lease's messages carry beyond the protocol's own, built from the config's
/// `provide` and `request` lists and `CNI_ARGS`, as the reference's `prepareOptions` builds them.
struct DHCPOptions: Sendable, Equatable, Codable {
    /// (code, value) in order; a later one of the same code replaces an earlier one when sent.
    var provided: [Provided]
    /// Option 55, the parameter request list.
    var requested: [UInt8]

    struct Provided: Sendable, Equatable, Codable {
        var code: UInt8
        var value: [UInt8]
    }

    /// The names an option may be given by (dhcp-options(5)); anything else must be a number.
    static let names: [String: UInt8] = [
        "dhcp-client-identifier": DHCPMessage.Option.clientID, "subnet-mask": DHCPMessage.Option.subnetMask,
        "routers": DHCPMessage.Option.router, "host-name": DHCPMessage.Option.hostName,
        "user-class": DHCPMessage.Option.userClass, "vendor-class-identifier": DHCPMessage.Option.vendorClass,
    ]

    /// Asked for unless a request sets `skipDefault`: routers, subnet mask.
    static let defaultRequests: [UInt8] = [DHCPMessage.Option.router, DHCPMessage.Option.subnetMask]

    /// What the DHCP library the reference uses asks for when the list ends up empty.
    static let libraryRequests: [UInt8] = [DHCPMessage.Option.subnetMask, DHCPMessage.Option.router, 15, DHCPMessage.Option.dns]

    /// An option name or decimal code (0–255).
    static func code(_ option: String) throws(DHCPError) -> UInt8 {
        if let code = names[option] { return code }
        guard !option.isEmpty, option.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw DHCPError(.invalidConfig, "Can not parse option \(goQuote(option)): Can not parse option: strconv.ParseUint: parsing \(goQuote(option)): invalid syntax")
        }
        guard let code = UInt8(option) else {
            throw DHCPError(.invalidConfig, "Can not parse option \(goQuote(option)): Can not parse option: strconv.ParseUint: parsing \(goQuote(option)): value out of range")
        }
        return code
    }

    init(provided: [Provided] = [], requested: [UInt8] = DHCPOptions.defaultRequests) {
        self.provided = provided
        self.requested = requested
    }

    init(config: DHCPConfig, cniArgs: String) throws(DHCPError) {
        var args: [String: String] = [:]
        for pair in cniArgs.split(separator: ";", omittingEmptySubsequences: false) {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if kv.count > 1 { args[String(kv[0])] = String(kv[1]) }
        }
        provided = []
        for p in config.provide {
            let code = try Self.code(p.option)
            if !p.value.isEmpty {
                guard p.value.utf8.count <= 255 else {
                    throw DHCPError(.invalidConfig, "value too long for option \(goQuote(p.option)): \(goQuote(p.value))")
                }
                provided.append(Provided(code: code, value: Array(p.value.utf8)))
            }
            if let value = args[p.fromArg] {
                guard value.utf8.count <= 255 else {
                    throw DHCPError(.invalidArgs, "value too long for option \(goQuote(p.option)) from CNI_ARGS \(goQuote(p.fromArg)): \(goQuote(value))")
                }
                provided.append(Provided(code: code, value: Array(value.utf8)))
            }
        }
        var list: [UInt8] = []
        var skipDefault = false
        for r in config.request {
            if r.skipDefault { skipDefault = true }
            if r.option.isEmpty { continue }
            let code = try Self.code(r.option)
            if !list.contains(code) { list.append(code) }
        }
        if !skipDefault {
            for code in Self.defaultRequests where !list.contains(code) { list.append(code) }
        }
        requested = list.isEmpty ? Self.libraryRequests : list
    }

    /// Option 61 for a client ID: type 0 (not a hardware address) and the ID's bytes.
    static func clientIDOption(_ clientID: String) -> [UInt8] { [0] + Array(clientID.utf8) }

    /// Puts the options into `message`: the client ID, the request list, then each provided
    /// option (which may replace either).
    func apply(to message: inout DHCPMessage, clientID: String) {
        message[option: DHCPMessage.Option.clientID] = Self.clientIDOption(clientID)
        message[option: DHCPMessage.Option.parameterRequestList] = requested
        for p in provided { message[option: p.code] = p.value }
    }
}

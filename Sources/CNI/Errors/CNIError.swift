/// The error a plugin reports to the runtime: the spec's error object, printed by ``PluginMain`` as
/// `{"cniVersion", "code", "msg", "details"}` on stdout with exit status 1.
///
/// Plugin code does not build one: it throws its own ``DomainErrors/DomainError`` (or any error,
/// which becomes code 999), and `CNIError+Mapping.swift` decides the code from the error's kind.
/// Only the spec's own checks (``PluginMain``, `CNI_ARGS`, `CNI_NETNS`) and delegation, which
/// passes a delegate's error on, build one.
public struct CNIError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A CNI error code. The spec's well-known codes are static members; 100 and up are
    /// plugin-specific, and any value received from a delegate is kept as is.
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible, ExpressibleByIntegerLiteral {
        public var rawValue: UInt

        public init(rawValue: UInt) { self.rawValue = rawValue }
        public init(integerLiteral value: UInt) { rawValue = value }

        /// 1: the plugin does not speak the config's `cniVersion` (or the verb needs a newer one).
        public static let incompatibleCNIVersion: Code = 1
        /// 2: a config field has a value the plugin does not support; the message names key and value.
        public static let unsupportedField: Code = 2
        /// 3: the container is unknown or gone; the runtime need not call DEL.
        public static let unknownContainer: Code = 3
        /// 4: a required `CNI_*` environment variable is missing or invalid; the message names it.
        public static let invalidEnvironmentVariables: Code = 4
        /// 5: an I/O failure, such as reading stdin.
        public static let ioFailure: Code = 5
        /// 6: content (stdin config, a delegate's output) could not be decoded.
        public static let decodingFailure: Code = 6
        /// 7: the network configuration is invalid.
        public static let invalidNetworkConfig: Code = 7
        /// 8: `CNI_NETNS` is the plugin's own network namespace (libcni).
        public static let invalidNetNS: Code = 8
        /// 11: a transient failure; the runtime may retry later.
        public static let tryAgainLater: Code = 11
        /// 50: STATUS: the plugin cannot service ADD right now.
        public static let pluginNotAvailable: Code = 50
        /// 51: STATUS: not available, and existing containers may have limited connectivity.
        public static let limitedConnectivity: Code = 51
        /// 999: any other failure (libcni's `ErrInternal`).
        public static let `internal`: Code = 999

        public var description: String { String(rawValue) }
    }

    /// The code, one of ``Code``'s well-known values or plugin-specific.
    public var code: Code
    /// A short message (the spec's `msg`).
    public var msg: String
    /// Longer details, empty when there are none (omitted from the JSON then).
    public var details: String

    public init(_ code: Code, _ msg: String, details: String = "") {
        self.code = code
        self.msg = msg
        self.details = details
    }

    /// `msg`, or `msg; details`, as libcni's `Error()` prints it.
    public var description: String { details.isEmpty ? msg : "\(msg); \(details)" }

    /// The spec's error object: `cniVersion`, `code`, `msg`, and `details` unless empty.
    public func json(cniVersion: String) -> JSONValue {
        var object: JSONObject = [
            "cniVersion": .string(cniVersion),
            "code": .number(JSONNumber(code.rawValue)),
            "msg": .string(msg),
        ]
        if !details.isEmpty { object["details"] = .string(details) }
        return .object(object)
    }

    /// libcni's `types.Error`.
    static let fields: GoFields = ["code", "msg", "details"]

    /// Reads an error object as libcni does (into `types.Error`, with Go's rules): `code` (a Go
    /// `uint`), `msg` and `details`, each optional (a missing code reads as 0); other members
    /// such as `cniVersion` are ignored.
    public init(json: JSONValue) throws(CNIError) {
        guard case .object = json else {
            throw CNIError(.decodingFailure, "expected an error object, found \(json.kindDescription)")
        }
        do {
            let o = try GoValue(root: json, subject: "error object").object(Self.fields)
            self.init(
                Code(rawValue: try o["code"].int(UInt.self) ?? 0), try o["msg"].string() ?? "",
                details: try o["details"].string() ?? "")
        } catch {
            throw CNIError(.decodingFailure, error.message)
        }
    }
}

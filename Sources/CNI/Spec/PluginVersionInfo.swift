/// A plugin's answer to VERSION: `{"cniVersion": …, "supportedVersions": […]}`.
public struct PluginVersionInfo: Sendable, Hashable {
    /// The version the answer is written in (the one asked for).
    public var cniVersion: String
    /// Every version the plugin speaks.
    public var supportedVersions: [String]

    public init(cniVersion: String, supportedVersions: [String]) {
        self.cniVersion = cniVersion
        self.supportedVersions = supportedVersions
    }

    /// The JSON, members in skel's order.
    public var json: JSONValue {
        ["cniVersion": .string(cniVersion), "supportedVersions": .array(supportedVersions.map(JSONValue.string))]
    }

    /// libcni's `version.PluginDecoder` struct.
    static let fields: GoFields = ["cniVersion", "supportedVersions"]

    /// Reads a VERSION answer as libcni's `PluginDecoder` does: both fields required, except that
    /// a 0.2.0 plugin without a list supports 0.1.0 and 0.2.0. Errors are code 6, with libcni's
    /// texts (`decoding version info: missing field cniVersion`).
    public init(bytes: [UInt8]) throws(CNIError) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw CNIError(.decodingFailure, "decoding version info: \(error)")
        }
        let version: String
        let list: [String]
        do {
            let r = try GoValue(root: json, subject: "version info").object(Self.fields)
            version = try r["cniVersion"].string() ?? ""
            list = try r["supportedVersions"].strings() ?? []
        } catch {
            throw CNIError(.decodingFailure, "decoding version info: \(error.message)")
        }
        guard !version.isEmpty else { throw CNIError(.decodingFailure, "decoding version info: missing field cniVersion") }
        if list.isEmpty {
            guard version == "0.2.0" else {
                throw CNIError(.decodingFailure, "decoding version info: missing field supportedVersions")
            }
            self.init(cniVersion: version, supportedVersions: ["0.1.0", "0.2.0"])
            return
        }
        self.init(cniVersion: version, supportedVersions: list)
    }
}

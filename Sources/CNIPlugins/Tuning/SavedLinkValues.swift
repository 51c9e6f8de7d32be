import CNI
import PluginKit
import Posix

/// The interface values ADD replaced, kept until DEL puts them back: the reference's
/// `configToRestore`, in its file (`<dataDir>/<containerID>_<ifname>.json`) and format (Go's
/// `json.MarshalIndent` with a one-space indent, absent values left out), so a DEL by either
/// implementation restores an ADD by the other.
///
/// ```
/// {
///  "mac": "c2:b0:57:49:47:f1",
///  "promisc": false,
///  "mtu": 1500,
///  "allmulti": false,
///  "txQLen": 1000
/// }
/// ```
struct SavedLinkValues: Equatable {
    /// `mac` (omitted when empty), as Go prints a `net.HardwareAddr`: lowercase with colons.
    var mac: String?
    /// `promisc` (a pointer: omitted when nil).
    var promiscuous: Bool?
    /// `mtu` (omitted when 0).
    var mtu: Int?
    /// `allmulti`.
    var allMulticast: Bool?
    /// `txQLen` (a pointer: 0 is written).
    var txQueueLength: Int?

    static let fields: GoFields = ["mac", "promisc", "mtu", "allmulti", "txQLen"]

    var isEmpty: Bool { self == SavedLinkValues() }

    /// The file's bytes.
    var json: [UInt8] {
        var object = JSONObject()
        if let mac, !mac.isEmpty { object["mac"] = .string(mac) }
        if let promiscuous { object["promisc"] = .bool(promiscuous) }
        if let mtu, mtu != 0 { object["mtu"] = .number(JSONNumber(mtu)) }
        if let allMulticast { object["allmulti"] = .bool(allMulticast) }
        if let txQueueLength { object["txQLen"] = .number(JSONNumber(txQueueLength)) }
        return JSONSerializer.bytes(.object(object), style: .pretty(indent: " "))
    }

    init(mac: String? = nil, promiscuous: Bool? = nil, mtu: Int? = nil, allMulticast: Bool? = nil, txQueueLength: Int? = nil) {
        self.mac = mac
        self.promiscuous = promiscuous
        self.mtu = mtu
        self.allMulticast = allMulticast
        self.txQueueLength = txQueueLength
    }

    /// Reads a file's bytes as Go reads them into `configToRestore`; nil when they do not decode.
    init?(json bytes: [UInt8]) {
        guard let json = try? JSONParser.parse(bytes) else { return nil }
        do {
            let o = try GoValue(root: json, subject: "saved values").object(Self.fields)
            let mac = try o["mac"].string() ?? ""
            self.mac = mac.isEmpty ? nil : mac
            promiscuous = try o["promisc"].pointee?.bool()
            let mtu = try o["mtu"].int() ?? 0
            self.mtu = mtu == 0 ? nil : mtu
            allMulticast = try o["allmulti"].pointee?.bool()
            txQueueLength = try o["txQLen"].pointee?.int()
        } catch {
            return nil
        }
    }

    /// Each value this one lacks taken from `other` (an earlier save keeps the originals).
    func filling(from other: SavedLinkValues) -> SavedLinkValues {
        SavedLinkValues(
            mac: mac ?? other.mac, promiscuous: promiscuous ?? other.promiscuous, mtu: mtu ?? other.mtu,
            allMulticast: allMulticast ?? other.allMulticast, txQueueLength: txQueueLength ?? other.txQueueLength)
    }
}

/// Where the saved values of one attachment live.
struct SavedValuesFile {
    var directory: String
    var name: String

    init(dataDir: String, containerID: String, ifName: String) {
        directory = dataDir
        name = containerID + "_" + ifName + ".json"
    }

    var path: String { directory + "/" + name }

    /// The saved values; nil when there is no file, or it does not decode (as the reference,
    /// which then restores nothing).
    func read() throws(PluginError) -> SavedLinkValues? {
        do {
            return try Files.read(path, limit: 64 << 10).flatMap(SavedLinkValues.init(json:))
        } catch {
            throw PluginError.system("read saved values", error)
        }
    }

    /// Writes `values` (mode 0600; the directory 0700 if it is new) so that a reader never sees
    /// half a file.
    func write(_ values: SavedLinkValues) throws(PluginError) {
        do {
            try Files.makeDirectories(directory, mode: 0o700)
            try Files.writeAtomically(path, values.json, mode: 0o600)
        } catch {
            throw PluginError.system("save the values tuning replaces", error)
        }
    }

    /// Removes the file; a missing one is fine.
    func remove() throws(PluginError) {
        do {
            try Files.remove(path)
        } catch {
            throw PluginError.system("remove saved values", error)
        }
    }
}

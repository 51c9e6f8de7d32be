import CNITestSupport
import Foundation
import Testing

/// A plugin as the differential table drives it: which binary (`/usr/lib/cni/<binary>` against
/// ours), which namespaces a run needs, and how a runtime would call DEL after ADD.
struct DiffPlugin: Sendable {
    enum Namespaces: Sendable {
        /// An IPAM plugin: it runs in an anonymous network namespace and only its files are compared.
        case none
        /// A chained plugin that works in the host namespace only (portmap).
        case host
        /// An interface plugin: a host namespace and a container namespace.
        case hostAndContainer
    }

    enum DelPrevResult: Sendable {
        /// DEL gets the config with ADD's result as `prevResult` (what libcni sends).
        case fromAdd
        /// The config already carries the `prevResult` a runtime would send (chained plugins).
        case asConfigured
    }

    var binary: String
    var namespaces: Namespaces
    var delPrevResult: DelPrevResult
    /// Shell commands run once the namespaces exist, before ADD: `$1` is the host namespace's
    /// name, `$2` the container's (for plugins that need a link to work on: macvlan's master,
    /// tuning's interface, …). Empty for most.
    var prepare: String = ""
    /// Files placed in the lab's `/var/lib` before ADD (path relative to `/var/lib`, content).
    var files: [String: String] = [:]
    /// Whether the host's iptables filter tables are captured too (plugins that write there).
    var filterTables = false
    /// Shell commands printing more state in `@@<section>` blocks after each verb (`$1` host,
    /// `$2` container): what the standard capture does not show (tc, policy rules, sysctls).
    var capture: String = ""

    static let bridge = DiffPlugin(binary: "bridge", namespaces: .hostAndContainer, delPrevResult: .fromAdd)
    static let ptp = DiffPlugin(binary: "ptp", namespaces: .hostAndContainer, delPrevResult: .fromAdd)
    static let loopback = DiffPlugin(binary: "loopback", namespaces: .hostAndContainer, delPrevResult: .fromAdd)
    static let hostLocal = DiffPlugin(
        binary: "host-local", namespaces: .none, delPrevResult: .fromAdd,
        files: ["resolv.test": "nameserver 10.0.0.53\nsearch example.test\noptions ndots:2\n"])
    static let portmap = DiffPlugin(binary: "portmap", namespaces: .host, delPrevResult: .asConfigured)
    static let firewall = DiffPlugin(binary: "firewall", namespaces: .host, delPrevResult: .asConfigured, filterTables: true)
}

/// One row of the differential table: a config (raw bytes: invalid UTF-8 and deep nesting are not
/// JSON values) sent to the reference's plugin and to ours.
struct DiffCase: Sendable, CustomTestStringConvertible {
    var plugin: DiffPlugin
    /// What the row exercises: "key case", "duplicates", "null", "numbers", "strings", "UTF-8",
    /// "depth", "unknown keys", "wrong types", "invalid JSON", "baseline", ….
    var group: String
    var name: String
    var config: [UInt8]
    var cniArgs: String? = nil
    /// Where ours differs from the reference on purpose: each mark quotes the document that says
    /// so and names the aspects it explains. Any other difference still fails the row.
    var deliberate: [Deliberate] = []

    var id: String { "\(plugin.binary) / \(group) / \(name)" }
    var testDescription: String { id }
}

/// A documented, deliberate difference between ours and the reference (the common ones are in
/// `DiffTable+Deliberate.swift`).
struct Deliberate: Sendable {
    /// A short name for the report (`codes`, `DEL rule`).
    var name: String
    /// Text the document contains (line breaks read as spaces), naming the difference.
    var readme: String
    /// The document, relative to the package root: the README, or a plugin's own README.
    var document = "README.md"
    /// The aspects it explains: `ADD`, `result`, `DEL`, `after ADD/<section>`, `after DEL/<section>`;
    /// `after ADD/*` for every section.
    var covers: [String]
    /// For the verbs (`ADD`, `DEL`): the outcomes it explains, `reference → ours` as the table
    /// prints them (`error 999 → error 6`). Empty: any.
    var outcomes: [String] = []

    func explains(_ difference: DiffDifference) -> Bool {
        let covered = covers.contains { c in
            c == difference.aspect || (c.hasSuffix("/*") && difference.aspect.hasPrefix(c.dropLast()))
        }
        guard covered, !outcomes.isEmpty, let sides = difference.outcomes else { return covered }
        return outcomes.contains(sides)
    }

    /// Everything may differ: ours succeeds where the reference refuses the config (or the reverse).
    static func outcome(_ name: String, _ readme: String, document: String = "README.md") -> Deliberate {
        Deliberate(name: name, readme: readme, document: document, covers: ["ADD", "result", "after ADD/*", "DEL", "after DEL/*"])
    }
}

/// Builders for the table's configs. Text is UTF-8; `<XX>` (two upper-case hex digits) stands
/// for the raw byte 0xXX, so rows can carry bytes that are not UTF-8.
enum Conf {
    /// `text` as bytes, with every `<XX>` replaced by that byte.
    static func bytes(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        let utf8 = Array(text.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "<"), i + 3 < utf8.count, utf8[i + 3] == UInt8(ascii: ">"),
                let byte = UInt8(String(decoding: utf8[(i + 1)...(i + 2)], as: UTF8.self), radix: 16),
                utf8[(i + 1)...(i + 2)].allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x46).contains($0) })
            {
                out.append(byte)
                i += 4
            } else {
                out.append(utf8[i])
                i += 1
            }
        }
        return out
    }

    /// The standard members every config starts with.
    static let header = #""cniVersion":"1.0.0","name":"dnet""#

    /// A JSON object of `members` (each `"key":value` text, in order).
    static func object(_ members: [String]) -> [UInt8] {
        bytes("{" + members.filter { !$0.isEmpty }.joined(separator: ",") + "}")
    }

    /// `"key":` followed by `depth` nested arrays: the whole config is `depth + 1` levels deep.
    static func nestedArrays(_ key: String, depth: Int) -> String {
        "\"\(key)\":" + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    }

    /// `"key":` followed by `depth` nested objects `{"a":{"a":…{}}}`.
    static func nestedObjects(_ key: String, depth: Int) -> String {
        "\"\(key)\":" + String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
    }
}

/// Makes the rows of a plugin whose config is built from a header, an `ipam` object (under the
/// key `ipamKey`; none when nil) and extra members: bridge, ptp, host-local.
struct IPAMRowBuilder {
    let plugin: DiffPlugin
    let conf: (_ header: String, _ ipamKey: String, _ ipam: String?, _ extra: [String]) -> [UInt8]

    func callAsFunction(
        _ group: String, _ name: String, _ extra: String..., header: String = Conf.header, ipamKey: String = "ipam",
        ipam: String? = DiffTable.bridgeIPAM, args: String? = nil, deliberate: [Deliberate] = []
    ) -> DiffCase {
        DiffCase(
            plugin: plugin, group: group, name: name, config: conf(header, ipamKey, ipam, extra), cniArgs: args,
            deliberate: deliberate)
    }
}

/// The table: every plugin's rows, in report order. A plugin added later adds its rows here.
enum DiffTable {
    static let all: [DiffCase] = bridge + ptp + loopback + hostLocal + portmap + macvlan + hostDevice + firewall + tuning + bandwidth + sbr
        + vrf

    static func index(of row: DiffCase) -> Int { all.firstIndex { $0.id == row.id } ?? -1 }

    /// The rows that decode the envelope every plugin shares (invalid JSON, top-level types,
    /// depth, UTF-8, standard keys), for `plugin` whose valid config `base(header, extra members)`
    /// builds: `header` stands for `Conf.header` (cniVersion and name), the extra members come
    /// last. `full` adds the rows worth running only for the first plugin of a decoder family.
    /// `deliberate` marks rows by `"<group> / <name>"`.
    static func envelope(
        _ plugin: DiffPlugin, full: Bool, deliberate: [String: [Deliberate]] = [:],
        _ base: @escaping (String, [String]) -> [UInt8]
    ) -> [DiffCase] {
        func row(_ group: String, _ name: String, _ config: [UInt8]) -> DiffCase {
            DiffCase(plugin: plugin, group: group, name: name, config: config, deliberate: deliberate["\(group) / \(name)"] ?? [])
        }
        func extra(_ members: String...) -> [UInt8] { base(Conf.header, members) }
        func header(_ header: String) -> [UInt8] { base(header, []) }
        let valid = extra()
        var rows = [
            row("invalid JSON", "truncated", Array(valid.dropLast())),
            row("top level", "null", Conf.bytes("null")),
            row("top level", "array", Conf.bytes("[]")),
            row("depth", "10000 levels (Go's limit)", extra(Conf.nestedArrays("x", depth: 9999))),
            row("depth", "10001 levels", extra(Conf.nestedArrays("x", depth: 10000))),
            row("UTF-8", "invalid byte in an unknown key's value", extra(#""x":"a<FF>b""#)),
            row("UTF-8", "invalid byte in the network name", header(#""cniVersion":"1.0.0","name":"dn<FF>et""#)),
            // A version read wrongly shows as another result shape: a missing one means 0.1.0.
            row("key case", "CNIVersion", header(#""CNIVersion":"1.0.0","name":"dnet""#)),
            row("key case", "Name", header(#""cniVersion":"1.0.0","Name":"dnet""#)),
            row("duplicates", "cniVersion 0.4.0 then 1.0.0", base(#""cniVersion":"0.4.0","name":"dnet""#, [#""cniVersion":"1.0.0""#])),
            row("duplicates", "name then NAME (folded) of another network", extra(#""NAME":"dnet2""#)),
            row("null", "cniVersion", header(#""cniVersion":null,"name":"dnet""#)),
            row("null", "name", header(#""cniVersion":"1.0.0","name":null"#)),
            row("wrong types", "name is a number", header(#""cniVersion":"1.0.0","name":5"#)),
            row("unknown keys", "scalars, objects, arrays", extra(#""x":1,"Y":{"z":[1,{"w":null}]},"tYpE2":"bridge""#)),
        ]
        if full {
            rows += [
                row("invalid JSON", "empty", []),
                row("invalid JSON", "trailing comma", Array(valid.dropLast()) + Conf.bytes(",}")),
                row("invalid JSON", "a second value after the object", valid + Conf.bytes("{}")),
                row("invalid JSON", "whitespace after the object (valid)", valid + Conf.bytes(" \n\t")),
                row("invalid JSON", "byte-order mark", Conf.bytes("<EF><BB><BF>") + valid),
                row("invalid JSON", "comment", Conf.bytes("/* c */") + valid),
                row("invalid JSON", "NaN", extra(#""x":NaN"#)),
                row("invalid JSON", "single quotes", extra(#"'x':1"#)),
                row("invalid JSON", "raw tab inside a string", extra(#""x":"a<09>b""#)),
                row("invalid JSON", "bad escape \\x41", extra(#""x":"\x41""#)),
                row("invalid JSON", "number with a leading zero", extra(#""x":012"#)),
                row("invalid JSON", "invalid byte between members", extra(#""x":1<FF>"#)),
                row("top level", "string", Conf.bytes(#""dnet""#)),
                row("top level", "number", Conf.bytes("5")),
                row("depth", "10000 levels of objects", extra(Conf.nestedObjects("x", depth: 9999))),
                row("depth", "10001 levels of objects", extra(Conf.nestedObjects("x", depth: 10000))),
                row("UTF-8", "invalid byte in an unknown key's name", extra(#""x<FF>y":1"#)),
                row("UTF-8", "truncated sequence at the end of a string", extra(#""x":"a<C3>""#)),
                row("UTF-8", "surrogate encoded in UTF-8 (CESU)", extra(#""x":"<ED><A0><80>""#)),
                row("UTF-8", "escaped lone surrogate", extra(#""x":"\ud800""#)),
                row("UTF-8", "overlong encoding of '/'", extra(#""x":"<C0><AF>""#)),
                row("UTF-8", "valid non-ASCII in the network name", header(#""cniVersion":"1.0.0","name":"dnét""#)),
                row("duplicates", "cniVersion 0.4.0 then CNIVERSION 1.0.0 (folded)",
                    base(#""cniVersion":"0.4.0","name":"dnet""#, [#""CNIVERSION":"1.0.0""#])),
                row("missing", "cniVersion", header(#""name":"dnet""#)),
                row("missing", "name", header(#""cniVersion":"1.0.0""#)),
                row("null", "type", extra(#""type":null"#)),
                row("wrong types", "cniVersion is a number", header(#""cniVersion":1.0,"name":"dnet""#)),
                row("wrong types", "unknown cniVersion 9.9.9", header(#""cniVersion":"9.9.9","name":"dnet""#)),
            ]
        }
        return rows
    }
}

/// The tests of the table itself: every row is distinct, and every deliberate difference quotes
/// the document that explains it.
@Suite struct DifferentialTableTests {
    @Test func rowsAreUnique() {
        var seen: Set<String> = []
        for row in DiffTable.all { #expect(seen.insert(row.id).inserted, "duplicate row \(row.id)") }
    }

    @Test func deliberateDifferencesQuoteTheReadme() throws {
        for row in DiffTable.all {
            for deliberate in row.deliberate {
                let text = try String(contentsOfFile: Binaries.packageRoot + "/" + deliberate.document, encoding: .utf8)
                    .replacingOccurrences(of: "\n  ", with: " ").replacingOccurrences(of: "\n", with: " ")
                #expect(text.contains(deliberate.readme), "\(row.id): \(deliberate.document) does not say \"\(deliberate.readme)\"")
            }
        }
    }
}

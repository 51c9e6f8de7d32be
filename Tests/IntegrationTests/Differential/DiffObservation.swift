import CNITestSupport
import Foundation

/// How one verb ended: success, a CNI error (code and message), or something that is not a CNI
/// answer at all (a crash, no JSON).
struct VerbOutcome: Sendable, Equatable {
    var exit: Int32
    var code: Int?
    var message: String?

    init(_ out: CommandOutput) {
        exit = out.status
        if out.status != 0, let error = jsonObject(out.stdout) {
            code = (error["code"] as? NSNumber)?.intValue
            let msg = error["msg"] as? String ?? ""
            let details = error["details"] as? String ?? ""
            message = details.isEmpty ? msg : msg + "; details: " + details
        } else if out.status != 0 {
            message = "no CNI error object: " + (out.stdout + out.stderr).prefix(200)
        }
    }

    var succeeded: Bool { exit == 0 }

    /// What is compared between the two sides: success, the error code, or the exit status.
    var kind: String {
        if exit == 0 { return "ok" }
        if let code { return "error \(code)" }
        return "exit \(exit)"
    }
}

/// Everything observed of one side of one case, normalised so that only meaningful differences
/// remain: random veth names, MACs, namespace names, interface indexes, counters, timers and the
/// order of things that have no order are taken out.
struct DiffObservation: Sendable {
    var add: VerbOutcome
    /// The ADD result, re-serialised with sorted keys (nil when ADD failed).
    var result: String?
    var afterAdd: [String: [String]]
    var del: VerbOutcome
    var afterDel: [String: [String]]

    /// Runs ADD, captures, runs DEL (with the ADD result as prevResult where the plugin wants it),
    /// captures again.
    static func observe(_ row: DiffCase, on side: DiffSide) throws -> DiffObservation {
        let addOut = try side.run("ADD", config: row.config, cniArgs: row.cniArgs)
        let add = VerbOutcome(addOut)
        let afterAdd = try side.capture()
        var delConfig = row.config
        if add.succeeded, row.plugin.delPrevResult == .fromAdd {
            delConfig = Self.splice(prevResult: addOut.stdoutBytes, into: row.config)
        }
        let del = VerbOutcome(try side.run("DEL", config: delConfig, cniArgs: row.cniArgs))
        let afterDel = try side.capture()
        let normalizer = DiffNormalizer(side: side)
        return DiffObservation(
            add: add,
            result: add.succeeded ? normalizer.result(addOut.stdout) : nil,
            afterAdd: normalizer.sections(afterAdd),
            del: del,
            afterDel: normalizer.sections(afterDel))
    }

    /// `config` with `"prevResult":<result>` added as its last member (a runtime's DEL).
    static func splice(prevResult: [UInt8], into config: [UInt8]) -> [UInt8] {
        guard let close = config.lastIndex(of: UInt8(ascii: "}")) else { return config }
        return Array(config[..<close]) + Array(#","prevResult":"#.utf8) + prevResult + Array(config[close...])
    }

    /// The differences that matter between the reference's observation and ours.
    static func differences(reference r: DiffObservation, ours o: DiffObservation) -> [DiffDifference] {
        var found: [DiffDifference] = []
        if r.add.kind != o.add.kind {
            found.append(DiffDifference(
                aspect: "ADD", text: "ADD: reference \(r.add.kind), ours \(o.add.kind)", outcomes: "\(r.add.kind) → \(o.add.kind)"))
        }
        if let a = r.result, let b = o.result, a != b {
            found.append(DiffDifference(aspect: "result", text: "ADD result:\n  reference \(a)\n  ours      \(b)"))
        }
        found += sectionDifferences("after ADD", r.afterAdd, o.afterAdd)
        if r.del.kind != o.del.kind {
            found.append(DiffDifference(
                aspect: "DEL", text: "DEL: reference \(r.del.kind), ours \(o.del.kind)", outcomes: "\(r.del.kind) → \(o.del.kind)"))
        }
        found += sectionDifferences("after DEL", r.afterDel, o.afterDel)
        return found
    }

    static func sectionDifferences(_ when: String, _ r: [String: [String]], _ o: [String: [String]]) -> [DiffDifference] {
        var found: [DiffDifference] = []
        for key in Set(r.keys).union(o.keys).sorted() {
            let a = r[key] ?? [], b = o[key] ?? []
            guard a != b else { continue }
            let onlyA = a.filter { !b.contains($0) }, onlyB = b.filter { !a.contains($0) }
            var text = "\(when), \(key):"
            if onlyA.isEmpty && onlyB.isEmpty {
                text += "\n  same lines, other order:\n    reference " + a.joined(separator: "\n    reference ")
                    + "\n    ours      " + b.joined(separator: "\n    ours      ")
            }
            for line in onlyA { text += "\n  - reference only: \(line)" }
            for line in onlyB { text += "\n  + ours only:      \(line)" }
            found.append(DiffDifference(aspect: "\(when)/\(key)", text: text))
        }
        return found
    }
}

/// One difference between the sides: its aspect (`ADD`, `result`, `DEL`, `after ADD/host.links`,
/// `after DEL/files`, …) and a readable account of it.
struct DiffDifference: Sendable {
    var aspect: String
    var text: String
    /// For a verb: `reference → ours` outcomes (`error 999 → ok`).
    var outcomes: String? = nil

    /// `ADD; result; after ADD (files, host.links)` for a list of differences.
    static func summary(_ differences: [DiffDifference]) -> String {
        var parts: [String] = []
        var phases: [(String, [String])] = []
        for d in differences {
            let pieces = d.aspect.split(separator: "/", maxSplits: 1).map(String.init)
            if pieces.count == 2 {
                if let i = phases.firstIndex(where: { $0.0 == pieces[0] }) {
                    phases[i].1.append(pieces[1])
                } else {
                    parts.append("\u{0}\(phases.count)")
                    phases.append((pieces[0], [pieces[1]]))
                }
            } else {
                parts.append(d.aspect)
            }
        }
        return parts.map { part in
            guard part.hasPrefix("\u{0}"), let i = Int(part.dropFirst()) else { return part }
            return "\(phases[i].0) (\(phases[i].1.joined(separator: ", ")))"
        }.joined(separator: "; ")
    }
}

/// Turns one side's raw captures into comparable lines.
struct DiffNormalizer {
    let side: DiffSide

    /// Names that are random or per-side by design, replaced by placeholders.
    func normalize(_ text: String) -> String {
        var text = text
        if let c = side.container {
            text = text.replacingOccurrences(of: "/var/run/netns/" + c, with: "NETNS")
                .replacingOccurrences(of: c, with: "NETNS")
        }
        if let h = side.host { text = text.replacingOccurrences(of: h, with: "HOSTNS") }
        text = text.replacingOccurrences(of: #"veth[0-9a-f]{8}"#, with: "VETH", options: .regularExpression)
        // MACs are random, except the ones a case asks for (they all contain c0:ff:ee).
        let mac = try! NSRegularExpression(pattern: #"\b([0-9a-f]{1,2}:){5}[0-9a-f]{1,2}\b"#)
        var out = ""
        var last = text.startIndex
        for match in mac.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
            let range = Range(match.range, in: text)!
            out += text[last..<range.lowerBound]
            out += text[range].contains("c0:ff:ee") ? String(text[range]) : "MAC"
            last = range.upperBound
        }
        return out + text[last...]
    }

    /// The ADD result with sorted keys and placeholders (the raw text when it is not JSON).
    func result(_ text: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return normalize(text) }
        return normalize(String(decoding: data, as: UTF8.self))
    }

    func sections(_ raw: [String: [String]]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for (key, lines) in raw {
            let place = key.split(separator: ".").first.map(String.init) ?? key
            let kind = key.split(separator: ".").last.map(String.init) ?? key
            switch kind {
            case "ip":  // `addr show` then `route show`, one JSON array a line
                let arrays = lines.filter { !$0.isEmpty }
                let links = arrays.count > 0 ? json([arrays[0]]) : []
                out[place + ".links"] = self.links(links).map(normalize)
                out[place + ".addrs"] = addresses(links).map(normalize)
                out[place + ".routes4"] = routes(arrays.count > 1 ? json([arrays[1]]) : []).map(normalize)
            case "routes6": out[key] = routes(json(lines)).map(normalize)
            case "nat4", "nat6", "filter4", "filter6": out[key] = iptables(lines).map(normalize)
            case "nft": out[key] = lines.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.map(normalize)
            default: out[key] = lines.filter { !$0.isEmpty }.map(normalize)
            }
        }
        return out
    }

    func json(_ lines: [String]) -> [[String: Any]] {
        let text = lines.joined(separator: "\n")
        guard !text.isEmpty else { return [] }
        return (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] ?? []
    }

    /// `link <name> <kind> mtu <n> <flags> [master <m>] [bridge and port options] [mac]`, sorted.
    func links(_ objects: [[String: Any]]) -> [String] {
        objects.map { link in
            var words = ["link", link["ifname"] as? String ?? "?"]
            let info = link["linkinfo"] as? [String: Any]
            words.append((info?["info_kind"] as? String) ?? (link["link_type"] as? String ?? "?"))
            words.append("mtu \(link["mtu"] ?? "?")")
            // Carrier flags follow timing, not configuration.
            let flags = (link["flags"] as? [String] ?? []).filter { !["LOWER_UP", "NO-CARRIER", "M-DOWN"].contains($0) }
            words.append("<" + flags.sorted().joined(separator: ",") + ">")
            if let master = link["master"] as? String { words.append("master \(master)") }
            if let data = info?["info_data"] as? [String: Any], info?["info_kind"] as? String == "bridge" {
                for key in ["vlan_filtering", "stp_state"] { words.append("\(key) \(data[key] ?? "?")") }
            }
            if let port = info?["info_slave_data"] as? [String: Any] {
                for key in ["hairpin", "isolated"] where port[key] != nil { words.append("\(key) \(port[key]!)") }
            }
            if let mac = link["address"] as? String { words.append("mac \(mac)") }
            return words.joined(separator: " ")
        }.sorted()
    }

    /// `addr <dev> <address>/<prefix> scope <scope>`, link-local ones left out (they follow the
    /// random MAC), sorted.
    func addresses(_ objects: [[String: Any]]) -> [String] {
        objects.flatMap { link -> [String] in
            let dev = link["ifname"] as? String ?? "?"
            return (link["addr_info"] as? [[String: Any]] ?? []).compactMap { a in
                let scope = a["scope"] as? String ?? "?"
                guard scope != "link" else { return nil }
                return "addr \(dev) \(a["local"] ?? "?")/\(a["prefixlen"] ?? "?") scope \(scope)"
            }
        }.sorted()
    }

    /// `route [type] <dst> [via gw] dev <dev> [proto p] [scope s] [src a] [metric m] [flags]`, sorted.
    func routes(_ objects: [[String: Any]]) -> [String] {
        // The kernel adds `fe80::/64` when IPv6 autoconfiguration gives a link its link-local
        // address, at a moment that follows carrier, not the configuration.
        objects.filter { $0["dst"] as? String != "fe80::/64" }.map { r in
            // `type` is printed only with -d (IPv4 here); show it when it is not the plain kind.
            let type = (r["type"] as? String).flatMap { $0 == "unicast" ? nil : $0 } ?? ""
            var words = ["route", type, r["dst"] as? String ?? "?"]
            if let gw = r["gateway"] as? String { words.append("via \(gw)") }
            if let dev = r["dev"] as? String { words.append("dev \(dev)") }
            if let p = r["protocol"] as? String { words.append("proto \(p)") }
            if let s = r["scope"] as? String { words.append("scope \(s)") }
            if let src = r["prefsrc"] as? String { words.append("src \(src)") }
            if let m = r["metric"] { words.append("metric \(m)") }
            // `linkdown` follows the carrier (a bridge without ports), not the configuration.
            let flags = (r["flags"] as? [String] ?? []).filter { $0 != "linkdown" }
            if !flags.isEmpty { words.append(flags.sorted().joined(separator: ",")) }
            return words.filter { !$0.isEmpty }.joined(separator: " ").replacingOccurrences(of: "  ", with: " ")
        }.sorted()
    }

    /// iptables-save text without comments and counters; chain declarations sorted, rules grouped
    /// by chain (sorted) in their order within the chain, which is the order that matters. The
    /// firewall plugin's CNI-FORWARD-OWNERS chain is left out: ours alone writes it, beside the
    /// reference's layout, and no packet passes it (its README says so; `FirewallTrafficTests`
    /// checks what it holds).
    func iptables(_ lines: [String]) -> [String] {
        var declarations: [String] = []
        var rules: [String: [String]] = [:]
        var other: [String] = []
        for line in lines where !line.hasPrefix("#") && !line.isEmpty && !line.contains(" CNI-FORWARD-OWNERS ") && !line.hasPrefix(":CNI-FORWARD-OWNERS ") {
            if line.hasPrefix(":") {
                declarations.append(line.replacingOccurrences(of: #" \[\d+:\d+\]$"#, with: "", options: .regularExpression))
            } else if line.hasPrefix("-A ") {
                let chain = String(line.split(separator: " ")[1])
                rules[chain, default: []].append(line)
            } else {
                other.append(line)
            }
        }
        return other + declarations.sorted() + rules.keys.sorted().flatMap { rules[$0]! }
    }
}

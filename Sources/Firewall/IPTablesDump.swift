/// One table of an `iptables-save -t <table>` dump: its chains and rules in order.
///
/// Rules are kept as argument tokens (quotes removed), so they compare equal however iptables-save chose
/// to quote them, and print back as iptables-restore lines with `line(_:)`.
struct IPTablesDump: Sendable {
    /// Chains in the order `iptables-save` declared them (built-in ones included).
    var chains: [String] = []
    var rules: [IPTablesRule] = []

    /// Parses the `*<table>` section of iptables-save output; other tables, comments and counters are
    /// ignored. Lines that do not tokenize are skipped rather than guessed at.
    init(parsing text: String, table: String = "nat") {
        var inTable = false
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = Substring(raw)
            if line.hasPrefix("*") {
                inTable = line.dropFirst() == Substring(table)
            } else if !inTable || line.hasPrefix("#") {
                continue
            } else if line == "COMMIT" {
                inTable = false
            } else if line.hasPrefix(":") {
                if let name = line.dropFirst().split(separator: " ").first { chains.append(String(name)) }
            } else if line.hasPrefix("-A "), let tokens = IPTablesRule.tokenize(line.dropFirst(3)), !tokens.isEmpty {
                rules.append(IPTablesRule(chain: tokens[0], spec: Array(tokens.dropFirst())))
            }
        }
    }

    init(chains: [String], rules: [IPTablesRule]) {
        self.chains = chains
        self.rules = rules
    }

    func hasChain(_ name: String) -> Bool { chains.contains(name) }

    func rules(in chain: String) -> [IPTablesRule] { rules.filter { $0.chain == chain } }
}

/// One rule: its chain and its match/target arguments (`-s 10.88.0.2/32 -m comment --comment ... -j X`).
struct IPTablesRule: Hashable, Sendable {
    var chain: String
    var spec: [String]

    /// The `-j` target.
    var target: String? { value(after: "-j") }
    /// The `--comment` text.
    var comment: String? { value(after: "--comment") }

    private func value(after flag: String) -> String? {
        guard let i = spec.firstIndex(of: flag), i + 1 < spec.count else { return nil }
        return spec[i + 1]
    }

    /// The rule as an iptables-restore line: `-A <chain> <spec>` (or `-D`, `-I`), quoting what needs it.
    func line(_ verb: String = "-A") -> String {
        ([verb, chain] + spec.map(IPTablesRule.quoted)).joined(separator: " ")
    }

    /// Splits a rule's text like iptables-restore does: on blanks, with `"..."` grouping and `\`
    /// escaping the next character inside quotes. nil for an unterminated quote.
    static func tokenize<S: StringProtocol>(_ text: S) -> [String]? {
        var tokens: [String] = []
        var current = ""
        var inQuote = false, escaped = false, hasToken = false
        for c in text {
            if inQuote {
                if escaped {
                    current.append(c)
                    escaped = false
                } else if c == "\\" {
                    escaped = true
                } else if c == "\"" {
                    inQuote = false
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                inQuote = true
                hasToken = true
            } else if c == " " || c == "\t" {
                if hasToken { tokens.append(current) }
                current = ""
                hasToken = false
            } else {
                current.append(c)
                hasToken = true
            }
        }
        if inQuote { return nil }
        if hasToken { tokens.append(current) }
        return tokens
    }

    /// A token as iptables-save would print it: bare when it is plain, else double-quoted with `"` and
    /// `\` escaped (xtables_save_string).
    static func quoted(_ token: String) -> String {
        let plain = !token.isEmpty
            && token.unicodeScalars.allSatisfy {
                ($0 >= "a" && $0 <= "z") || ($0 >= "A" && $0 <= "Z") || ($0 >= "0" && $0 <= "9")
                    || "_-./:!,+=@%^[]".unicodeScalars.contains($0)
            }
        if plain { return token }
        var out = "\""
        for c in token {
            if c == "\"" || c == "\\" { out.append("\\") }
            out.append(c)
        }
        return out + "\""
    }
}

/// The network and container ID in an ipMasq rule comment, `name: "<net>" id: "<cid>"` (Go `%q` quoting),
/// or nil when the comment has another shape.
func parseMasqueradeComment(_ comment: String) -> (network: String, containerID: String)? {
    var rest = Substring(comment)
    guard rest.hasPrefix("name: ") else { return nil }
    rest = rest.dropFirst(6)
    guard let network = goUnquote(&rest), rest.hasPrefix(" id: ") else { return nil }
    rest = rest.dropFirst(5)
    guard let id = goUnquote(&rest), rest.isEmpty else { return nil }
    return (network, id)
}

/// Reads one Go-quoted string from the front of `text` (simple escapes only; others are kept verbatim).
private func goUnquote(_ text: inout Substring) -> String? {
    guard text.first == "\"" else { return nil }
    var out = ""
    var index = text.index(after: text.startIndex)
    while index < text.endIndex {
        let c = text[index]
        if c == "\"" {
            text = text[text.index(after: index)...]
            return out
        }
        if c == "\\" {
            index = text.index(after: index)
            guard index < text.endIndex else { return nil }
            switch text[index] {
            case "n": out.append("\n")
            case "t": out.append("\t")
            case "r": out.append("\r")
            default: out.append(text[index])
            }
        } else {
            out.append(c)
        }
        index = text.index(after: index)
    }
    return nil
}

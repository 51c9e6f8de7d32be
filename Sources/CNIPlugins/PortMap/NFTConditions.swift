import NFTables
import NetAddress

/// `conditionsV4`/`conditionsV6` for the nftables backend, compiled to expressions without the `nft`
/// binary (plugins never exec it). The reference pastes the words into an `nft` command line; we
/// accept the matches people use them for, with nft's syntax:
///
///     ip saddr 10.0.0.0/8              ip daddr != 192.168.1.10
///     ip daddr != { 127.0.0.0/8, 198.19.254.254 }      (a negated set: none of them)
///     ip6 saddr fd00::/64              iifname "eth0"     oifname != "cni*"   meta iifname eth0
///
/// The entries are joined with spaces, as the reference joins them. Anything else is refused with a
/// message naming the word, rather than passed on to fail in the kernel.
///
/// Unlike the reference, which puts conditions on the shared `prerouting`/`output` rules (so the
/// last ADD's conditions apply to every container), they go on this attachment's own DNAT rules,
/// as iptables' per-container entry rules have them.
struct NFTConditions: Sendable, Hashable {
    enum Match: Sendable, Hashable {
        case address(NFTRuleBuilder.AddressField, NFTCmpOp, IPNetwork)
        case interface(NFTRuleBuilder.InterfaceField, NFTCmpOp, String)
    }

    var matches: [Match]

    /// Parses the conditions for rules of `family`; `key` names the option in errors.
    init(_ words: [String], family: IPFamily, key: String) throws(PortMapError) {
        var tokens = try Self.tokenize(words.joined(separator: " "), key: key)
        var matches: [Match] = []
        func fail(_ why: String) -> PortMapError {
            PortMapError.config("\(key): \(why) (supported: ip/ip6 saddr/daddr [!=] address or { set }, iifname/oifname [!=] name)")
        }
        while !tokens.isEmpty {
            var word = tokens.removeFirst()
            if word == "meta", let next = tokens.first, next == "iifname" || next == "oifname" { word = tokens.removeFirst() }
            switch word {
            case "ip", "ip6":
                guard (word == "ip") == (family == .v4) else {
                    throw fail("\"\(word)\" matches cannot be used in IPv\(family.versionString) rules")
                }
                guard let fieldWord = tokens.first, fieldWord == "saddr" || fieldWord == "daddr" else {
                    throw fail("unsupported match \"\(word) \(tokens.first ?? "")\"")
                }
                tokens.removeFirst()
                let field: NFTRuleBuilder.AddressField = fieldWord == "saddr" ? .source : .destination
                let op = Self.operator(&tokens)
                for value in try Self.values(&tokens, negated: op == .neq, fail: fail) {
                    guard let network = Self.network(value), network.family == family else {
                        throw fail("\"\(value)\" is not an IPv\(family.versionString) address or prefix")
                    }
                    matches.append(.address(field, op, network))
                }
            case "iifname", "oifname":
                let field: NFTRuleBuilder.InterfaceField = word == "iifname" ? .input : .output
                let op = Self.operator(&tokens)
                for value in try Self.values(&tokens, negated: op == .neq, fail: fail) {
                    guard !value.isEmpty, value.utf8.count < 16 else { throw fail("invalid interface name \"\(value)\"") }
                    matches.append(.interface(field, op, value))
                }
            default:
                throw fail("unsupported match \"\(word)\"")
            }
        }
        self.matches = matches
    }

    /// Appends the matches to a rule being built.
    func apply(to builder: inout NFTRuleBuilder) {
        for match in matches {
            switch match {
            case .address(let field, let op, let network):
                if network.prefixLength == network.family.bitWidth {
                    builder.match(field, op, address: network.address)
                } else {
                    builder.match(field, op, network.network)
                }
            case .interface(let field, let op, let name):
                builder.matchInterface(field, op, name: name)
            }
        }
    }

    // MARK: words

    /// `==`/`!=` when present (default `==`).
    private static func `operator`(_ tokens: inout [String]) -> NFTCmpOp {
        switch tokens.first {
        case "!=":
            tokens.removeFirst()
            return .neq
        case "==", "eq":
            tokens.removeFirst()
            return .eq
        case "ne":
            tokens.removeFirst()
            return .neq
        default:
            return .eq
        }
    }

    /// One value, or the elements of `{ a, b }`. A set is only accepted negated (`!= { … }` means
    /// "none of them", a run of `!=` matches); a positive set would need an nftables set object.
    private static func values(
        _ tokens: inout [String], negated: Bool, fail: (String) -> PortMapError
    ) throws(PortMapError) -> [String] {
        guard let first = tokens.first else { throw fail("a match is missing its value") }
        tokens.removeFirst()
        guard first == "{" else { return [first] }
        var values: [String] = []
        while let token = tokens.first {
            tokens.removeFirst()
            if token == "}" {
                guard !values.isEmpty else { throw fail("empty set") }
                guard negated || values.count == 1 else { throw fail("only negated sets (!= { ... }) are supported") }
                return values
            }
            if token != "," { values.append(token) }
        }
        throw fail("unterminated set")
    }

    private static func network(_ text: String) -> IPNetwork? {
        if let network = IPNetwork(text) { return network }
        return IPAddress(text).map { IPNetwork(host: $0) }
    }

    /// Splits on blanks; `{`, `}` and `,` are words of their own; `"..."` is one word without quotes.
    static func tokenize(_ text: String, key: String) throws(PortMapError) -> [String] {
        var tokens: [String] = []
        var current = ""
        var quoted = false
        func flush() {
            if !current.isEmpty { tokens.append(current) }
            current = ""
        }
        for c in text {
            if quoted {
                if c == "\"" {
                    tokens.append(current)
                    current = ""
                    quoted = false
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                flush()
                quoted = true
            } else if c == " " || c == "\t" || c == "\n" {
                flush()
            } else if c == "{" || c == "}" || c == "," {
                flush()
                tokens.append(String(c))
            } else {
                current.append(c)
            }
        }
        guard !quoted else { throw PortMapError.config("\(key): unterminated quote") }
        flush()
        return tokens
    }
}

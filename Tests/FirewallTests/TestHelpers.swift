import CNITestSupport
import Foundation

/// A command run by a test exited non-zero.
struct TestCommandFailed: Error, CustomStringConvertible {
    var argv: [String]
    var output: CommandOutput
    var description: String { "\(argv.joined(separator: " ")) exited \(output.status): \(output.stderr)\(output.stdout)" }
}

extension TestNamespace {
    /// Runs `argv` in this namespace with `input` on stdin; throws unless it exits 0.
    @discardableResult
    func check(_ argv: [String], input: String) throws -> String {
        let out = try run(argv, stdin: Array(input.utf8))
        guard out.succeeded else { throw TestCommandFailed(argv: argv, output: out) }
        return out.stdout
    }
}

/// `iptables-save -t nat` (or ip6tables-save) in `ns`, without its `#` timestamp lines.
func natSave(_ ns: TestNamespace, v6: Bool = false) throws -> String {
    let out = try ns.check([v6 ? "ip6tables-save" : "iptables-save", "-t", "nat"])
    return out.split(separator: "\n").filter { !$0.hasPrefix("#") }.joined(separator: "\n") + "\n"
}

/// The nat table as iptables-save prints it with only the built-in chains.
let emptyNAT = """
    *nat
    :PREROUTING ACCEPT [0:0]
    :INPUT ACCEPT [0:0]
    :OUTPUT ACCEPT [0:0]
    :POSTROUTING ACCEPT [0:0]
    COMMIT

    """

/// The first `length` hex digits of sha512(text), computed by coreutils (independent of our SHA512).
func sha512Prefix(_ text: String, _ length: Int) throws -> String {
    let out = try Command.check(["sha512sum"], stdin: Array(text.utf8))
    return String(out.prefix(length))
}

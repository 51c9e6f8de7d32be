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

import Foundation
import Spawn

/// The outcome of a finished child process.
public struct CommandOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var stdoutBytes: [UInt8]
    public var succeeded: Bool { status == 0 }
}

/// A test's own precondition failed (a helper could not do its part): the message says what.
public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public struct CommandError: Error, CustomStringConvertible {
    public var command: [String]
    public var output: CommandOutput

    public init(command: [String], output: CommandOutput) {
        self.command = command
        self.output = output
    }

    public var description: String {
        "command \(command.joined(separator: " ")) exited \(output.status): \(output.stderr)\(output.stdout)"
    }
}

/// Runs programs for tests, through the same `ChildProcess` as the plugins' own children
/// (posix_spawn, stdin fed and both outputs pumped in one poll loop, a child that exits before
/// reading its stdin costs no SIGPIPE).
public enum Command {
    /// Runs `argv` with `environment` (nil: inherit) and `stdin`, waits, and returns what it printed.
    @discardableResult
    public static func run(
        _ argv: [String], environment: [String: String]? = nil, stdin: [UInt8] = []
    ) throws -> CommandOutput {
        let path = argv[0].contains("/") ? argv[0] : try which(argv[0])
        let output = try ChildProcess.run(
            path: path, arguments: Array(argv.dropFirst()), stdin: stdin,
            environment: environment.map { $0.map { "\($0.key)=\($0.value)" } })
        return CommandOutput(
            status: output.termination.status,
            stdout: String(decoding: output.stdout, as: UTF8.self),
            stderr: String(decoding: output.stderr, as: UTF8.self),
            stdoutBytes: output.stdout
        )
    }

    /// Runs `argv` and throws unless it exits 0; returns its stdout.
    @discardableResult
    public static func check(_ argv: [String], environment: [String: String]? = nil, stdin: [UInt8] = []) throws -> String {
        let out = try run(argv, environment: environment, stdin: stdin)
        guard out.succeeded else { throw CommandError(command: argv, output: out) }
        return out.stdout
    }

    /// Runs a shell line (tests only: fixed strings built by the test itself).
    @discardableResult
    public static func shell(_ line: String) throws -> String {
        try check(["/bin/sh", "-c", line])
    }

    static func which(_ name: String) throws -> String {
        for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"] {
            let p = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw CommandError(command: [name], output: CommandOutput(status: 127, stdout: "", stderr: "not found", stdoutBytes: []))
    }
}

import Foundation

/// The outcome of a finished child process.
public struct CommandOutput: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
    public var stdoutBytes: [UInt8]
    public var succeeded: Bool { status == 0 }
}

public struct CommandError: Error, CustomStringConvertible {
    public var command: [String]
    public var output: CommandOutput
    public var description: String {
        "command \(command.joined(separator: " ")) exited \(output.status): \(output.stderr)\(output.stdout)"
    }
}

/// Runs programs for tests. Tests may use Foundation freely; only the plugins must stay lean.
public enum Command {
    /// Runs `argv` with `environment` (nil: inherit) and `stdin`, waits, and returns what it printed.
    @discardableResult
    public static func run(
        _ argv: [String], environment: [String: String]? = nil, stdin: [UInt8] = []
    ) throws -> CommandOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0].contains("/") ? argv[0] : try which(argv[0]))
        process.arguments = Array(argv.dropFirst())
        if let environment { process.environment = environment }
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        process.standardInput = inPipe
        process.standardOutput = outPipe
        process.standardError = errPipe
        try process.run()
        // Drain both pipes concurrently so a chatty child never blocks on a full pipe.
        let outBox = DataBox(), errBox = DataBox()
        let group = DispatchGroup()
        for (pipe, box) in [(outPipe, outBox), (errPipe, errBox)] {
            group.enter()
            Thread.detachNewThread {
                box.data = pipe.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
        }
        if !stdin.isEmpty { writeIgnoringEPIPE(stdin, to: inPipe.fileHandleForWriting.fileDescriptor) }
        try? inPipe.fileHandleForWriting.close()
        process.waitUntilExit()
        group.wait()
        return CommandOutput(
            status: process.terminationStatus,
            stdout: String(decoding: outBox.data, as: UTF8.self),
            stderr: String(decoding: errBox.data, as: UTF8.self),
            stdoutBytes: [UInt8](outBox.data)
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

    /// Writes `bytes` to a child's stdin, stopping quietly when the child is gone (EPIPE): a
    /// plugin that exits before reading its config (a missing binary, an early error) would
    /// otherwise kill the whole test process with SIGPIPE and leave its namespaces behind.
    /// SIGPIPE is blocked on this thread for the write and a pending one discarded after, so the
    /// process's disposition stays the default and tests of the plugins' own SIGPIPE handling
    /// keep their meaning.
    static func writeIgnoringEPIPE(_ bytes: [UInt8], to fd: Int32) {
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        defer {
            var now = timespec(tv_sec: 0, tv_nsec: 0)
            while sigtimedwait(&pipeSignal, nil, &now) > 0 {}
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n > 0 {
                offset += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return  // EPIPE: the child stopped reading
            }
        }
    }

    static func which(_ name: String) throws -> String {
        for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin"] {
            let p = dir + "/" + name
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        throw CommandError(command: [name], output: CommandOutput(status: 127, stdout: "", stderr: "not found", stdoutBytes: []))
    }
}

private final class DataBox: @unchecked Sendable {
    var data = Data()
}

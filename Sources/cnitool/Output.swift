import CNI
import CNIRuntime
import ArgumentParser
import Glibc
import Posix
import SystemPackage

/// Everything cnitool prints goes through here.
enum Output {
    static func stdout(_ text: String) {
        try? FileDescriptor.standardOutput.writeAll(Array((text + "\n").utf8))
    }

    /// One line on stderr (newlines in a message, as GC joins its errors, become "; ").
    static func stderr(_ text: String) {
        let line = text.split(separator: "\n", omittingEmptySubsequences: true).joined(separator: "; ")
        try? FileDescriptor.standardError.writeAll(Array((line + "\n").utf8))
    }

    /// JSON pretty-printed as libcni prints results (4-space indent), plus a newline.
    static func json(_ value: JSONValue) {
        try? FileDescriptor.standardOutput.writeAll(JSONSerializer.bytes(value, style: .pretty) + [0x0A])
    }

    /// Reports a failure and ends the command with status 1: the message on stderr, and with
    /// `--json` also `{"error": …, "code": …}` on stdout (the plugin's CNI code when one failed).
    static func fail(_ error: RuntimeError, json: Bool) -> ExitCode {
        if json {
            var o: JSONObject = ["error": .string(error.message)]
            if let cause = error.cause { o["code"] = .number(JSONNumber(cause.code.rawValue)) }
            Output.json(.object(o))
        }
        stderr(error.message)
        return ExitCode.failure
    }
}

/// Formats a table with columns padded to their widest cell.
func table(_ header: [String], _ rows: [[String]]) -> String {
    let all = [header] + rows
    let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
    return all.map { row in
        row.enumerated().map { i, cell in i == row.count - 1 ? cell : cell.padding(to: widths[i]) }.joined(separator: "  ")
    }.joined(separator: "\n")
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

func environment(_ name: String) -> String? {
    getenv(name).map { String(cString: $0) }
}

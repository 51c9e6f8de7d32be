import CNITestSupport
import Foundation
import NetAddress
import Testing

@testable import CNI

/// ExecPluginInvoker against real processes: tiny shell-script plugins in a temp dir, and
/// Debian's reference host-local when installed.
@Suite struct ExecInvokerTests {
    let invoker = ExecPluginInvoker(baseEnvironment: ["PATH=/usr/bin:/bin", "KEEP=me", "CNI_COMMAND=STALE"], forwardStderr: nil)

    @Test func passesStdinAndEnvironmentAndReturnsStdout() throws {
        let dir = try TempDir()
        let plugin = try dir.script("echo-plugin", #"printf '%s|%s|%s|' "$CNI_COMMAND" "$KEEP" "$CNI_PATH"; cat"#)
        let out = try invoker.invoke(path: plugin, stdin: Array("{\"a\":1}".utf8), environment: ["CNI_COMMAND": "ADD", "CNI_PATH": "/x"])
        #expect(String(decoding: out, as: UTF8.self) == #"ADD|me|/x|{"a":1}"#)
    }

    @Test func inheritsThisProcessEnvironmentByDefault() throws {
        let dir = try TempDir()
        let plugin = try dir.script("env-plugin", #"printf '%s' "$HOME""#)
        let out = try ExecPluginInvoker(forwardStderr: nil).invoke(path: plugin, stdin: [], environment: [:])
        #expect(String(decoding: out, as: UTF8.self) == (ProcessInfo.processInfo.environment["HOME"] ?? ""))
    }

    @Test func errorObjectOnStdoutBecomesTheError() throws {
        let dir = try TempDir()
        let plugin = try dir.script("failing", #"cat >/dev/null; printf '{"cniVersion":"1.0.0","code":11,"msg":"busy","details":"later"}'; exit 1"#)
        #expect(throws: CNIError(.tryAgainLater, "busy", details: "later")) {
            try invoker.invoke(path: plugin, stdin: Array("{}".utf8), environment: [:])
        }
    }

    @Test func stderrOrExitStatusWhenStdoutIsEmpty() throws {
        let dir = try TempDir()
        let noisy = try dir.script("noisy", "echo 'it broke' >&2; exit 3")
        #expect(throws: CNIError(.internal, #"netplugin failed: "it broke\n": exit status 3"#)) {
            try invoker.invoke(path: noisy, stdin: [], environment: [:])
        }
        let silent = try dir.script("silent", "exit 4")
        #expect(throws: CNIError(.internal, "netplugin failed with no error message: exit status 4")) {
            try invoker.invoke(path: silent, stdin: [], environment: [:])
        }
        let killed = try dir.script("killed", "kill -9 $$")
        #expect(throws: CNIError(.internal, "netplugin failed with no error message: signal: killed")) {
            try invoker.invoke(path: killed, stdin: [], environment: [:])
        }
        let garbage = try dir.script("garbage", "echo nope; exit 1")
        #expect(throws: CNIError(.internal, #"netplugin failed but error parsing its diagnostic message "nope\n": invalid character 'o' in literal null (expecting 'u') at offset 1"#)) {
            try invoker.invoke(path: garbage, stdin: [], environment: [:])
        }
    }

    @Test func execFailuresAreReported() throws {
        let dir = try TempDir()
        let file = dir.path + "/not-executable"
        try "#!/bin/sh\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: CNIError(.internal, "netplugin failed with no error message: fork/exec \(file): permission denied")) {
            try invoker.invoke(path: file, stdin: [], environment: [:])
        }
        #expect(throws: CNIError.self) { try invoker.invoke(path: dir.path + "/missing", stdin: [], environment: [:]) }
    }

    /// Megabytes both ways at once: a naive write-then-read would deadlock on full pipes.
    @Test func largeStreamsDoNotDeadlock() throws {
        let dir = try TempDir()
        let plugin = try dir.script("big", "cat; head -c 3000000 /dev/zero >&2")
        let input = [UInt8](repeating: UInt8(ascii: "x"), count: 4_000_000)
        var forwarded = 0
        let counter = ForwardCounter()
        let big = ExecPluginInvoker(baseEnvironment: ["PATH=/usr/bin:/bin"], forwardStderr: { counter.add($0.count) })
        let out = try big.invoke(path: plugin, stdin: input, environment: [:])
        forwarded = counter.total
        #expect(out == input)
        #expect(forwarded == 3_000_000)  // a successful plugin's stderr is passed on
    }

    /// Two threads spawning at once (bridge DEL runs iptables-restore beside IPAM's exec): no
    /// child may inherit the other's pipe ends, or a reader waits for the wrong child's exit.
    /// Each child lists its descriptors; a leak is a child holding, beyond 0-2, a pipe that is
    /// another child's stdin, stdout or stderr. (Pipes of other code in this process, such as
    /// Foundation's, which are not close-on-exec, do not count: they are no child's 0-2.)
    @Test func concurrentChildrenInheritNoPipesOfEachOther() throws {
        let dir = try TempDir()
        let plugin = try dir.script("fds", "exec ls -l /proc/self/fd")
        let listings = Listings()
        let invoker = ExecPluginInvoker(baseEnvironment: ["PATH=/usr/bin:/bin"], forwardStderr: nil)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<200 {
                if let out = try? invoker.invoke(path: plugin, stdin: [], environment: [:]) {
                    listings.add(String(decoding: out, as: UTF8.self))
                }
            }
        }
        // "lr-x------ 1 root root 64 ... 3 -> pipe:[123]": descriptor and pipe inode.
        let parsed = listings.all.map { text in
            text.split(separator: "\n").compactMap { line -> (fd: Int, pipe: String)? in
                let parts = line.split(separator: " ")
                guard let arrow = parts.firstIndex(of: "->"), arrow > 0, arrow + 1 < parts.count,
                    parts[arrow + 1].hasPrefix("pipe:"), let fd = Int(parts[arrow - 1])
                else { return nil }
                return (fd, String(parts[arrow + 1]))
            }
        }
        #expect(parsed.count == 400)
        let standard = Set(parsed.flatMap { $0.filter { $0.fd <= 2 }.map(\.pipe) })
        let inherited = parsed.flatMap { $0.filter { $0.fd > 2 && standard.contains($0.pipe) } }
        #expect(inherited.isEmpty, "\(inherited)")
    }

    /// The test helper too: a child that exits without reading its stdin (here: before a 4 MiB
    /// config could fit in the pipe) must not kill the test process, and nothing in the process
    /// ignores SIGPIPE for it.
    @Test func testCommandSurvivesAChildThatReadsNothing() throws {
        let out = try Command.run(["/bin/true"], stdin: [UInt8](repeating: 0x20, count: 4 << 20))
        #expect(out.succeeded)
        var current = sigaction()
        sigaction(SIGPIPE, nil, &current)
        #expect(current.__sigaction_handler.sa_handler == nil)  // SIG_DFL
    }

    /// A child that never reads stdin must not kill us with SIGPIPE.
    @Test func childIgnoringStdinIsFine() throws {
        let dir = try TempDir()
        let plugin = try dir.script("deaf", "printf '{}'")
        let out = try invoker.invoke(path: plugin, stdin: [UInt8](repeating: 0x20, count: 2_000_000), environment: [:])
        #expect(out == Array("{}".utf8))
    }

    @Test func delegationThroughARealScript() throws {
        let dir = try TempDir()
        try dir.script("fake-ipam", """
            read config
            case "$CNI_COMMAND" in
            ADD) printf '{"cniVersion":"1.0.0","ips":[{"address":"10.1.2.7/24","gateway":"10.1.2.1"}],"dns":{}}' ;;
            DEL) exit 0 ;;
            *) printf '{"code":4,"msg":"unexpected %s"}' "$CNI_COMMAND"; exit 1 ;;
            esac
            """)
        let context = try ipamContext(path: [dir.path], invoker: invoker)
        let result = try context.ipam.execAdd()
        #expect(result.ips.map(\.address) == [IPNetwork("10.1.2.7/24")!])
        try context.ipam.execDel()
        #expect(throws: CNIError(.invalidEnvironmentVariables, "unexpected CHECK")) { try context.ipam.execCheck() }
    }

    static let referenceHostLocal = "/usr/lib/cni/host-local"

    /// Debian's reference host-local, exec'd through our invoker with its data in a temp dir.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: referenceHostLocal)), arguments: ["0.2.0", "0.4.0", "1.0.0"])
    func referenceHostLocalAllocatesAndReleases(version: String) throws {
        let data = try TempDir()
        let config: JSONValue = [
            "cniVersion": .string(version), "name": "reftest", "type": "bridge",
            "ipam": [
                "type": "host-local", "dataDir": .string(data.path),
                "ranges": [[["subnet": "10.77.0.0/24"]], [["subnet": "fd77::/64"]]],
                "routes": [["dst": "0.0.0.0/0"]],
            ],
        ]
        let stdin = JSONSerializer.bytes(config)
        let base = [
            "PATH=/usr/bin:/bin", "CNI_CONTAINERID=ref-\(version)", "CNI_NETNS=/run/netns/none", "CNI_IFNAME=eth0",
            "CNI_PATH=/usr/lib/cni",
        ]
        let context = PluginContext(
            command: .add, containerID: "ref", netns: "/run/netns/none", ifName: "eth0", args: CNIArgs(""),
            path: ["/usr/lib/cni"], stdin: stdin, config: try NetworkConfig(bytes: stdin),
            invoker: ExecPluginInvoker(baseEnvironment: base, forwardStderr: nil))
        let result = try context.ipam.execAdd()
        #expect(result.cniVersion == version)
        #expect(result.ips.map(\.address.description) == ["10.77.0.2/24", "fd77::2/64"])
        #expect(result.ips.map(\.gateway?.description) == ["10.77.0.1", "fd77::1"])
        #expect(result.routes.map(\.dst.description) == ["0.0.0.0/0"])
        #expect(FileManager.default.fileExists(atPath: data.path + "/reftest/10.77.0.2"))
        // Our printing of what it returned matches what it printed itself.
        let direct = try Command.run(
            [Self.referenceHostLocal],
            environment: Dictionary((base + ["CNI_COMMAND=ADD", "CNI_CONTAINERID=ref2"]).map {
                let kv = $0.split(separator: "=", maxSplits: 1)
                return (String(kv[0]), String(kv[1]))
            }, uniquingKeysWith: { $1 }), stdin: stdin)
        let reference = try CNIResult(bytes: direct.stdoutBytes)
        #expect(direct.stdout == String(decoding: try reference.printed(version: version), as: UTF8.self))
        if version != "0.2.0" {  // CHECK exists from 0.4.0
            try context.ipam.execCheck()
        }
        try context.ipam.execDel()
        #expect(!FileManager.default.fileExists(atPath: data.path + "/reftest/10.77.0.2"))
        // An error from the reference keeps its code and message.
        let bad = try NetworkConfig(json: ["cniVersion": .string(version), "name": "reftest", "ipam": ["type": "host-local"]])
        var badContext = context
        badContext.config = bad
        badContext.stdin = JSONSerializer.bytes(.object(bad.raw))
        #expect(throws: CNIError.self) { try badContext.ipam.execAdd() }
        do {
            _ = try badContext.ipam.execAdd()
        } catch let error as CNIError {
            #expect(error.code == .internal)
            #expect(error.msg == "no IP ranges specified")
        }
    }
}

final class Listings: @unchecked Sendable {
    private let lock = NSLock()
    private var texts: [String] = []
    func add(_ text: String) { lock.withLock { texts.append(text) } }
    var all: [String] { lock.withLock { texts } }
}

final class ForwardCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add(_ n: Int) { lock.withLock { count += n } }
    var total: Int { lock.withLock { count } }
}

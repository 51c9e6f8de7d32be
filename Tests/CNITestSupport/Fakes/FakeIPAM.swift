import CNI
import Foundation

/// An IPAM plugin answered in-process: the result of ADD, errors per verb, the verbs run, and
/// the leases held (one per container and interface, from ADD until DEL). Each call is a step of
/// the fake kernel (`ipam <VERB>`), so it can be made to fail. Its ``directory`` holds an empty
/// `fake-ipam` for the plugin locator to find; it goes with the fake.
public final class FakeIPAM: PluginInvoker, @unchecked Sendable {
    /// The `ipam.type` to put in configs.
    public static let type = "fake-ipam"

    let kernel: FakeKernel
    private var recorded: [String] = []
    private var held: Set<String> = []
    private var addResult: String
    private var failing: [String: CNIError] = [:]
    /// `CNI_PATH` for the plugin under test.
    public let directory = NSTemporaryDirectory() + "swcni-fake-ipam-" + UUID().uuidString

    init(kernel: FakeKernel, addResult: String) {
        self.kernel = kernel
        self.addResult = addResult
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: directory + "/" + Self.type, contents: Data())
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// The verbs run so far (`ADD`, `DEL`, …).
    public var verbs: [String] { kernel.locked { recorded } }
    /// `<containerID>/<ifName>` of every allocation not released.
    public var leases: Set<String> { kernel.locked { held } }

    /// What ADD prints from now on.
    public func answerAdd(with result: String) { kernel.locked { addResult = result } }
    /// `verb` fails with `error` from now on.
    public func fail(_ verb: String, with error: CNIError) { kernel.locked { failing[verb] = error } }

    public func invoke(path: String, stdin: [UInt8], environment: [String: String]) throws(CNIError) -> [UInt8] {
        let verb = environment["CNI_COMMAND"] ?? "?"
        let lease = "\(environment["CNI_CONTAINERID"] ?? "")/\(environment["CNI_IFNAME"] ?? "")"
        if kernel.step("ipam \(verb)") != nil { throw CNIError(.internal, "fake-ipam: injected fault") }
        return try kernel.locked { () throws(CNIError) -> [UInt8] in
            recorded.append(verb)
            if let error = failing[verb] { throw error }
            switch verb {
            case "ADD":
                held.insert(lease)
                return Array(addResult.utf8)
            case "DEL":
                held.remove(lease)
                return []
            default:
                return []
            }
        }
    }
}

import CNI
import CNITestSupport
import Firewall
import Foundation
import PluginKit
import Testing

@testable import PTP

/// An IPAM plugin answered in-process: results per verb, and a record of the verbs run. Its
/// `directory` holds an empty `fake-ipam` for the plugin locator to find; it goes with the fake.
final class PTPFakeIPAM: PluginInvoker, @unchecked Sendable {
    private let lock = NSLock()
    private var _verbs: [String] = []
    var addResult: String
    var failing: [String: CNIError]
    let directory = NSTemporaryDirectory() + "swcni-ptp-fake-" + UUID().uuidString

    init(addResult: String, failing: [String: CNIError] = [:]) {
        self.addResult = addResult
        self.failing = failing
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: directory + "/fake-ipam", contents: Data())
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    var verbs: [String] { lock.withLock { _verbs } }

    func invoke(path: String, stdin: [UInt8], environment: [String: String]) throws(CNIError) -> [UInt8] {
        let verb = environment["CNI_COMMAND"] ?? "?"
        lock.withLock { _verbs.append(verb) }
        if let error = failing[verb] { throw error }
        return verb == "ADD" ? Array(addResult.utf8) : []
    }
}

/// A masquerade backend that records calls and fails where told.
final class PTPFakeMasquerade: MasqueradeBackend, @unchecked Sendable {
    private let lock = NSLock()
    private var _calls: [String] = []
    let failSetup: Bool

    init(failSetup: Bool = false) { self.failSetup = failSetup }

    var calls: [String] { lock.withLock { _calls } }
    private func record(_ call: String) { lock.withLock { _calls.append(call) } }

    var kind: MasqueradeBackendKind { .nftables }
    func isPresent() -> Bool { true }
    func setup(_ a: MasqueradeAttachment) throws(FirewallError) {
        record("setup \(a.containerID) \(a.addresses.map(\.description).joined(separator: ","))")
        if failSetup { throw FirewallError(.nftables, "set up failed on purpose") }
    }
    func teardown(_ a: MasqueradeAttachment) throws(FirewallError) { record("teardown \(a.containerID)") }
    func check(_ a: MasqueradeAttachment) throws(FirewallError) { record("check \(a.containerID)") }
    func gc(network: String, keeping valid: [AttachmentID]) throws(FirewallError) {
        record("gc \(network) \(valid.map(\.containerID).joined(separator: ","))")
    }
}

/// ptp's verbs run in-process, inside a throwaway host namespace, against a fake IPAM and fake
/// masquerade backends: every failure path gives the lease back and removes what it made.
@Suite(.enabled(if: isPrivileged), .serialized)
struct PTPRollbackTests {
    static let ipamResult =
        #"{"cniVersion":"1.0.0","ips":[{"address":"10.66.0.2/24","gateway":"10.66.0.1"}],"dns":{"nameservers":["10.66.0.53"]}}"#

    func context(
        _ command: CNICommand, netns: String, ipam: PTPFakeIPAM, extra: String = "", ipamType: String = "fake-ipam"
    ) throws -> PluginContext {
        let text = #"{"cniVersion":"1.1.0","name":"fakenet","type":"ptp","ipMasq":true,"ipam":{"type":"\#(ipamType)"}\#(extra)}"#
        return PluginContext(
            command: command, containerID: "ctr1", netns: netns, ifName: "eth0", args: CNIArgs(""), path: [ipam.directory],
            stdin: Array(text.utf8), config: try NetworkConfig(bytes: Array(text.utf8)), invoker: ipam)
    }

    func plugin(_ backend: PTPFakeMasquerade) -> PTPPlugin {
        PTPPlugin(masquerade: Masquerade(iptables: backend, nftables: backend))
    }

    /// Runs `body` inside `host` (the plugin's host side) and returns its error, if any.
    func failure(in host: TestNamespace, _ body: @escaping () throws -> Void) throws -> CNIError? {
        try host.perform { () -> CNIError? in
            do {
                try body()
                return nil
            } catch {
                return CNIError(error)
            }
        }
    }

    func links(_ ns: TestNamespace) throws -> [String] {
        try ns.ipJSON(["link", "show"]).compactMap { $0["ifname"] as? String }.filter { $0 != "lo" }
    }

    @Test func noAddressesFromIPAMReleasesTheLease() throws {
        try withTestNamespaces(2, prefix: "ptpfk") { ns in
            let ipam = PTPFakeIPAM(addResult: #"{"cniVersion":"1.0.0","ips":[]}"#)
            let masq = PTPFakeMasquerade()
            let ctx = try context(.add, netns: ns[1].path, ipam: ipam)
            let error = try failure(in: ns[0]) { _ = try plugin(masq).add(ctx) }
            #expect(error?.msg == "IPAM plugin returned missing IP config")
            #expect(ipam.verbs == ["ADD", "DEL"])  // the reference leaks this lease
            #expect(try links(ns[0]) == [] && links(ns[1]) == [])
        }
    }

    @Test func anAddressWithoutGatewayReleasesTheLease() throws {
        try withTestNamespaces(2, prefix: "ptpfk") { ns in
            let ipam = PTPFakeIPAM(addResult: #"{"cniVersion":"1.0.0","ips":[{"address":"10.66.0.2/24"}]}"#)
            let ctx = try context(.add, netns: ns[1].path, ipam: ipam)
            let error = try failure(in: ns[0]) { _ = try plugin(PTPFakeMasquerade()).add(ctx) }
            #expect(error?.code == .invalidNetworkConfig)
            #expect(ipam.verbs == ["ADD", "DEL"])
            #expect(try links(ns[0]) == [] && links(ns[1]) == [])
        }
    }

    @Test func aFailedMasqueradeUndoesEverything() throws {
        try withTestNamespaces(2, prefix: "ptpfk") { ns in
            let ipam = PTPFakeIPAM(addResult: Self.ipamResult)
            let masq = PTPFakeMasquerade(failSetup: true)
            let ctx = try context(.add, netns: ns[1].path, ipam: ipam)
            let error = try failure(in: ns[0]) { _ = try plugin(masq).add(ctx) }
            #expect(error?.msg.contains("on purpose") == true)
            #expect(masq.calls == ["setup ctr1 10.66.0.2/24", "teardown ctr1", "teardown ctr1"])  // teardown tries both backends
            #expect(ipam.verbs == ["ADD", "DEL"])
            #expect(try links(ns[0]) == [] && links(ns[1]) == [])
            #expect(try ns[0].ipJSON(["route", "show"]).isEmpty)
        }
    }

    @Test func aTakenInterfaceNameIsRefusedBeforeIPAMRuns() throws {
        try withTestNamespaces(2, prefix: "ptpfk") { ns in
            try ns[1].check(["ip", "link", "add", "eth0", "type", "veth", "peer", "name", "eth0p"])
            let ipam = PTPFakeIPAM(addResult: Self.ipamResult)
            let ctx = try context(.add, netns: ns[1].path, ipam: ipam)
            let error = try failure(in: ns[0]) { _ = try plugin(PTPFakeMasquerade()).add(ctx) }
            #expect(error?.msg.contains("already exists") == true)
            #expect(ipam.verbs == [])
            #expect(try links(ns[0]) == [] && links(ns[1]).sorted() == ["eth0", "eth0p"])
        }
    }

    @Test func noIPAMTypeRunsNothing() throws {
        let ipam = PTPFakeIPAM(addResult: Self.ipamResult)
        let ctx = try context(.add, netns: "/var/run/netns/swcni-never-used", ipam: ipam, ipamType: "")
        #expect(throws: PluginError.self) { _ = try plugin(PTPFakeMasquerade()).add(ctx) }
        #expect(ipam.verbs == [])
    }

    @Test func dnsFromIPAMUnlessTheConfigSetsIt() throws {
        try withTestNamespaces(3, prefix: "ptpfk") { ns in
            let masq = PTPFakeMasquerade()
            let fromIPAM = try context(.add, netns: ns[1].path, ipam: PTPFakeIPAM(addResult: Self.ipamResult))
            let result = try ns[0].perform { try plugin(masq).add(fromIPAM) }
            #expect(result.dns.nameservers == ["10.66.0.53"])
            #expect(result.interfaces.count == 2 && result.interfaces[1].sandbox == ns[1].path)
            #expect(result.ips.map(\.interface) == [1])

            let configured = try context(
                .add, netns: ns[2].path, ipam: PTPFakeIPAM(addResult: Self.ipamResult), extra: #","dns":{"search":["x.test"]}"#)
            let other = try ns[0].perform { try plugin(masq).add(configured) }
            #expect(other.dns == DNS(search: ["x.test"]))
        }
    }

    /// DEL keeps going past a failing step and reports it.
    @Test func delIsBestEffort() throws {
        try withTestNamespaces(2, prefix: "ptpfk") { ns in
            let masq = PTPFakeMasquerade()
            let ipam = PTPFakeIPAM(addResult: Self.ipamResult, failing: ["DEL": CNIError(.tryAgainLater, "store busy")])
            _ = try ns[0].perform { try plugin(masq).add(context(.add, netns: ns[1].path, ipam: ipam)) }
            let error = try failure(in: ns[0]) { try plugin(masq).delete(context(.delete, netns: ns[1].path, ipam: ipam)) }
            #expect(error?.code == .tryAgainLater)
            #expect(error?.msg.contains("store busy") == true)
            #expect(masq.calls.last == "teardown ctr1")
            #expect(try links(ns[0]) == [] && links(ns[1]) == [])
        }
    }

    @Test func gcAndStatusForwardToIPAM() throws {
        let masq = PTPFakeMasquerade()
        let ipam = PTPFakeIPAM(addResult: Self.ipamResult, failing: ["STATUS": CNIError(.pluginNotAvailable, "full")])
        let valid = #","cni.dev/valid-attachments":[{"containerID":"a","ifname":"eth0"},{"containerID":"b","ifname":"eth1"}]"#
        try plugin(masq).gc(context(.gc, netns: "", ipam: ipam, extra: valid))
        #expect(masq.calls == ["gc fakenet a,b", "gc fakenet a,b"])  // the same fake stands in for both backends
        try plugin(masq).gc(context(.gc, netns: "", ipam: ipam))
        #expect(masq.calls.count == 2)  // no list: no rule removed
        #expect(ipam.verbs == ["GC", "GC"])
        #expect(throws: CNIError(.pluginNotAvailable, "full")) { try plugin(masq).status(context(.status, netns: "", ipam: ipam)) }
    }
}

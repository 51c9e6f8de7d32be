import CNI
import Firewall
import LinuxNet
import Netlink
import PluginKit

/// A machine for running a plugin's verbs in-process against fakes: a ``FakeKernel`` with a host
/// namespace and the container namespaces a test adds, the iptables programs (``FakePrograms``)
/// and an IPAM plugin (``FakeIPAM``). A plugin is built on its ``resources`` and ``firewall``
/// and run through CNI's `PluginMain` with ``run(_:_:config:in:ifName:containerID:args:)``.
///
/// ```swift
/// let machine = FakeHost()
/// let pod = machine.addContainer("pod1")
/// let plugin = BridgePlugin(resources: machine.resources, firewall: machine.firewall)
/// let add = machine.run(plugin, "ADD", config: config, in: pod)
/// ```
public final class FakeHost: @unchecked Sendable {
    public let kernel: FakeKernel
    /// The plugin's own namespace.
    public let host: FakeNamespace
    public let programs: FakePrograms
    public let ipam: FakeIPAM

    /// A host without iptables programs unless `iptables`: then all four are installed, and
    /// iptables-legacy's nat tables are loaded (so every iptables operation reads the table with
    /// iptables-save first, as the firewall code cannot look into a legacy table otherwise).
    public init(iptables: Bool = false, ipamResult: String = FakeHost.defaultIPAMResult) {
        kernel = FakeKernel()
        host = kernel.addNamespace("host", path: "/fake/host")
        programs = FakePrograms(
            kernel: kernel, label: "host",
            installed: iptables ? ["iptables-save", "iptables-restore", "ip6tables-save", "ip6tables-restore"] : [])
        ipam = FakeIPAM(kernel: kernel, addResult: ipamResult)
        legacyIPTables = iptables
    }

    private let legacyIPTables: Bool

    /// An IPv4 allocation with a gateway, as host-local gives it.
    public static let defaultIPAMResult =
        #"{"cniVersion":"1.1.0","ips":[{"address":"10.22.0.5/24","gateway":"10.22.0.1"}],"dns":{"nameservers":["10.22.0.53"]}}"#

    /// A container namespace at `/fake/netns/<name>`.
    @discardableResult
    public func addContainer(_ name: String) -> FakeNamespace { kernel.addNamespace(name) }

    /// The namespaces, for `HostResources`-taking plugins.
    public var resources: HostResources {
        let kernel = self.kernel, host = self.host
        return HostResources(
            hostStack: { kernel.stack(host) },
            namespaceStack: { path in
                guard let namespace = kernel.namespace(path: path) else {
                    throw NamespaceError(
                        .notFound, path: path, message: "network namespace \"\(path)\" does not exist", cause: .noSuchFileOrDirectory)
                }
                return kernel.stack(namespace)
            })
    }

    /// The host's netfilter sockets and iptables programs, for firewall plugins.
    public var firewall: FirewallHost {
        let kernel = self.kernel, host = self.host, legacy = legacyIPTables
        return FirewallHost(
            netfilter: TransportOpener { kernel.transport(host, .netfilter) }, programs: programs, legacyTableLoaded: { _, _ in legacy })
    }

    /// Runs one verb of `plugin` through `PluginMain`, as a runtime would exec it: `CNI_*` for
    /// `container` (none: no `CNI_NETNS`), the config on stdin, the fake IPAM on `CNI_PATH`.
    public func run(
        _ plugin: some CNIPlugin, _ command: String, config: String, in container: FakeNamespace?, ifName: String = "eth0",
        containerID: String = "ctr1", args: String? = nil
    ) -> PluginRun {
        var variables = [
            "CNI_COMMAND": command, "CNI_CONTAINERID": containerID, "CNI_IFNAME": ifName, "CNI_PATH": ipam.directory,
        ]
        if let container { variables["CNI_NETNS"] = container.path }
        if let args { variables["CNI_ARGS"] = args }
        let (environment, output) = PluginEnvironment.capturing(
            variables: variables, stdin: Array(config.utf8), invoker: ipam, isOwnNetworkNamespace: { $0 == "/fake/host" })
        let status = PluginMain.execute(plugin, about: "fake", environment: environment)
        return PluginRun(status: status, stdout: output.stdoutText, stderr: output.stderrText)
    }
}

/// How a verb run through ``FakeHost/run(_:_:config:in:ifName:containerID:args:)`` ended.
public struct PluginRun: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String

    /// The result or error object printed.
    public var json: JSONValue? { try? JSONParser.parse(Array(stdout.utf8)) }
    /// The result printed by a successful ADD.
    public var result: CNIResult? {
        status == 0 ? try? CNIResult(delegateOutput: Array(stdout.utf8), configVersion: "1.1.0") : nil
    }
    /// The error printed, when the verb failed.
    public var error: CNIError? { status == 0 ? nil : json.flatMap { try? CNIError(json: $0) } }
}

extension FakeHost {
    /// How a verb fared with each of its steps failing in turn.
    public struct StepFailures {
        /// The steps of the verb's run without a fault.
        public var steps: [FakeStep]
        /// How many of those, failing, made the verb fail (the rest are best-effort steps).
        public var failed: Int
        /// The steps whose failure left an IPAM lease behind, or an IPAM ADD without its DEL.
        public var leases: [String]
    }

    /// Runs `command` once on a fresh machine (from `make`, with a container `pod1` that `prepare`
    /// fills, as an earlier plugin of a chain would) to learn its steps, then once for each step on
    /// another fresh machine, with that step failing, and hands each machine and run to `check`.
    /// Notes in ``StepFailures/leases`` every failed run that did not give back what IPAM
    /// allocated: the rule every ADD must keep.
    public static func failingEachStep<Plugin: CNIPlugin>(
        of command: String, config: String, machine make: () -> FakeHost = { FakeHost() },
        prepare: (FakeHost, FakeNamespace) -> Void = { _, _ in },
        plugin: (FakeHost) -> Plugin, check: (FakeStep, FakeHost, FakeNamespace, PluginRun) -> Void
    ) -> StepFailures {
        let probe = make()
        let probePod = probe.addContainer("pod1")
        prepare(probe, probePod)
        let before = probe.kernel.journal.count
        let clean = probe.run(plugin(probe), command, config: config, in: probePod)
        precondition(clean.status == 0, "\(command) fails without a fault: \(clean.stdout)")
        var outcome = StepFailures(steps: Array(probe.kernel.journal[before...]), failed: 0, leases: [])
        for step in outcome.steps {
            let machine = make()
            let pod = machine.addContainer("pod1")
            prepare(machine, pod)
            machine.kernel.fail(step)
            let run = machine.run(plugin(machine), command, config: config, in: pod)
            if run.status != 0 { outcome.failed += 1 }
            check(step, machine, pod, run)
            let undone = machine.ipam.verbs.first != "ADD" || step == FakeStep(label: "ipam ADD", occurrence: 1)
                || machine.ipam.verbs.contains("DEL")
            if run.status != 0 && (!undone || !machine.ipam.leases.isEmpty) {
                outcome.leases.append("\(step): IPAM \(machine.ipam.verbs)")
            }
        }
        return outcome
    }
}

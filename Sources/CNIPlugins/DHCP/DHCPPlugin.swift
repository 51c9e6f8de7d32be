import CNI
import Posix

/// This plugin's line in the multi-call binary's table (Sources/README.md).
@used @section("swift_cni_plugins")
let registration: PluginTable.Entry = { PluginTable.entry($0, "dhcp") {
    // `dhcp daemon [flags]` (or `swift-cni dhcp daemon`) runs the daemon; anything else is a request.
    DHCPDaemon.runIfRequested()
    return DHCPPlugin()
} }

/// The dhcp IPAM plugin: asks the dhcp daemon (``DHCPDaemon``, `dhcp daemon`) over its socket
/// to acquire a lease for the container's interface (ADD), to confirm it (CHECK) and to release
/// it (DEL). The daemon does the DHCP work from inside the container's namespace and renews
/// the lease until DEL.
///
/// Drop-in for the reference: the same options (`daemonSocketPath`, `request`, `provide`,
/// `priority`) and the same protocol to the daemon (Go's net/rpc over HTTP, gob-encoded
/// `skel.CmdArgs` and `types100.Result`), so this plugin works with the reference's daemon and
/// the reference's plugin with ours. Beyond it, on purpose:
/// - `request`/`provide` options are checked here first, so a bad option name is a config
///   error (code 7) rather than a daemon error;
/// - a daemon that cannot be reached is code 11 (try again later);
/// - GC asks the daemon to release the leases of this network that are not valid attachments
///   (a reference daemon does not know the call; then there is nothing to collect);
/// - STATUS fails with code 50 while the daemon cannot be reached.
public struct DHCPPlugin: CNIPlugin {
    public init() {}

    public func add(_ context: PluginContext) throws -> CNIResult {
        let config = try Self.validated(context)
        var result = try CNIMessages.result(try call("DHCP.Allocate", config, context))
        if result.cniVersion.isEmpty { result.cniVersion = CNIVersion.current.description }
        return result
    }

    public func check(_ context: PluginContext) throws {
        let config = try Self.validated(context)
        _ = try call("DHCP.Allocate", config, context)
    }

    public func delete(_ context: PluginContext) throws {
        let config = DHCPConfig(teardown: context.config)
        _ = try call("DHCP.Release", config, context)
    }

    public func gc(_ context: PluginContext) throws {
        let config = DHCPConfig(teardown: context.config)
        do {
            _ = try call("DHCP.GC", config, context)
        } catch let error as DHCPError where error.message.hasSuffix("rpc: can't find method DHCP.GC") {
            return
        }
    }

    public func status(_ context: PluginContext) throws {
        let config = try DHCPConfig(context.config)
        do {
            _ = try RPCConnection.dial(config.daemonSocket)
        } catch {
            throw DHCPError(.unavailable, "DHCP daemon not reachable: \(error.message)")
        }
    }

    /// The config, with its DHCP options checked as the daemon will read them.
    private static func validated(_ context: PluginContext) throws -> DHCPConfig {
        let config = try DHCPConfig(context.config)
        _ = try DHCPOptions(config: config, cniArgs: context.args.raw)
        return config
    }

    private func call(_ method: String, _ config: DHCPConfig, _ context: PluginContext) throws -> GobValue {
        let connection: RPCConnection
        do {
            connection = try RPCConnection.dial(config.daemonSocket)
        } catch {
            throw DHCPError(error.kind == .dial ? .daemonUnavailable : .failed, "error dialing DHCP daemon: \(error.message)")
        }
        let request = CNIMessages.Request(
            containerID: context.containerID, netns: Self.absolute(context.netns), ifName: context.ifName, args: context.args.raw,
            path: context.path.joined(separator: ":"), stdin: context.stdin)
        do {
            return try connection.call(method, args: request.gob, as: CNIMessages.cmdArgsType)
        } catch {
            throw DHCPError(.failed, "error calling \(method): \(error)")
        }
    }

    /// The daemon may run in another directory: the netns path is made absolute (Go's
    /// `filepath.Abs`, which also cleans it).
    static func absolute(_ path: String) -> String {
        var full = path
        if !path.hasPrefix("/") { full = Files.currentDirectory() + "/" + path }
        var parts: [Substring] = []
        for part in full.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}


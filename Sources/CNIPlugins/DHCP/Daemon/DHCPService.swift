import CNI
import LinuxNet
import Synchronization

/// The daemon's RPC service `DHCP`, as the reference registers it: `Allocate` (ADD and CHECK)
/// acquires a lease for the attachment, or reuses the one it maintains; `Release` (DEL) stops
/// maintaining it and releases it. `GC` (ours) releases the leases of a network whose
/// attachments are not in the request's `cni.dev/valid-attachments`.
final class DHCPService: @unchecked Sendable {
    let settings: ClientSettings
    let hostPrefix: String
    let store: LeaseStore
    private let leases = Mutex<[String: Lease]>([:])
    private let locks = KeyedLocks()

    init(settings: ClientSettings, hostPrefix: String, store: LeaseStore) {
        self.settings = settings
        self.hostPrefix = hostPrefix
        self.store = store
    }

    /// Answers one call: the reply body, or the error text the plugin shows.
    func handle(_ method: String, _ args: GobValue) -> (reply: GobValue, type: GobType, error: String?) {
        let request = CNIMessages.Request(args)
        do {
            switch method {
            case "DHCP.Allocate":
                return (CNIMessages.gob(try allocate(request)), CNIMessages.resultType, nil)
            case "DHCP.Release":
                try release(request)
                return (.structure([:]), CNIMessages.emptyType, nil)
            case "DHCP.GC":
                try collectGarbage(request)
                return (.structure([:]), CNIMessages.emptyType, nil)
            default:
                let dot = method.lastIndex(of: ".")
                guard let dot else { return (.none, CNIMessages.emptyType, "rpc: service/method request ill-formed: \(method)") }
                if method[..<dot] != "DHCP" { return (.none, CNIMessages.emptyType, "rpc: can't find service \(method)") }
                return (.none, CNIMessages.emptyType, "rpc: can't find method \(method)")
            }
        } catch let error as DHCPError {
            return (.none, CNIMessages.emptyType, error.message)
        } catch {
            return (.none, CNIMessages.emptyType, "\(error)")
        }
    }

    private func config(_ request: CNIMessages.Request) throws -> DHCPConfig {
        do {
            return try DHCPConfig(bytes: request.stdin)
        } catch {
            throw DHCPError(.invalidConfig, "error parsing netconf: \(CNIError(error).msg)")
        }
    }

    /// The request's config as DEL and GC read it (the teardown rule): what does not read is unset.
    private func teardownConfig(_ request: CNIMessages.Request) throws -> NetworkConfig {
        do {
            return try NetworkConfig(bytes: request.stdin, lenient: true)
        } catch {
            throw DHCPError(.invalidConfig, "error parsing netconf: \(error.msg)")
        }
    }

    func allocate(_ request: CNIMessages.Request) throws -> CNIResult {
        let conf = try config(request)
        let options = try DHCPOptions(config: conf, cniArgs: request.args)
        let clientID = LeaseRecord.clientID(containerID: request.containerID, network: conf.name, ifName: request.ifName)
        return try locks.withLock(clientID) {
            if let lease = leases.withLock({ $0[clientID] }) {
                lease.check()
                return try LeaseResult.result(lease.grant.ack, priority: conf.priority)
            }
            let netns = hostPrefix + request.netns
            let identity = (try? NetworkNamespace.open(path: netns).identity).map(NamespaceKey.init)
            let record = LeaseRecord(
                clientID: clientID, containerID: request.containerID, network: conf.name, ifName: request.ifName, netns: netns,
                identity: identity, options: options)
            let grant = try Lease.acquire(record, settings: settings)
            let lease = Lease(record: record, grant: grant, settings: settings)
            let result: CNIResult
            do {
                result = try LeaseResult.result(grant.ack, priority: conf.priority)
            } catch {
                // A lease that cannot be used is given back at once.
                lease.start(hooks: hooks)
                lease.stop()
                throw error
            }
            leases.withLock { $0[clientID] = lease }
            store.save(record, grant)
            lease.start(hooks: hooks)
            return result
        }
    }

    func release(_ request: CNIMessages.Request) throws {
        let conf = DHCPConfig(teardown: try teardownConfig(request))
        let clientID = LeaseRecord.clientID(containerID: request.containerID, network: conf.name, ifName: request.ifName)
        locks.withLock(clientID) { stop(clientID) }
    }

    func collectGarbage(_ request: CNIMessages.Request) throws {
        let network = try teardownConfig(request)
        let conf = DHCPConfig(teardown: network)
        guard let valid = network.validAttachments else { return }
        let keep = Set(valid.map { LeaseRecord.clientID(containerID: $0.containerID, network: conf.name, ifName: $0.ifName) })
        let stale = leases.withLock { $0.values.filter { $0.record.network == conf.name && !keep.contains($0.record.clientID) } }
        for lease in stale {
            DaemonLog.print("\(lease.record.clientID): not a valid attachment any more")
            locks.withLock(lease.record.clientID) { stop(lease.record.clientID) }
        }
    }

    private func stop(_ clientID: String) {
        guard let lease = leases.withLock({ $0.removeValue(forKey: clientID) }) else { return }
        lease.stop()
        store.remove(clientID)
    }

    /// Persists every change; forgets a lease whose interface went away.
    private var hooks: Lease.Hooks {
        let store = self.store
        return Lease.Hooks(
            changed: { lease in store.save(lease.record, lease.grant) },
            ended: { [weak self] lease in
                self?.leases.withLock { leases in
                    if leases[lease.record.clientID] === lease { leases[lease.record.clientID] = nil }
                }
                store.remove(lease.record.clientID)
            })
    }

    /// Takes over the leases a previous daemon kept: those whose interface is still there go
    /// on being maintained (an expired one is asked for again first); the others are dropped.
    func resume() {
        for (record, grant) in store.load() {
            do {
                _ = try LeaseNetwork.open(path: record.netns, identity: record.identity, ifName: record.ifName, socket: false)
            } catch {
                DaemonLog.print("\(record.clientID): not taken over: \(error)")
                store.remove(record.clientID)
                continue
            }
            let lease = Lease(record: record, grant: grant, settings: settings)
            let expired = wallClockSeconds() >= lease.times.expire
            DaemonLog.print("\(record.clientID): lease of \(grant.ack.yiaddr) taken over\(expired ? " (expired, asking for it again)" : "")")
            leases.withLock { $0[record.clientID] = lease }
            lease.start(hooks: hooks, rebooting: expired)
        }
    }
}

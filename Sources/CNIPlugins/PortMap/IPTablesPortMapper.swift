import CNI
import Firewall
import NetAddress

/// portmap over iptables, in the reference's layout (`IPTablesPortMapLayout`): per family one
/// iptables-save to read the nat table and one `iptables-restore --noflush --wait` transaction to
/// change it (the reference runs a few iptables commands per rule, each taking the xtables lock).
public struct IPTablesPortMapper: PortMapper {
    public var kind: PortMapBackendKind { .iptables }
    public var tools: IPTablesTools

    public init(tools: IPTablesTools = .locate()) {
        self.tools = tools
    }

    public func isPresent() -> Bool { tools.isPresent }

    public func checkUsable() throws(PortMapError) {
        guard tools.isPresent else {
            throw PortMapError(.unavailable, "iptables backend unavailable: iptables-save/iptables-restore not found")
        }
        do {
            _ = try tools.readNAT(.v4)
        } catch {
            throw PortMapError(.unavailable, "iptables backend unavailable: \(error)")
        }
    }

    public func forward(_ a: PortMapAttachment) throws(PortMapError) {
        for family in IPFamily.allCases where a.address(family) != nil && !a.mappings(for: family).isEmpty {
            let what = "unable to set up iptables rules for port mappings of \(a.label)"
            do {
                let dump = try tools.readNAT(family)
                try tools.applyNAT(family, IPTablesPortMapLayout.setupLines(dump, a, family: family), what: what)
            } catch {
                throw PortMapError(what, error)
            }
        }
    }

    public func check(_ a: PortMapAttachment) throws(PortMapError) {
        // Only the families the container has an address of (the reference also checks an IPv6
        // chain of a v4-only container, which never exists).
        for family in IPFamily.allCases where a.address(family) != nil && !a.mappings(for: family).isEmpty {
            let dump: IPTablesNATDump
            do {
                dump = try tools.readNAT(family)
            } catch {
                throw PortMapError("check iptables rules of \(a.label)", error)
            }
            let chain = IPTablesPortMapLayout.dnatChain(a)
            guard dump.hasChain(chain) else {
                throw PortMapError(.checkFailed, "chain \(chain) not found in iptables table nat (\(a.label))")
            }
            if let first = IPTablesPortMapLayout.missing(dump, a, family: family).first {
                throw PortMapError(.checkFailed, "iptables rules of \(a.label): missing rule: \(first)")
            }
        }
    }

    public func unforward(_ a: PortMapAttachment) throws(PortMapError) -> StaleFlows {
        let chains = [IPTablesPortMapLayout.dnatChain(a), IPTablesPortMapLayout.oldSNATChain(a)]
        return try removeChains(what: "could not tear down iptables port mappings of \(a.label)", mayHold: chains) { _ in chains }
    }

    public func gc(network: String, keeping valid: [ValidAttachment]) throws(PortMapError) -> StaleFlows {
        // The layout ignores the interface name: a container is alive if any of its attachments is.
        let alive = Set(valid.map(\.containerID))
        return try removeChains(
            what: "could not garbage-collect iptables port mappings of network \(network)",
            mayHold: [IPTablesPortMapLayout.dnatTop]
        ) { dump in
            IPTablesPortMapLayout.staleChains(dump, network: network, alive: alive).flatMap { chain in
                // The container's pre-0.7 SNAT chain shares the hash.
                [chain, "CNI-SN-" + chain.dropFirst("CNI-DN-".count)]
            }
        }
    }

    /// Deletes the chains `select` picks with every rule jumping to them, per family in one
    /// transaction. Families without tools, or whose nat table cannot hold any of `mayHold`, are
    /// skipped without running anything. A rule that vanished between the read and the write fails
    /// the transaction; reading again settles it.
    private func removeChains(
        what: String, mayHold: [String], _ select: (IPTablesNATDump) -> [String]
    ) throws(PortMapError) -> StaleFlows {
        var stale = StaleFlows()
        for family in IPFamily.allCases where tools.natMayHold(family, chains: mayHold) {
            do {
                let found = try tools.updateNAT(family, what: what) { dump in
                    let chains = select(dump)
                    let udp = chains.filter { $0.hasPrefix("CNI-DN-") }
                        .flatMap { IPTablesPortMapLayout.udpDestinations(dump, chain: $0) }
                    return (dump.removalLines(chains: chains), udp)
                }
                stale.udpDestinations.formUnion(found)
            } catch {
                throw PortMapError(what, error)
            }
        }
        return stale
    }
}

import Synchronization

/// Keeps the last nftables socket handed to it open for as long as the keeper lives (in a plugin,
/// until the process exits).
///
/// Releasing a netfilter socket waits for the kernel to finish the deferred work of the previous
/// transactions: deleted rules and updated chains are freed after an RCU grace period, and
/// `nft_rcv_nl_event` flushes that work at release (milliseconds). Released at exit instead, the
/// wait overlaps what the plugin does after its commit (a veth deletion, IPAM's exec, a conntrack
/// flush) and is usually over by then. Measured on bridge DEL with the nftables masquerade: 37-39 ms
/// closing right after the commit, 20-21 ms kept.
public final class NFTSocketKeeper: Sendable {
    /// The socket, handed over by the thread that used it and never used again.
    private final class Kept: @unchecked Sendable {
        let connection: NFTConnection
        init(_ connection: NFTConnection) { self.connection = connection }
    }

    private let held = Mutex<Kept?>(nil)

    public init() {}

    /// Takes `connection`, which the caller must not use again; the one kept before is released.
    public func keep(_ connection: NFTConnection) {
        let kept = Kept(connection)
        // The previous one (if any) is released after the lock, by this thread.
        let previous = held.withLock { held -> Kept? in
            defer { held = kept }
            return held
        }
        _ = previous
    }
}

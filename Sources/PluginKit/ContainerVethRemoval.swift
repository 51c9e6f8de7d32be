import CNI
import LinuxNet
import Netlink
import NetAddress

/// DEL of a container interface with its lease released as early as is safe. Deleting a veth
/// mostly waits in the kernel (~15 ms of RCU grace periods in `RTM_DELLINK`), so the interface's
/// addresses are removed first (which returns at once), the link is deleted on a thread of its
/// own, and from then on ``addressesGone`` says the IPAM lease may be released while the deletion
/// waits: an address is never handed out while still configured (plugins#666). When the lease is
/// released through the interface (dhcp: the daemon sends DHCPRELEASE from it), `linkOutlivesLease`
/// keeps the order addresses, lease, link: the link is deleted after the release, on its thread.
///
/// ```swift
/// let removal = ContainerVethRemoval(ifName: context.ifName, in: container, errors: &errors)
/// removal.releaseLease { try context.ipam.execDel() }
/// // firewall teardown on this thread, meanwhile
/// errors.append(contentsOf: removal.join())
/// ```
public final class ContainerVethRemoval {
    /// The interface's global-unicast addresses as they were (for the masquerade teardown).
    public let addresses: [IPNetwork]
    /// True when no address of the interface is configured any more: there was no interface, or
    /// its addresses were removed. False when the removal failed or there was no namespace to
    /// look in (release the lease after ``join()`` then).
    public let addressesGone: Bool
    private var deletion: ConcurrentStep<CleanupErrors>?
    private var lease: ConcurrentStep<Void>?
    private var pendingRelease: (() throws -> Void)?
    /// The link deletion, not started yet (`linkOutlivesLease`).
    private var deleteLink: (() -> CleanupErrors)?

    /// Looks `ifName` up in `container` (nil: no namespace), removes its addresses and starts
    /// deleting the link (with `linkOutlivesLease`, not before the lease is released). Lookup and
    /// address failures are added to `errors`.
    public init(ifName: String, in container: NetworkStack?, errors: inout CleanupErrors, linkOutlivesLease: Bool = false) {
        guard let container else {
            (addresses, addressesGone) = ([], false)
            return
        }
        // A link that vanishes meanwhile is simply not found.
        let found = errors.run("look up \"\(ifName)\"") { try VethPair.lookup(named: ifName, in: container) }
        guard let (link, global) = found ?? nil else {
            (addresses, addressesGone) = ([], found != nil)  // no link: nothing configured
            return
        }
        addresses = global
        addressesGone = errors.run("remove the addresses of \"\(ifName)\"") { try VethPair.removeAddresses(global, of: link, in: container) } != nil
        // The container's socket is used by the deleting thread only until it is joined.
        let delete = { () -> CleanupErrors in
            var strand = CleanupErrors()
            strand.run("delete \"\(ifName)\"") { () throws in
                do {
                    try container.netlink.deleteLink(link)
                } catch let error as NetlinkError where error.isNotFound {
                }
            }
            return strand
        }
        if linkOutlivesLease && addressesGone {
            deleteLink = delete
        } else {
            deletion = ConcurrentStep(delete)
        }
    }

    /// Runs `release` (IPAM DEL) on a thread of its own if the addresses are already gone, so it
    /// overlaps the link deletion (or, with `linkOutlivesLease`, precedes it on that thread);
    /// otherwise it runs in ``join()``, after the link is gone.
    public func releaseLease(_ release: @escaping () throws -> Void) {
        if let delete = deleteLink {
            deleteLink = nil
            deletion = ConcurrentStep { () -> CleanupErrors in
                var strand = CleanupErrors()
                strand.run("IPAM DEL", release)
                strand.append(contentsOf: delete())
                return strand
            }
        } else if addressesGone {
            lease = ConcurrentStep(release)
        } else {
            pendingRelease = release
        }
    }

    /// Waits for the link deletion (and the lease release); their failures.
    public func join() -> CleanupErrors {
        var errors = CleanupErrors()
        if let delete = deleteLink {  // no lease was released: the link goes now
            deleteLink = nil
            errors.append(contentsOf: delete())
        }
        if let deletion, let strand = errors.run("delete link", { try deletion.join() }) {
            errors.append(contentsOf: strand)
        }
        if let lease {
            errors.run("IPAM DEL") { try lease.join() }
        } else if let pendingRelease {
            errors.run("IPAM DEL", pendingRelease)
        }
        return errors
    }
}

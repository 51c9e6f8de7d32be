import CNI
import Firewall
import NetAddress

/// ptp's `ipMasq`: the Firewall module's `Masquerade` (the same backends and rule layout bridge
/// uses, compatible with the reference's), keyed on this request's attachment. Its errors carry
/// their CNI codes (`FirewallError+CNI.swift`). Everything runs in the plugin's own (host) namespace.
struct PTPMasquerade {
    var masquerade: Masquerade
    var config: PTPConfig
    var context: PluginContext

    func attachment(_ addresses: [IPNetwork] = []) -> MasqueradeAttachment {
        MasqueradeAttachment(
            network: config.network, containerID: context.containerID, ifName: context.ifName, addresses: addresses)
    }

    func setup(_ addresses: [IPNetwork]) throws(FirewallError) {
        try masquerade.setup(attachment(addresses), backend: config.ipMasqBackend)
    }

    func check(_ addresses: [IPNetwork]) throws(FirewallError) {
        try masquerade.check(attachment(addresses), backend: config.ipMasqBackend)
    }

    /// Both backends; `addresses` only narrow the families read (both find an attachment's rules
    /// without them, so a DEL without netns or prevResult still removes them).
    func teardown(_ addresses: [IPNetwork]) throws(FirewallError) {
        try masquerade.teardown(attachment(addresses))
    }

    /// Rules of this network whose attachment is not in `valid`.
    func gc(keeping valid: [ValidAttachment]) throws(FirewallError) {
        let keep = valid.map { AttachmentID(containerID: $0.containerID, ifName: $0.ifName) }
        try masquerade.gc(network: config.network, keeping: keep)
    }
}

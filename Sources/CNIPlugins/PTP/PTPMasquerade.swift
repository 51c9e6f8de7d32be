import CNI
import Firewall
import NetAddress

/// ptp's `ipMasq`: the Firewall module's `Masquerade` (the same backends and rule layout bridge
/// uses, compatible with the reference's), keyed on this request's attachment, with firewall
/// errors given their CNI codes. Everything runs in the plugin's own (host) namespace.
struct PTPMasquerade {
    var masquerade: Masquerade
    var config: PTPConfig
    var context: PluginContext

    func attachment(_ addresses: [IPNetwork] = []) -> MasqueradeAttachment {
        MasqueradeAttachment(
            network: config.network, containerID: context.containerID, ifName: context.ifName, addresses: addresses)
    }

    /// Fails on an unknown `ipMasqBackend` before anything is allocated.
    func validateBackend() throws(CNIError) {
        do { _ = try Masquerade.configuredKind(config.ipMasqBackend) } catch { throw CNIError(firewall: error) }
    }

    func setup(_ addresses: [IPNetwork]) throws(CNIError) {
        do { try masquerade.setup(attachment(addresses), backend: config.ipMasqBackend) } catch { throw CNIError(firewall: error) }
    }

    func check(_ addresses: [IPNetwork]) throws(CNIError) {
        do { try masquerade.check(attachment(addresses), backend: config.ipMasqBackend) } catch { throw CNIError(firewall: error) }
    }

    /// Both backends; `addresses` only narrow the families read (both find an attachment's rules
    /// without them, so a DEL without netns or prevResult still removes them).
    func teardown(_ addresses: [IPNetwork]) throws(CNIError) {
        do { try masquerade.teardown(attachment(addresses)) } catch { throw CNIError(firewall: error) }
    }

    /// Rules of this network whose attachment is not in `valid`.
    func gc(keeping valid: [ValidAttachment]) throws(CNIError) {
        let keep = valid.map { AttachmentID(containerID: $0.containerID, ifName: $0.ifName) }
        do { try masquerade.gc(network: config.network, keeping: keep) } catch { throw CNIError(firewall: error) }
    }
}

extension CNIError {
    /// A firewall failure as the runtime sees it: a bad `ipMasqBackend` is the config's fault (7),
    /// a busy xtables lock is worth a retry (11), anything else is internal (999).
    init(firewall error: FirewallError) {
        switch error.code {
        case .invalidConfig: self.init(.invalidNetworkConfig, error.description)
        case .busy: self.init(.tryAgainLater, error.description)
        default: self.init(.internal, error.description)
        }
    }
}

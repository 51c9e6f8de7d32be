import CNI
import CNIRuntime
import LinuxNet

/// CHECK for lists older than 0.4.0, which predate the verb: plugins must not be asked (libcni
/// refuses), but a person running `cnitool check` on the design document's 0.3.1 `myptp` still
/// wants an answer. cnitool checks what the runtime itself knows instead: the attachment is
/// cached, its namespace exists, and every interface the result placed there is present.
enum PreCheckVersions {
    /// True when `network` is too old for the CHECK verb.
    static func applies(to network: NetworkConfigList) throws(RuntimeError) -> Bool {
        try !NetworkRuntime.isAtLeast(network.cniVersion, .v0_4_0)
    }

    /// The runtime-side check; throws naming what is missing. Returns the note for stderr.
    static func check(_ network: NetworkConfigList, _ attachment: NetworkAttachment, runtime: NetworkRuntime) throws(RuntimeError)
        -> String
    {
        guard let cached = try runtime.cache.result(network: network, attachment: attachment) else {
            throw RuntimeError(
                "network \(goQuote(network.name)) has nothing cached for container \(attachment.containerID) interface \(attachment.ifName) (was it added?)")
        }
        let stack: NetworkStack
        do {
            stack = try NetworkStack(namespace: NetworkNamespace.open(path: attachment.netns))
        } catch {
            throw RuntimeError("cannot open \(attachment.netns): \(error)")
        }
        for interface in cached.interfaces where interface.sandbox == attachment.netns {
            let live: Bool
            do {
                live = try stack.netlink.link(named: interface.name) != nil
            } catch {
                throw RuntimeError("cannot list links in \(attachment.netns): \(error)")
            }
            guard live else { throw RuntimeError("interface \(interface.name) of network \(goQuote(network.name)) is missing from \(attachment.netns)") }
        }
        return "note: configuration version \(goQuote(network.cniVersion)) predates CHECK (0.4.0), so its plugins were not asked; "
            + "checked the cached attachment and its interfaces in \(attachment.netns) instead"
    }
}

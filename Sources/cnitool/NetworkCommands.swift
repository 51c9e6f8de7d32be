import ArgumentParser
import CNI
import CNIRuntime

struct GC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Delete the network's stale cached attachments, then let its plugins collect garbage (GC).",
        discussion: """
            Without --valid, every cached attachment of the network is stale (upstream cnitool gc): each \
            is deleted with a full DEL, then GC runs on each plugin (lists >= 1.1.0). With --valid, those \
            attachments are kept and passed to the plugins as cni.dev/valid-attachments. The netns \
            argument is accepted for compatibility and not used.

            EXAMPLES
              CNI_PATH=/opt/cni/bin cnitool gc mynet
              CNI_PATH=/opt/cni/bin cnitool gc mynet --valid-netns cnitest --valid cnitool-0123456789abcdef0123/eth1
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The network's name.") var network: String
    @Argument(help: .hidden) var ignored: [String] = []

    @Option(name: .long, help: ArgumentHelp("An attachment to keep, as CONTAINERID/IFNAME (repeatable).", valueName: "id/ifname"))
    var valid: [String] = []

    @Option(name: .long, help: ArgumentHelp("Keep the attachment of this netns (path or name) with the current interface name (repeatable).", valueName: "netns"))
    var validNetns: [String] = []

    func run() throws {
        let session = Session(global: global)
        try session.run { () throws(RuntimeError) in
            let list = try session.network(network)
            var keep: [ValidAttachment]?
            if !valid.isEmpty || !validNetns.isEmpty {
                keep = []
                for item in valid {
                    let parts = item.split(separator: "/", omittingEmptySubsequences: false)
                    guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                        throw RuntimeError("invalid --valid \(goQuote(item)): expected CONTAINERID/IFNAME")
                    }
                    keep!.append(ValidAttachment(containerID: String(parts[0]), ifName: String(parts[1])))
                }
                for netns in validNetns {
                    let path = CNIToolConventions.netnsPath(netns)
                    keep!.append(ValidAttachment(containerID: CNIToolConventions.containerID(netnsPath: path), ifName: session.ifName))
                }
            }
            let deleted = try session.runtime.gc(list, validAttachments: keep)
            if global.json {
                Output.json(["network": .string(list.name), "deleted": .array(deleted.map { .object($0.json(network: list.name)) })])
            } else {
                for a in deleted {
                    Output.stdout("deleted stale attachment \(a.containerID) \(a.ifName)\(a.netns.isEmpty ? "" : " (\(a.netns))")")
                }
            }
        }
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Ask the network's plugins whether they could add an interface now (STATUS).",
        discussion: """
            Runs STATUS on each plugin in order and fails with the first error (lists >= 1.1.0; older \
            lists always succeed). Prints nothing on success (with --json, {"network", "ready"}). The \
            netns argument is accepted for compatibility and not used.

            EXAMPLE
              CNI_PATH=/opt/cni/bin cnitool status mynet
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The network's name.") var network: String
    @Argument(help: .hidden) var ignored: [String] = []

    func run() throws {
        let session = Session(global: global)
        try session.run { () throws(RuntimeError) in
            let list = try session.network(network)
            try session.runtime.status(list)
            if global.json {
                Output.json(["network": .string(list.name), "cniVersion": .string(list.cniVersion), "ready": true])
            }
        }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the attachments in the result cache.",
        discussion: """
            One line per cached attachment (libcni's cache: any runtime's attachments, not only cnitool's), \
            optionally only those of one network.

            EXAMPLES
              cnitool list
              cnitool --cache-dir /tmp/cache list mynet --json
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Only this network's attachments.") var network: String?

    func run() throws {
        let cache = ResultCache(directory: global.cacheDir)
        let entries = (cache.attachments() ?? []).filter { network == nil || $0.entry.networkName == network }
        if global.json {
            Output.json(.array(entries.map { file, entry in
                var o = entry.attachment.json(network: entry.networkName)
                if let args = entry.cniArgs { o["cniArgs"] = .array(args.map { [.string($0.key), .string($0.value)] }) }
                if let caps = entry.capabilityArgs { o["capabilityArgs"] = .object(caps) }
                if let result = entry.result { o["result"] = .object(result) }
                o["file"] = .string(file)
                return .object(o)
            }))
            return
        }
        guard !entries.isEmpty else {
            Output.stdout("no attachments cached in \(cache.resultsDirectory)")
            return
        }
        let rows = entries.map { _, entry -> [String] in
            let addresses = (try? entry.decodedResult)??.ips.map(\.address.description).joined(separator: ",") ?? ""
            return [entry.networkName, entry.ifName, entry.containerID, entry.netns ?? "-", addresses.isEmpty ? "-" : addresses]
        }
        Output.stdout(table(["NETWORK", "IFNAME", "CONTAINER ID", "NETNS", "ADDRESSES"], rows))
    }
}

import ArgumentParser
import CNI
import CNIRuntime

/// The network and namespace of ADD, CHECK and DEL.
struct AttachmentArguments: ParsableArguments {
    @Argument(help: "The network's name (the \"name\" of a config in NETCONFPATH).")
    var network: String

    @Argument(help: ArgumentHelp("The container's network namespace: a path, or a name in /var/run/netns.", valueName: "netns"))
    var netns: String

    // Upstream cnitool accepts and ignores further arguments.
    @Argument(help: .hidden) var ignored: [String] = []
}

struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add the network's interface to a namespace (ADD) and print the result.",
        discussion: """
            Runs the network's plugins in order, each given the previous result, caches the final result \
            and prints it as the last plugin returned it (JSON, as upstream cnitool).

            EXAMPLES
              CNI_PATH=/usr/lib/cni cnitool add myptp /var/run/netns/cnitest
              CAP_ARGS='{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}' \\
                CNI_PATH=/opt/cni/bin cnitool add mynet cnitest -i eth1
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: AttachmentArguments

    func run() throws {
        let session = Session(global: global)
        try session.run { () throws(RuntimeError) in
            let network = try session.network(target.network)
            let attachment = try session.attachment(netns: target.netns)
            let result = try session.runtime.add(network, attachment)
            do throws(CNIError) {
                Output.json(try result.json(version: result.cniVersion))
            } catch {
                throw RuntimeError(error.description, cause: error)
            }
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that an added interface is still as its plugins set it up (CHECK).",
        discussion: """
            Runs the network's plugins in order with the cached ADD result. Prints nothing on success \
            (with --json, the attachment checked). Lists before 0.4.0 predate CHECK: their plugins are \
            not asked, and cnitool checks instead that the attachment is cached and that its interfaces \
            are in the namespace (a note on stderr says so). Lists with "disableCheck" always pass.

            EXAMPLE
              CNI_PATH=/usr/lib/cni cnitool check myptp /var/run/netns/cnitest && echo ok
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: AttachmentArguments

    func run() throws {
        let session = Session(global: global)
        try session.run { () throws(RuntimeError) in
            let network = try session.network(target.network)
            let attachment = try session.attachment(netns: target.netns)
            if try PreCheckVersions.applies(to: network) {
                Output.stderr(try PreCheckVersions.check(network, attachment, runtime: session.runtime))
            } else {
                try session.runtime.check(network, attachment)
            }
            if global.json {
                var o = attachment.json(network: network.name)
                o["checked"] = .bool(!network.disableCheck)
                Output.json(.object(o))
            }
        }
    }
}

struct Del: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove the network's interface from a namespace (DEL).",
        discussion: """
            Runs the network's plugins in reverse order with the cached ADD result, then drops the cache \
            entry. Succeeds for an attachment already gone, and for a namespace that no longer exists. \
            Prints nothing on success (with --json, the attachment removed).

            EXAMPLE
              CNI_PATH=/usr/lib/cni cnitool del myptp /var/run/netns/cnitest
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var target: AttachmentArguments

    func run() throws {
        let session = Session(global: global)
        try session.run { () throws(RuntimeError) in
            let network = try session.network(target.network)
            let attachment = try session.attachment(netns: target.netns)
            try session.runtime.delete(network, attachment)
            if global.json {
                var o = attachment.json(network: network.name)
                o["deleted"] = true
                Output.json(.object(o))
            }
        }
    }
}
